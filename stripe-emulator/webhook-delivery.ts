import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';

export type DeliveryMode = 'deliver' | 'record';
export type EventFormat = 'snapshot' | 'thin';

/** Where the SDK's `fetchRelatedObject()` reads each object type (the emulator serves these GET routes). */
const OBJECT_PATHS: Record<string, string> = {
  'checkout.session': '/v1/checkout/sessions',
  subscription: '/v1/subscriptions',
  invoice: '/v1/invoices',
  customer: '/v1/customers',
};

/**
 * The thin notification Stripe sends for a v1 event to an event destination with thin payloads (API version
 * 2026-08-26.dahlia and later): `object: "v2.core.event"`, the type prefixed with `v1.`, and a `related_object`
 * to fetch instead of `data`. It has an id of its own, like Stripe's, and names the snapshot event of the same change
 * in `snapshot_event` (Stripe: "Migrate from snapshot events to thin events").
 */
export function thinNotification(event: Stripe.Event): Record<string, unknown> {
  const object = event.data.object as { id: string; object?: string };
  const type = object.object ?? 'unknown';
  return {
    id: event.id.replace(/^evt_/, 'evt_thin_'),
    object: 'v2.core.event',
    type: `v1.${event.type}`,
    created: new Date(event.created * 1000).toISOString(),
    livemode: event.livemode,
    related_object: { id: object.id, type, url: `${OBJECT_PATHS[type] ?? `/v1/${type}s`}/${object.id}` },
    reason: null,
    // the thin version of a v1 event names the snapshot event of the same change
    snapshot_event: event.id,
  };
}

export interface DeliveryOptions {
  url?: string;
  secret?: string;
  /** first retry delay; doubles each time (Stripe retries for days; the emulator for a few minutes) */
  retryBaseMs?: number;
  maxAttempts?: number;
}

/** Stripe's signature: `t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">` with the endpoint's secret. */
export function stripeSignature(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
}

/**
 * Sends events to one webhook endpoint, signed like Stripe does, retrying failed deliveries with
 * exponential backoff. `delivered` tells the Events API's `delivery_success` filter what happened.
 */
export class WebhookDelivery {
  readonly delivered = new Map<string, boolean>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  mode: DeliveryMode = 'deliver';
  /** `snapshot`: the classic Event with `data.object`; `thin`: a v2 event notification naming a `related_object` */
  format: EventFormat = 'snapshot';

  constructor(private readonly options: DeliveryOptions) {}

  setUrl(url: string): void {
    this.options.url = url;
  }

  get configured(): boolean {
    return Boolean(this.options.url && this.options.secret);
  }

  send(event: Stripe.Event): void {
    if (!this.configured || this.mode === 'record') {
      this.delivered.set(event.id, false);
      return;
    }
    // the format is taken when the event is sent, so retries keep it
    this.attempt(event, 1, this.format);
  }

  private attempt(event: Stripe.Event, attempt: number, format: EventFormat): void {
    const run = this.post(event, format).then((ok) => {
      this.delivered.set(event.id, ok);
      if (ok || attempt >= (this.options.maxAttempts ?? 8)) return;
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.attempt(event, attempt + 1, format);
        },
        (this.options.retryBaseMs ?? 1000) * 2 ** (attempt - 1),
      );
      timer.unref();
      this.timers.add(timer);
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async post(event: Stripe.Event, format: EventFormat): Promise<boolean> {
    const payload = JSON.stringify(format === 'thin' ? thinNotification(event) : event, null, 2);
    try {
      const res = await fetch(this.options.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': stripeSignature(payload, this.options.secret!),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }

  /** Resolves when no delivery is in flight (retries still scheduled are not waited for). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
