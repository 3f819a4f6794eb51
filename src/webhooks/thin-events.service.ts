import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { STRIPE_CLIENT } from '../stripe/stripe.client.js';

/** A verified delivery whose body is a v2 thin event notification rather than a snapshot Event. */
export const isThinNotification = (body: unknown): boolean => (body as { object?: unknown } | null)?.object === 'v2.core.event';

/**
 * Thin event notifications (`object: "v2.core.event"`, type `v1.…`, a `related_object` instead of `data`), the
 * payload Stripe recommends for new event destinations. Once the signature is verified (the same check as for
 * snapshot events), the SDK parses the notification and fetches its related object; the result is handed to the inbox as the snapshot Event it stands for, so a thin and a
 * snapshot delivery of the same change go through the same handlers (and the fulfilment ledger grants once).
 */
@Injectable()
export class ThinEventsService {
  constructor(@Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null) {}

  /** `rawBody` has passed the signature check (verifyStripeSignature) already. */
  async toEvent(rawBody: Buffer): Promise<Stripe.Event> {
    if (!this.stripe) throw new AppError(ErrorCode.StripeNotConfigured, 'A thin event needs STRIPE_SECRET_KEY to fetch what it names');
    const notification = this.parse(this.stripe, rawBody);
    const withObject = notification as { fetchRelatedObject?: () => Promise<{ id: string } | null> };
    // an event with no related object carries nothing this service applies: it is stored as ignored by its type
    const object = withObject.fetchRelatedObject ? await withObject.fetchRelatedObject() : null;
    return {
      id: notification.id,
      object: 'event',
      type: notification.type.replace(/^v1\./, ''),
      created: Math.floor(Date.parse(notification.created) / 1000),
      livemode: notification.livemode,
      api_version: null,
      pending_webhooks: 0,
      request: null,
      data: { object: object ?? { id: (notification as { related_object?: { id: string } }).related_object?.id ?? notification.id } },
    } as unknown as Stripe.Event;
  }

  private parse(stripe: Stripe, rawBody: Buffer): Stripe.V2.Core.EventNotification {
    try {
      return stripe.parseEventNotificationWithoutVerification(rawBody);
    } catch {
      throw new AppError(ErrorCode.ValidationError, 'Webhook body is not a Stripe event notification');
    }
  }
}
