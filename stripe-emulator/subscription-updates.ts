import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds } from './ids.js';
import { cardError, paymentBehavior, pendingUpdate, unpaidInvoice, withPendingUpdateApplied } from './payments.js';
import type { EmulatorStore } from './store.js';
import { clone } from './objects.js';
import { str, type Params } from './params.js';
import { ENDED, commitSubscription, currentPeriodEnd, nextPeriodItems } from './subscription-state.js';
import { periodLine } from './invoice-lines.js';
import { planItemChange, prorationBehavior, prorationDate } from './prorations.js';
import { createInvoice, settleInvoice } from './invoices.js';

/*
 * POST /v1/subscriptions/:id and what follows from its payment: pending updates, paying the invoice later.
 */

/**
 * POST /v1/subscriptions/:id. Supports `items[i][id|price|quantity]` with `proration_behavior` and
 * `proration_date` (see `planItemChange`), `cancel_at_period_end`, `cancel_at`, `pause_collection`, `metadata`
 * and `cancellation_details`. Everything is checked before anything changes; one real change, one
 * `customer.subscription.updated` (then `invoice.paid` when it invoices at once).
 */
export function updateSubscription(store: EmulatorStore, id: string, params: Params): Stripe.Subscription {
  const current = store.subscription(id);
  const keys = Object.keys(params).filter((k) => k !== 'expand');
  if (ENDED.has(current.status) && keys.some((k) => k !== 'metadata' && k !== 'cancellation_details')) {
    throw new EmulatorError(400, 'invalid_request_error', 'A canceled subscription can only update its cancellation_details and metadata.');
  }
  store.schedules.refuseCancellation(current, params);
  const now = nowSeconds();
  const next = clone(current);
  if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
  if (params.cancellation_details !== undefined) {
    const details = (typeof params.cancellation_details === 'object' ? params.cancellation_details : {}) as Params;
    next.cancellation_details = {
      ...(next.cancellation_details ?? { comment: null, feedback: null, feedback_option: null, reason: null }),
      ...(details.comment !== undefined ? { comment: str(details.comment) ?? null } : {}),
      ...(details.feedback !== undefined ? { feedback: str(details.feedback) ?? null } : {}),
    };
  }
  applyCancellation(next, params, now);
  applyPauseCollection(next, params, now);
  const behavior = prorationBehavior(params.proration_behavior, 'proration_behavior');
  const payment = paymentBehavior(params);
  let invoice: Stripe.Invoice | null = null;
  let outcome: 'succeeds' | 'declined' | 'requires_action' = 'succeeds';
  /** what this update invoices at once, and when */
  let bill: { lines: Stripe.InvoiceLineItem[]; at: number; prorationDate?: number } | null = null;
  const pending = store.pendingProrations.get(id) ?? [];
  if (params.items !== undefined) {
    const date = prorationDate(params.proration_date, current, now, 'proration_date');
    const change = planItemChange(store, current, params.items, behavior, date, now, 'items');
    if (change.changed) {
      next.items = { ...next.items, data: change.items };
      if (change.anchor !== null) next.billing_cycle_anchor = change.anchor;
      if (change.invoiceNow) bill = { lines: [...pending, ...change.lines], at: change.anchor ?? date, prorationDate: date };
      else if (change.lines.length) store.pendingProrations.set(id, [...pending, ...change.lines]);
    }
  }
  if (params.trial_end !== undefined) {
    if (params.trial_end !== 'now') throw EmulatorError.invalid('The emulator only accepts trial_end=now on an update.', 'trial_end');
    // the trial ends now: a new period starts and is invoiced in full at the (new) price
    if (current.status === 'trialing') {
      next.trial_end = now;
      next.status = 'active';
      next.billing_cycle_anchor = now;
      next.items = { ...next.items, data: nextPeriodItems(next, () => now) };
      bill = { lines: [...pending, ...next.items.data.map((i) => periodLine(id, i, now, i.current_period_end))], at: now };
    }
  }
  if (bill) {
    outcome = store.payments.charge(
      current.customer as string,
      bill.lines.reduce((sum, l) => sum + l.amount, 0),
    );
    // error_if_incomplete: a failed payment changes nothing and answers 402
    if (outcome !== 'succeeds' && payment === 'error_if_incomplete') throw cardError(outcome);
    invoice = createInvoice(store, next, {
      lines: bill.lines,
      billingReason: 'subscription_update',
      status: 'paid',
      periodStart: bill.at,
      periodEnd: bill.at,
      prorationDate: bill.prorationDate,
    });
    if (outcome !== 'succeeds') {
      invoice = unpaidInvoice(invoice, outcome, store.baseUrl());
      store.invoices.set(invoice.id, invoice);
      failedUpdate(store, current, next, payment, now);
    }
    store.pendingProrations.delete(id);
    next.latest_invoice = invoice.id;
  }
  const saved = commitSubscription(store, next);
  if (invoice && outcome === 'succeeds') store.emit({ type: 'invoice.paid', data: { object: invoice } });
  if (invoice && outcome !== 'succeeds') store.emit({ type: 'invoice.payment_failed', data: { object: invoice } });
  if (invoice && outcome === 'requires_action') store.emit({ type: 'invoice.payment_action_required', data: { object: invoice } });
  return saved;
}

/**
 * An update whose invoice could not be paid: `pending_if_incomplete` keeps the old items (and metadata) and
 * files the change under `pending_update`; `allow_incomplete`/`default_incomplete` apply it and the
 * subscription goes `past_due` until the invoice is paid.
 */
function failedUpdate(store: EmulatorStore, current: Stripe.Subscription, next: Stripe.Subscription, payment: string, now: number): void {
  if (payment !== 'pending_if_incomplete') {
    next.status = 'past_due';
    return;
  }
  const trialEnd = next.trial_end !== current.trial_end ? next.trial_end : null;
  next.pending_update = pendingUpdate(next.items.data, next.billing_cycle_anchor === current.billing_cycle_anchor ? null : next.billing_cycle_anchor, next.metadata, now, trialEnd);
  next.items = clone(current.items);
  next.billing_cycle_anchor = current.billing_cycle_anchor;
  next.metadata = clone(current.metadata);
  next.status = current.status;
  next.trial_end = current.trial_end;
}

/**
 * POST /v1/invoices/:id/pay and the test control for the customer paying on the invoice page: charges the
 * customer's card (402 when it fails again). A paid subscription invoice applies its subscription's pending
 * update (`customer.subscription.pending_update_applied`) and ends `past_due`; then `invoice.paid`.
 */
export function payInvoice(store: EmulatorStore, id: string): Stripe.Invoice {
  const invoice = store.invoice(id);
  if (invoice.status !== 'open') throw EmulatorError.invalid(`Invoice is already ${invoice.status}.`);
  const outcome = store.payments.charge(invoice.customer as string, invoice.amount_remaining);
  if (outcome !== 'succeeds') throw cardError(outcome);
  const paid = { ...settleInvoice(store, id, 'paid')!, confirmation_secret: null };
  store.invoices.set(id, paid);
  const subscriptionId = paid.parent?.subscription_details?.subscription;
  const sub = typeof subscriptionId === 'string' ? store.subscriptions.get(subscriptionId) : undefined;
  if (sub && sub.latest_invoice === id && !ENDED.has(sub.status)) {
    const next = withPendingUpdateApplied(sub);
    if (next.status === 'past_due' || next.status === 'unpaid') next.status = 'active';
    if (sub.pending_update) {
      store.emit({ type: 'customer.subscription.pending_update_applied', data: { object: next, previous_attributes: { items: sub.items, pending_update: sub.pending_update } } });
    }
    commitSubscription(store, next);
  }
  store.emit({ type: 'invoice.paid', data: { object: paid } });
  return paid;
}

/** Test control: time passes `pending_update.expires_at`; the change is discarded (`customer.subscription.pending_update_expired`). */
export function expirePendingUpdate(store: EmulatorStore, id: string): Stripe.Subscription {
  const current = store.subscription(id);
  if (!current.pending_update) throw EmulatorError.invalid('This subscription has no pending update.');
  const next = { ...clone(current), pending_update: null };
  store.subscriptions.set(id, next);
  store.emit({ type: 'customer.subscription.pending_update_expired', data: { object: next, previous_attributes: { pending_update: current.pending_update } } });
  return next;
}

/** Stripe's metadata update: keys merge, a key set to '' is removed, `metadata=''` clears all. */
function mergeMetadata(current: Stripe.Metadata, value: unknown): Stripe.Metadata {
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw EmulatorError.invalid('Invalid metadata: must be a hash', 'metadata');
  const merged: Stripe.Metadata = { ...current };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === '') delete merged[key];
    else merged[key] = String(v);
  }
  return merged;
}

/**
 * `cancel_at_period_end` and `cancel_at`. `cancel_at_period_end=true` sets `cancel_at` to the period end;
 * `cancel_at=<unix>` (or `max_period_end` / `min_period_end`) schedules the end and leaves
 * `cancel_at_period_end` false, as in Stripe's flexible billing mode; `false` or `cancel_at=''` clears both.
 * A scheduled cancellation sets `canceled_at` to the time of the request (Stripe's reference) and
 * `cancellation_details.reason = cancellation_requested`.
 */
function applyCancellation(next: Stripe.Subscription, params: Params, now: number): void {
  const atPeriodEnd = params.cancel_at_period_end;
  const cancelAt = params.cancel_at;
  if (atPeriodEnd !== undefined && atPeriodEnd !== 'true' && atPeriodEnd !== 'false')
    throw EmulatorError.invalid(`Invalid boolean: ${JSON.stringify(atPeriodEnd)}`, 'cancel_at_period_end');
  if (atPeriodEnd === 'true' && cancelAt !== undefined && cancelAt !== '')
    throw EmulatorError.invalid('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'cancel_at');
  const schedule = (at: number | null, periodEnd: boolean) => {
    next.cancel_at = at;
    next.cancel_at_period_end = periodEnd;
    next.canceled_at = at === null ? null : now;
    next.cancellation_details = {
      comment: next.cancellation_details?.comment ?? null,
      feedback: next.cancellation_details?.feedback ?? null,
      feedback_option: next.cancellation_details?.feedback_option ?? null,
      reason: at === null ? null : 'cancellation_requested',
    };
  };
  if (atPeriodEnd === 'true') schedule(currentPeriodEnd(next), true);
  if (atPeriodEnd === 'false') schedule(null, false);
  if (cancelAt === undefined) return;
  if (cancelAt === '') return schedule(null, false);
  if (cancelAt === 'max_period_end' || cancelAt === 'min_period_end') return schedule(currentPeriodEnd(next), false);
  const at = Number(cancelAt);
  if (!Number.isInteger(at)) throw EmulatorError.invalid(`Invalid cancel_at: must be a unix timestamp, max_period_end or min_period_end`, 'cancel_at');
  if (at <= now) throw EmulatorError.invalid('cancel_at must be in the future.', 'cancel_at');
  schedule(at, false);
}

/** `pause_collection[behavior]` (keep_as_draft, mark_uncollectible, void) with optional `[resumes_at]`; `pause_collection=''` clears it. The status does not change. */
function applyPauseCollection(next: Stripe.Subscription, params: Params, now: number): void {
  const value = params.pause_collection;
  if (value === undefined) return;
  if (value === '') {
    next.pause_collection = null;
    return;
  }
  const spec = (typeof value === 'object' && value !== null ? value : {}) as Params;
  const behavior = str(spec.behavior);
  if (behavior !== 'keep_as_draft' && behavior !== 'mark_uncollectible' && behavior !== 'void') {
    throw EmulatorError.invalid('Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void', 'pause_collection[behavior]');
  }
  let resumesAt: number | null = null;
  if (spec.resumes_at !== undefined && spec.resumes_at !== '') {
    resumesAt = Number(spec.resumes_at);
    if (!Number.isInteger(resumesAt) || resumesAt <= now)
      throw EmulatorError.invalid('pause_collection[resumes_at] must be a unix timestamp in the future.', 'pause_collection[resumes_at]');
  }
  next.pause_collection = { behavior, resumes_at: resumesAt };
}
