import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { queryRows } from '../database/query-rows.js';
import { MetricsService } from '../observability/metrics.service.js';
import { STRIPE_API_VERSION, STRIPE_CLIENT } from '../stripe/stripe.client.js';
import { EVENT_ID } from './event-shape.js';

/** A verified delivery whose body is a v2 thin event notification rather than a snapshot Event. */
export const isThinNotification = (body: unknown): boolean => (body as { object?: unknown } | null)?.object === 'v2.core.event';

/**
 * The inbox id of the change a notification announces: the snapshot event's id (`snapshot_event`, set on the thin
 * version of a v1 event), else the notification's own. So the thin and the snapshot delivery of one change, and
 * the snapshot event recovery reads from Stripe's Events API, are one inbox row, applied once.
 */
export function inboxIdOf(notification: { id: string; snapshot_event?: unknown }): string {
  const snapshot = notification.snapshot_event;
  return typeof snapshot === 'string' && EVENT_ID.test(snapshot) ? snapshot : notification.id;
}

/**
 * Thin event notifications (`object: "v2.core.event"`, type `v1.…`, a `related_object` instead of `data`), the
 * payload Stripe recommends for new event destinations. Once the signature is verified (the same check as for
 * snapshot events), the SDK parses the notification and, unless the inbox holds its change already, fetches its
 * related object; the result is handed to the inbox as the snapshot Event it stands for (under the snapshot's id),
 * so a thin and a snapshot delivery of the same change go through the same handlers once.
 */
@Injectable()
export class ThinEventsService {
  private readonly logger = new Logger('Webhooks');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * `rawBody` has passed the signature check (verifyStripeSignature) already. Answers null when the inbox has
   * applied (or ignored) the change already: nothing is fetched from Stripe, and the delivery is a duplicate.
   */
  async toEvent(rawBody: Buffer): Promise<Stripe.Event | null> {
    if (!this.stripe) throw new AppError(ErrorCode.StripeNotConfigured, 'A thin event needs STRIPE_SECRET_KEY to fetch what it names');
    const notification = this.parse(this.stripe, rawBody);
    const id = inboxIdOf(notification);
    const type = notification.type.replace(/^v1\./, '');
    const created = Math.floor(Date.parse(notification.created) / 1000);
    if (await this.done(id)) {
      this.metrics.webhookProcessed({ type, outcome: 'duplicate', createdAt: created, durationSeconds: 0 });
      this.logger.log({ msg: 'stripe event', eventId: id, notificationId: notification.id, type, outcome: 'duplicate', source: 'webhook' });
      return null;
    }
    const withObject = notification as { fetchRelatedObject?: () => Promise<{ id: string } | null> };
    // an event with no related object carries nothing this service applies: it is stored as ignored by its type
    const object = withObject.fetchRelatedObject ? await withObject.fetchRelatedObject() : null;
    return {
      id,
      object: 'event',
      type,
      created,
      livemode: notification.livemode,
      // the SDK fetched the object at the pinned version (a thin payload itself is unversioned)
      api_version: STRIPE_API_VERSION,
      pending_webhooks: 0,
      request: null,
      data: { object: object ?? { id: (notification as { related_object?: { id: string } }).related_object?.id ?? notification.id } },
    } as unknown as Stripe.Event;
  }

  /** The inbox has applied or ignored this event (a failed one is fetched and tried again). */
  private async done(id: string): Promise<boolean> {
    const [row] = queryRows<{ status: string }>(await this.db.query('SELECT status FROM stripe_events WHERE id = $1', [id]));
    return row?.status === 'processed' || row?.status === 'ignored';
  }

  private parse(stripe: Stripe, rawBody: Buffer): Stripe.V2.Core.EventNotification {
    try {
      return stripe.parseEventNotificationWithoutVerification(rawBody);
    } catch {
      throw new AppError(ErrorCode.ValidationError, 'Webhook body is not a Stripe event notification');
    }
  }
}
