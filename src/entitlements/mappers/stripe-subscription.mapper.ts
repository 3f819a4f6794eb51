import type Stripe from 'stripe';
import { priceFacts, type PriceFacts } from '../plan-catalogue.service.js';
import { idOf, seconds } from './stripe-values.js';

export interface SubscriptionFacts {
  id: string;
  customerId: string | null;
  status: Stripe.Subscription.Status;
  price: PriceFacts;
  interval: 'month' | 'year' | null;
  itemId: string | null;
  quantity: number;
  /** In this API version the period lives on the items; the latest item end is the subscription's. */
  currentPeriodEnd: Date | null;
  cancelAt: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  endedAt: Date | null;
  trialEnd: Date | null;
  pauseBehavior: string | null;
  pauseResumesAt: Date | null;
  latestInvoiceId: string | null;
  metadataPlan: string | null;
  metadataUserId: string | null;
  /** the subscription schedule that manages it, if any; undefined when the state does not say (a provisional one) */
  scheduleId?: string | null;
  /** a change waiting for its invoice to be paid (Stripe's `pending_update`): the plan item's new price */
  pending?: { price: PriceFacts; interval: 'month' | 'year' | null; expiresAt: Date | null } | null;
}

const intervalOf = (item: Stripe.SubscriptionItem | undefined): 'month' | 'year' | null => {
  const recurring: string | undefined = item?.price?.recurring?.interval;
  return recurring === 'month' || recurring === 'year' ? recurring : null;
};

/** The plan item's price in `pending_update` (the item with the same id), when the update changes it. */
function pendingFacts(subscription: Stripe.Subscription, item: Stripe.SubscriptionItem | undefined): SubscriptionFacts['pending'] | null {
  const update = subscription.pending_update;
  if (!update) return null;
  const next = update.subscription_items?.find((i) => i.id === item?.id) ?? update.subscription_items?.[0];
  if (!next || next.price?.id === item?.price?.id) return null;
  return { price: priceFacts(next.price), interval: intervalOf(next), expiresAt: seconds(update.expires_at) };
}

/** Picks the item that carries the plan (PlanCatalogueService.planItem); without one, the first item. */
export type PlanItemPicker = (items: readonly Stripe.SubscriptionItem[]) => Stripe.SubscriptionItem | undefined;

export function subscriptionFacts(subscription: Stripe.Subscription, planItem: PlanItemPicker = (items) => items[0]): SubscriptionFacts {
  const items = subscription.items?.data ?? [];
  const ends = items.map((i) => i.current_period_end).filter((n): n is number => typeof n === 'number');
  const item = planItem(items);
  const recurring = intervalOf(item);
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer),
    status: subscription.status,
    price: priceFacts(item?.price),
    interval: recurring,
    itemId: item?.id ?? null,
    quantity: item?.quantity ?? 1,
    currentPeriodEnd: ends.length ? new Date(Math.max(...ends) * 1000) : null,
    cancelAt: seconds(subscription.cancel_at),
    cancelAtPeriodEnd: Boolean(subscription.cancel_at_period_end),
    canceledAt: seconds(subscription.canceled_at),
    endedAt: seconds(subscription.ended_at),
    trialEnd: seconds(subscription.trial_end),
    pauseBehavior: subscription.pause_collection?.behavior ?? null,
    pauseResumesAt: seconds(subscription.pause_collection?.resumes_at),
    latestInvoiceId: idOf(subscription.latest_invoice),
    metadataPlan: subscription.metadata?.plan ?? null,
    metadataUserId: subscription.metadata?.userId ?? null,
    scheduleId: idOf(subscription.schedule),
    pending: pendingFacts(subscription, item),
  };
}
