import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import type { EmulatorStore } from './store.js';

/** Each store's refunds, by id (kept beside the store, which has no field for them). */
const byStore = new WeakMap<EmulatorStore, Map<string, Stripe.Refund>>();
const refundsOf = (store: EmulatorStore) => byStore.get(store) ?? byStore.set(store, new Map()).get(store)!;

/**
 * A refund of a paid one-time session's payment, as the Dashboard makes it: `succeeded` at once for a card (or
 * `pending`), with `refund.created`. The emulator keeps no Charge objects; the refund names a charge id of its own.
 */
export function refundSession(store: EmulatorStore, sessionId: string, options: { amount?: number; status?: 'succeeded' | 'pending' } = {}): Stripe.Refund {
  const { session } = store.sessionRecord(sessionId);
  const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : null;
  if (!paymentIntent || session.payment_status !== 'paid') throw EmulatorError.invalid(`Checkout Session ${sessionId} has no payment to refund`);
  const refund: Stripe.Refund = {
    id: stripeId('re', 24),
    object: 'refund',
    amount: options.amount ?? session.amount_total ?? 0,
    balance_transaction: stripeId('txn', 24),
    charge: `ch_${paymentIntent.slice(3)}`,
    created: nowSeconds(),
    currency: session.currency ?? 'usd',
    customer: typeof session.customer === 'string' ? session.customer : null,
    customer_account: null,
    metadata: {},
    payment_intent: paymentIntent,
    payment_method: null,
    reason: 'requested_by_customer',
    receipt_number: null,
    source_transfer_reversal: null,
    status: options.status ?? 'succeeded',
    transfer_reversal: null,
  };
  refundsOf(store).set(refund.id, refund);
  store.emit({ type: 'refund.created', data: { object: refund } });
  return refund;
}

/**
 * The card or bank could not take the money back (Stripe: a refund can fail even after it `succeeded`): the refund
 * becomes `failed` with its `failure_reason`, the money returns to the balance, and Stripe sends `refund.failed` and
 * `refund.updated`. A pending refund can be `canceled` instead (`refund.updated` only).
 */
export function failRefund(store: EmulatorStore, refundId: string, outcome: 'failed' | 'canceled' = 'failed', reason = 'expired_or_canceled_card'): Stripe.Refund {
  const current = refundsOf(store).get(refundId);
  if (!current) throw EmulatorError.missing('refund', refundId);
  if (current.status === 'failed' || current.status === 'canceled') throw EmulatorError.invalid(`Refund ${refundId} is already ${current.status}`);
  if (outcome === 'canceled' && current.status !== 'pending' && current.status !== 'requires_action')
    throw EmulatorError.invalid('Only a pending refund can be canceled', 'refund');
  const refund: Stripe.Refund = {
    ...current,
    status: outcome,
    ...(outcome === 'failed' ? { failure_reason: reason, failure_balance_transaction: stripeId('txn', 24) } : {}),
  };
  refundsOf(store).set(refund.id, refund);
  if (outcome === 'failed') store.emit({ type: 'refund.failed', data: { object: refund } });
  store.emit({ type: 'refund.updated', data: { object: refund } });
  return refund;
}
