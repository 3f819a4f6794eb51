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
}

export function subscriptionFacts(subscription: Stripe.Subscription): SubscriptionFacts {
  const items = subscription.items?.data ?? [];
  const ends = items.map((i) => i.current_period_end).filter((n): n is number => typeof n === 'number');
  const item = items[0];
  const recurring: string | undefined = item?.price?.recurring?.interval;
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer),
    status: subscription.status,
    price: priceFacts(item?.price),
    interval: recurring === 'month' || recurring === 'year' ? recurring : null,
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
  };
}
