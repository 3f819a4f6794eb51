import type Stripe from 'stripe';
import { FREE_PLAN } from '../../users/user.entity.js';

export interface SubscriptionFacts {
  id: string;
  customerId: string | null;
  status: Stripe.Subscription.Status;
  priceId: string | null;
  /** In this API version the period lives on the items; the latest item end is the subscription's. */
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  metadataPlan: string | null;
  metadataUserId: string | null;
}

export function subscriptionFacts(subscription: Stripe.Subscription): SubscriptionFacts {
  const items = subscription.items?.data ?? [];
  const ends = items.map((i) => i.current_period_end).filter((n): n is number => typeof n === 'number');
  const customer = subscription.customer as string | { id: string } | null;
  return {
    id: subscription.id,
    customerId: customer ? (typeof customer === 'string' ? customer : customer.id) : null,
    status: subscription.status,
    priceId: items[0]?.price?.id ?? null,
    currentPeriodEnd: ends.length ? new Date(Math.max(...ends) * 1000) : null,
    cancelAtPeriodEnd: Boolean(subscription.cancel_at_period_end),
    metadataPlan: subscription.metadata?.plan ?? null,
    metadataUserId: subscription.metadata?.userId ?? null,
  };
}

// past_due is Stripe retrying a failed renewal: the customer keeps the plan while the status shows it
const GRANTING = new Set<string>(['active', 'trialing', 'past_due']);
const ENDED = new Set<string>(['canceled', 'unpaid', 'incomplete_expired']);

export const isEndedStatus = (status: string | null | undefined): boolean => ENDED.has(status ?? '');

/**
 * The plan a subscription status leaves the user on: active, trialing and past_due give the subscribed
 * plan, ended subscriptions return to free, in-between states (incomplete, paused) keep what the user has.
 * It depends on the newest state only, so the result does not depend on delivery order.
 */
export function planForStatus(status: string, subscribedPlan: string | null, currentPlan: string): string {
  if (GRANTING.has(status)) return subscribedPlan ?? currentPlan;
  if (ENDED.has(status)) return FREE_PLAN;
  return currentPlan;
}

/**
 * Whether an event about a subscription is newer than the state already applied. Stripe's `created`
 * has whole seconds, so on a tie an ended status wins: a deletion is never undone by a same-second update.
 */
export function isNewerSubscriptionState(incoming: { at: Date; status: string }, current: { at: Date | null; status: string | null }): boolean {
  if (!current.at) return true;
  const diff = incoming.at.getTime() - current.at.getTime();
  if (diff !== 0) return diff > 0;
  if (isEndedStatus(current.status)) return false;
  return true;
}
