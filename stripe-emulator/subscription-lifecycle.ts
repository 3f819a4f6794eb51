import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds } from './ids.js';
import { meterEventName, meteredTotal } from './meter-events.js';
import type { EmulatorStore } from './store.js';
import { addInterval, clone, invoiceLineObject, subscriptionItemObject } from './objects.js';
import { str, type Params } from './params.js';
import {
  ENDED,
  SUBSCRIPTION_STATUSES,
  commitSubscription,
  currentPeriodEnd,
  isHash,
  nextPeriodItems,
  type SubscriptionStatus,
  updateSubscriptionState,
} from './subscription-state.js';
import { day, periodLine, priceName } from './invoice-lines.js';
import { prorationBehavior } from './prorations.js';
import { createInvoice } from './invoices.js';

/*
 * A subscription's life after its creation: cancel, pause, resume, renew, trials.
 */

/** DELETE /v1/subscriptions/:id: cancels now (`canceled_at` = `ended_at` = now) and emits `customer.subscription.deleted`. */
export function cancelSubscription(store: EmulatorStore, id: string, params: Params = {}): Stripe.Subscription {
  const current = store.subscription(id);
  if (ENDED.has(current.status)) throw EmulatorError.invalid(`This subscription is already canceled`);
  const details = (typeof params.cancellation_details === 'object' ? params.cancellation_details : {}) as Params;
  return endSubscription(store, id, nowSeconds(), nowSeconds(), details);
}

function endSubscription(store: EmulatorStore, id: string, canceledAt: number, endedAt: number, details: Params = {}): Stripe.Subscription {
  const current = store.subscription(id);
  const subscription: Stripe.Subscription = {
    ...clone(current),
    status: 'canceled',
    canceled_at: canceledAt,
    ended_at: endedAt,
    cancellation_details: {
      comment: str(details.comment) ?? current.cancellation_details?.comment ?? null,
      feedback: str(details.feedback) ?? current.cancellation_details?.feedback ?? null,
      feedback_option: current.cancellation_details?.feedback_option ?? null,
      reason: 'cancellation_requested',
    },
  };
  store.subscriptions.set(id, subscription);
  store.pendingProrations.delete(id);
  store.schedules.subscriptionCanceled(current);
  store.emit({ type: 'customer.subscription.deleted', data: { object: subscription } });
  return subscription;
}

/** POST /v1/subscriptions/:id/pause and the test control: status `paused`; emits `customer.subscription.paused` and `.updated`. */
export function pauseSubscription(store: EmulatorStore, id: string): Stripe.Subscription {
  const current = store.subscription(id);
  if (current.status === 'paused') throw EmulatorError.invalid('This subscription is already paused.');
  if (ENDED.has(current.status) || current.status === 'incomplete') {
    throw EmulatorError.invalid(`A subscription with a status of \`${current.status}\` cannot be paused.`);
  }
  const now = nowSeconds();
  const next: Stripe.Subscription = {
    ...clone(current),
    status: 'paused',
    status_details: { paused: { subscription: { type: 'pause_requested' }, transitioned_at: now, type: 'subscription' } },
  };
  return commitSubscription(store, next, { before: ['customer.subscription.paused'] });
}

/**
 * POST /v1/subscriptions/:id/resume: only a `paused` subscription. `billing_cycle_anchor[type]=now` (Stripe's default)
 * starts a new period now and invoices it in full; `unchanged` moves to the period around now, keeping the
 * anchor, and invoices its remaining fraction (nothing with `proration_behavior=none`). Emits
 * `customer.subscription.resumed`, `customer.subscription.updated`, then `invoice.paid`.
 */
export function resumeSubscription(store: EmulatorStore, id: string, params: Params = {}): Stripe.Subscription {
  const current = store.subscription(id);
  if (current.status !== 'paused') {
    throw EmulatorError.invalid(`Only subscriptions with a status of \`paused\` can be resumed. This subscription has a status of \`${current.status}\`.`);
  }
  // this SDK sends `billing_cycle_anchor[type]=now|unchanged`; older ones a bare string
  const anchorValue = params.billing_cycle_anchor;
  const anchorParam = (isHash(anchorValue) ? str(anchorValue.type) : str(anchorValue)) ?? 'now';
  if (anchorParam !== 'now' && anchorParam !== 'unchanged') throw EmulatorError.invalid('Invalid billing_cycle_anchor: must be one of now or unchanged', 'billing_cycle_anchor');
  const behavior = prorationBehavior(params.proration_behavior, 'proration_behavior');
  const now = nowSeconds();
  const next = clone(current);
  delete next.status_details;
  next.status = 'active';
  const lines: Stripe.InvoiceLineItem[] = [...(store.pendingProrations.get(id) ?? [])];
  next.items = {
    ...next.items,
    data: next.items.data.map((item) => {
      if (anchorParam === 'now') {
        const fresh = subscriptionItemObject({
          id: item.id,
          subscription: id,
          price: item.price,
          quantity: item.quantity,
          created: item.created,
          periodStart: now,
          periodEnd: addInterval(now, item.price.recurring),
        });
        lines.push(periodLine(id, fresh, now, fresh.current_period_end));
        return fresh;
      }
      let start = item.current_period_start;
      let end = item.current_period_end;
      while (end <= now) [start, end] = [end, addInterval(end, item.price.recurring)];
      const moved = subscriptionItemObject({
        id: item.id,
        subscription: id,
        price: item.price,
        quantity: item.quantity,
        created: item.created,
        periodStart: start,
        periodEnd: end,
      });
      if (behavior !== 'none' && end > now) {
        const amount = Math.round(((item.price.unit_amount ?? 0) * (item.quantity ?? 1) * (end - now)) / (end - start));
        lines.push(
          invoiceLineObject({
            amount,
            currency: item.price.currency,
            description: `Remaining time on ${priceName(item.price)} after ${day(now)}`,
            price: item.price,
            quantity: item.quantity ?? 1,
            period: { start: now, end },
            subscription: id,
            subscriptionItem: item.id,
            proration: true,
          }),
        );
      }
      return moved;
    }),
  };
  if (anchorParam === 'now') next.billing_cycle_anchor = now;
  let invoice: Stripe.Invoice | null = null;
  if (lines.length) {
    invoice = createInvoice(store, next, { lines, billingReason: 'subscription_update', status: 'paid', periodStart: now, periodEnd: now });
    store.pendingProrations.delete(id);
    next.latest_invoice = invoice.id;
  }
  const saved = commitSubscription(store, next, { before: ['customer.subscription.resumed'] });
  if (invoice) store.emit({ type: 'invoice.paid', data: { object: invoice } });
  return saved;
}

/**
 * Test control: time reaches the end of the current period. The items move one interval on and the new period
 * is invoiced (with any pending prorations): `customer.subscription.updated`, then `invoice.paid` — unless
 * `pause_collection` holds the invoice (draft, void or uncollectible per its behavior, no `invoice.paid`). A
 * renewal is a successful payment, so past_due/unpaid become active. A subscription set to cancel by then
 * ends instead (`customer.subscription.deleted`, `ended_at` = the cancel time); a trialing one ends its trial.
 */
export function renewSubscription(store: EmulatorStore, id: string): Stripe.Subscription {
  const current = store.subscription(id);
  if (ENDED.has(current.status)) throw EmulatorError.invalid('A canceled subscription does not renew.');
  if (current.status === 'paused' || current.status === 'incomplete') throw EmulatorError.invalid(`A subscription with a status of \`${current.status}\` does not renew.`);
  // a schedule's next phase takes over at the period end (its new price is the one the renewal bills)
  const phased = store.schedules.advance(current, currentPeriodEnd(current));
  if (phased === 'cancel') return endSubscription(store, id, current.canceled_at ?? currentPeriodEnd(current), currentPeriodEnd(current));
  if (current.status === 'trialing') {
    store.subscriptions.set(id, phased);
    return store.endTrial(id, { paid: true });
  }
  const end = currentPeriodEnd(current);
  if (current.cancel_at !== null && current.cancel_at <= end) return endSubscription(store, id, current.canceled_at ?? current.cancel_at, current.cancel_at);
  const next = clone(phased);
  if (next.pause_collection?.resumes_at && next.pause_collection.resumes_at <= end) next.pause_collection = null;
  next.items = { ...next.items, data: nextPeriodItems(next, (item) => item.current_period_end) };
  if (next.status === 'past_due' || next.status === 'unpaid') next.status = 'active';
  const held = next.pause_collection?.behavior;
  const status = held === 'void' ? 'void' : held === 'mark_uncollectible' ? 'uncollectible' : held === 'keep_as_draft' ? 'draft' : 'paid';
  // a licensed item is billed ahead for the new period, a metered one in arrears for the period that ended
  const lines = [
    ...(store.pendingProrations.get(id) ?? []),
    ...next.items.data.map((i) => (i.price.recurring?.usage_type === 'metered' ? usageLine(store, current, i) : periodLine(id, i, i.current_period_start, i.current_period_end))),
  ];
  const invoice = createInvoice(store, next, {
    lines,
    billingReason: 'subscription_cycle',
    status,
    periodStart: current.items.data[0]?.current_period_start ?? end,
    periodEnd: end,
    created: end > nowSeconds() ? nowSeconds() : end,
  });
  store.pendingProrations.delete(id);
  next.latest_invoice = invoice.id;
  const saved = commitSubscription(store, next);
  if (status === 'paid') store.emit({ type: 'invoice.paid', data: { object: invoice } });
  return saved;
}

/** The line of a metered item on a renewal invoice: what its meter summed for the customer over the period that ended. */
function usageLine(store: EmulatorStore, ended: Stripe.Subscription, item: Stripe.SubscriptionItem): Stripe.InvoiceLineItem {
  const before = ended.items.data.find((i) => i.id === item.id) ?? item;
  const start = before.current_period_start;
  const end = before.current_period_end;
  const customer = typeof ended.customer === 'string' ? ended.customer : ended.customer.id;
  const eventName = meterEventName(store, item.price.recurring?.meter ?? '');
  const units = eventName ? meteredTotal(store, eventName, customer, { start, end }) : 0;
  return invoiceLineObject({
    amount: (item.price.unit_amount ?? 0) * units,
    currency: item.price.currency,
    description: `${units} × ${item.price.nickname ?? item.price.id} (usage)`,
    price: item.price,
    quantity: units,
    period: { start, end },
    subscription: ended.id,
    subscriptionItem: item.id,
  });
}

/**
 * Test control: sets the status and emits `customer.subscription.updated` (with `previous_attributes.status`).
 * `canceled` cancels now (`customer.subscription.deleted`), `paused` pauses (`customer.subscription.paused` too).
 */
export function setSubscriptionStatus(store: EmulatorStore, id: string, status: SubscriptionStatus): Stripe.Subscription {
  if (!SUBSCRIPTION_STATUSES.includes(status)) throw EmulatorError.invalid(`Invalid status: ${status}`, 'status');
  const current = store.subscription(id);
  if (status === current.status) return current;
  if (status === 'canceled') return store.cancelSubscription(id);
  if (status === 'paused') return store.pauseSubscription(id);
  if (status === 'incomplete_expired') {
    const ended = updateSubscriptionState(store, id, { status, ended_at: nowSeconds() }, false);
    store.emit({ type: 'customer.subscription.deleted', data: { object: ended } });
    return ended;
  }
  const next = clone(current);
  next.status = status;
  if (current.status === 'paused') delete next.status_details;
  return commitSubscription(store, next);
}

/** Test control: Stripe's reminder three days before a trial ends, `customer.subscription.trial_will_end`. */
export function trialWillEnd(store: EmulatorStore, id: string): Stripe.Subscription {
  const current = store.subscription(id);
  if (current.status !== 'trialing' || current.trial_end === null) throw EmulatorError.invalid(`This subscription is not trialing (status \`${current.status}\`).`);
  store.emit({ type: 'customer.subscription.trial_will_end', data: { object: current } });
  return current;
}

/**
 * Test control: the trial ends now (or at `trial_end` if that has passed). A new period starts there and is
 * invoiced; `paid` → status `active`, `customer.subscription.updated` then `invoice.paid`; not paid → status
 * `past_due`, `customer.subscription.updated` then `invoice.payment_failed` (the invoice stays open).
 */
export function endTrial(store: EmulatorStore, id: string, options: { paid: boolean } = { paid: true }): Stripe.Subscription {
  const current = store.subscription(id);
  if (current.status !== 'trialing') throw EmulatorError.invalid(`This subscription is not trialing (status \`${current.status}\`).`);
  const now = nowSeconds();
  const end = Math.min(current.trial_end ?? now, now);
  const next = clone(current);
  next.trial_end = end;
  next.billing_cycle_anchor = end;
  next.status = options.paid ? 'active' : 'past_due';
  next.items = { ...next.items, data: nextPeriodItems(next, () => end) };
  const lines = [...(store.pendingProrations.get(id) ?? []), ...next.items.data.map((i) => periodLine(id, i, i.current_period_start, i.current_period_end))];
  const invoice = createInvoice(store, next, {
    lines,
    billingReason: 'subscription_cycle',
    status: options.paid ? 'paid' : 'open',
    periodStart: current.trial_start ?? end,
    periodEnd: end,
    attempted: true,
  });
  store.pendingProrations.delete(id);
  next.latest_invoice = invoice.id;
  const saved = commitSubscription(store, next);
  store.emit({ type: options.paid ? 'invoice.paid' : 'invoice.payment_failed', data: { object: invoice } });
  return saved;
}
