import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';

export type DeliveryMode = 'deliver' | 'record';

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
    this.attempt(event, 1);
  }

  private attempt(event: Stripe.Event, attempt: number): void {
    const run = this.post(event).then((ok) => {
      this.delivered.set(event.id, ok);
      if (ok || attempt >= (this.options.maxAttempts ?? 8)) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.attempt(event, attempt + 1);
      }, (this.options.retryBaseMs ?? 1000) * 2 ** (attempt - 1));
      timer.unref();
      this.timers.add(timer);
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async post(event: Stripe.Event): Promise<boolean> {
    const payload = JSON.stringify(event, null, 2);
    try {
      const res = await fetch(this.options.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': stripeSignature(payload, this.options.secret!), 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
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
