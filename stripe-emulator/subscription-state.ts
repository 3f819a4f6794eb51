import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import type { EmulatorStore } from './store.js';
import { addInterval, clone, isDecimal, subscriptionItemObject } from './objects.js';
import { str, type Params } from './params.js';

/*
 * A subscription's stored state: listing, committing a new state with Stripe's `previous_attributes`, and the
 * period arithmetic every life-cycle step shares.
 */

export type SubscriptionStatus = Stripe.Subscription.Status;

export const SUBSCRIPTION_STATUSES: readonly string[] = ['active', 'canceled', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'];

/** statuses after which Stripe never changes a subscription again (only metadata and cancellation_details) */
export const ENDED: ReadonlySet<string> = new Set(['canceled', 'incomplete_expired']);

/**
 * GET /v1/subscriptions: newest first, filtered by `customer`, `price` and `status`. Like Stripe, without
 * `status` every subscription but the canceled ones; `status=all` all of them; `status=ended` canceled and
 * incomplete_expired.
 */
export function listSubscriptions(store: EmulatorStore, params: Params): Stripe.Subscription[] {
  const status = str(params.status);
  if (status !== undefined && status !== 'all' && status !== 'ended' && !SUBSCRIPTION_STATUSES.includes(status)) {
    throw EmulatorError.invalid(`Invalid status: must be one of active, all, canceled, ended, incomplete, incomplete_expired, past_due, paused, trialing, or unpaid`, 'status');
  }
  const customer = str(params.customer);
  const price = str(params.price);
  return [...store.subscriptions.values()]
    .filter((s) => (customer ? s.customer === customer : true))
    .filter((s) => (price ? s.items.data.some((i) => i.price.id === price) : true))
    .filter((s) => (status === undefined ? s.status !== 'canceled' : status === 'all' ? true : status === 'ended' ? ENDED.has(s.status) : s.status === status))
    .reverse();
}

/**
 * Stores the new state of a subscription and emits one `customer.subscription.updated` carrying Stripe's
 * `previous_attributes`; a state that changes nothing emits nothing. `before` are event types emitted with the
 * new state just ahead of the update (e.g. `customer.subscription.paused`).
 */
export function commitSubscription(
  store: EmulatorStore,
  next: Stripe.Subscription,
  options: { emitUpdate?: boolean; before?: Array<'customer.subscription.paused' | 'customer.subscription.resumed'> } = {},
): Stripe.Subscription {
  const previous = previousAttributes(store.subscription(next.id), next);
  store.subscriptions.set(next.id, next);
  if (!previous) return next;
  for (const type of options.before ?? []) store.emit({ type, data: { object: next } });
  if (options.emitUpdate ?? true) store.emit({ type: 'customer.subscription.updated', data: { object: next, previous_attributes: previous } });
  return next;
}

export function updateSubscriptionState(store: EmulatorStore, id: string, changes: Partial<Stripe.Subscription>, emitUpdate = true): Stripe.Subscription {
  const next = { ...clone(store.subscription(id)), ...changes } as Stripe.Subscription;
  return commitSubscription(store, next, { emitUpdate: emitUpdate && changes.status !== 'incomplete_expired' });
}

/** The end of the subscription's current period: in this API version the latest of its items'. */
export function currentPeriodEnd(subscription: Stripe.Subscription): number {
  const ends = subscription.items.data.map((i) => i.current_period_end);
  return ends.length ? Math.max(...ends) : subscription.created;
}

/** The subscription's items for a new billing period that starts at `startOf(item)` and lasts one price interval. */
export function nextPeriodItems(subscription: Stripe.Subscription, startOf: (item: Stripe.SubscriptionItem) => number): Stripe.SubscriptionItem[] {
  return subscription.items.data.map((item) =>
    subscriptionItemObject({
      id: item.id,
      subscription: subscription.id,
      price: item.price,
      quantity: item.quantity,
      created: item.created,
      periodStart: startOf(item),
      periodEnd: addInterval(startOf(item), item.price.recurring),
    }),
  );
}

/** A hash of Stripe's wire format (not an array, not a decimal: those are values whole). */
export const isHash = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !isDecimal(v);

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isDecimal(a) && isDecimal(b)) return a.eq(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isHash(a) && isHash(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return false;
}

/** The old values of what changed between two hashes (see `previousAttributes`). */
function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (sameValue(a, b)) continue;
    out[key] = isHash(a) && isHash(b) ? (changedAttributes(a, b) ?? {}) : a === undefined ? null : clone(a);
  }
  return Object.keys(out).length ? out : null;
}

/**
 * Stripe's `data.previous_attributes` of an `*.updated` event: the old values of what changed — nested hashes
 * with only their changed keys, arrays and scalars whole (so a plan change gives `items: { data: [old items] }`);
 * a field that did not exist before is null. Null when nothing changed.
 */
export function previousAttributes<T extends object>(before: T, after: T): Record<string, unknown> | null {
  return changedAttributes(Object.fromEntries(Object.entries(before)), Object.fromEntries(Object.entries(after)));
}
