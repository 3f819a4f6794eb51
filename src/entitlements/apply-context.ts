import type Stripe from 'stripe';
import type { FulfillmentSource } from './entities/fulfillment.entity.js';

/** What an applier knows about the path that brought a Stripe object. */
export interface ApplyContext {
  /** which path fulfils, for the ledger */
  source: FulfillmentSource;
  /** the Stripe event that carried the object, when one did */
  eventId: string | null;
  /** that event's Stripe `created`; null for reads from the API (confirm, sync), which are the newest state */
  eventCreated: Date | null;
  eventType?: string;
  /** the moment just before the caller read the object from Stripe (orders it against events) */
  readAt?: Date;
  /** the session's subscription, when the caller read it from Stripe */
  subscription?: Stripe.Subscription | null;
  /** the plan of the session's line items, when the caller read them (a paid session without `metadata.plan`) */
  linePlan?: string | null;
}
