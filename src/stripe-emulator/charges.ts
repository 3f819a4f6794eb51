import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import { clone } from './objects.js';
import { balanceTransactionFixture, chargeFixture } from './stripe-fixtures/payment-fixtures.js';
import type { EmulatorStore } from './store.js';

/** Each store's balance transactions, by id (kept beside the store, which has no field for them). */
const byStore = new WeakMap<EmulatorStore, Map<string, Stripe.BalanceTransaction>>();
const transactionsOf = (store: EmulatorStore) => byStore.get(store) ?? byStore.set(store, new Map()).get(store)!;

/** Stripe's standard card pricing in the US: 2.9% + 30¢ of the amount (the emulator's fee for every charge). */
export const cardFee = (amount: number): number => Math.round(amount * 0.029) + 30;

/**
 * Test control: the charge of a paid one-time session's payment as Stripe reports it (`charge.succeeded`), with its
 * balance transaction (`GET /v1/balance_transactions/:id`) carrying Stripe's fee. `balance: 'later'` leaves
 * `balance_transaction` null on `charge.succeeded` and fills it with a `charge.updated`, as Stripe does for payment
 * methods whose funds settle later. The charge id is the one `refundSession` names (`ch_` + the PaymentIntent's).
 */
export function chargeSession(store: EmulatorStore, sessionId: string, options: { balance?: 'now' | 'later' } = {}): Stripe.Charge {
  const { session } = store.sessionRecord(sessionId);
  const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : null;
  if (!paymentIntent || session.payment_status !== 'paid') throw EmulatorError.invalid(`Checkout Session ${sessionId} has no payment to charge`);
  const amount = session.amount_total ?? 0;
  const created = nowSeconds();
  const chargeId = `ch_${paymentIntent.slice(3)}`;
  const fee = cardFee(amount);
  const transaction: Stripe.BalanceTransaction = {
    ...clone(balanceTransactionFixture),
    id: stripeId('txn', 24),
    amount,
    created,
    available_on: created + 2 * 86400,
    currency: session.currency ?? 'usd',
    description: null,
    fee,
    fee_details: [{ amount: fee, application: null, currency: session.currency ?? 'usd', description: 'Stripe processing fees', type: 'stripe_fee' }],
    net: amount - fee,
    source: chargeId,
    status: 'pending',
  };
  transactionsOf(store).set(transaction.id, transaction);
  const charge: Stripe.Charge = {
    ...clone(chargeFixture),
    id: chargeId,
    amount,
    amount_captured: amount,
    amount_refunded: 0,
    balance_transaction: options.balance === 'later' ? null : transaction.id,
    created,
    currency: session.currency ?? 'usd',
    customer: typeof session.customer === 'string' ? session.customer : null,
    description: null,
    invoice: undefined,
    livemode: false,
    metadata: {},
    payment_intent: paymentIntent,
    refunded: false,
    refunds: undefined,
    status: 'succeeded',
    transfer_data: null,
  } as Stripe.Charge;
  store.emit({ type: 'charge.succeeded', data: { object: charge } });
  if (options.balance !== 'later') return charge;
  const settled = { ...charge, balance_transaction: transaction.id };
  store.emit({ type: 'charge.updated', data: { object: settled, previous_attributes: { balance_transaction: null } } });
  return settled;
}

/** GET /v1/balance_transactions/:id */
export function balanceTransaction(store: EmulatorStore, id: string): Stripe.BalanceTransaction {
  const transaction = transactionsOf(store).get(id);
  if (!transaction) throw EmulatorError.missing('balance_transaction', id);
  return transaction;
}
