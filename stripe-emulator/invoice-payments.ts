import type Stripe from 'stripe';
import { nowSeconds, stripeId } from './ids.js';
import type { EmulatorStore } from './store.js';

/** Each store's InvoicePayments, by invoice (a store has no field for them: kept beside it). */
const byStore = new WeakMap<EmulatorStore, Map<string, Stripe.InvoicePayment[]>>();

/**
 * The InvoicePayment of a paid invoice, as Stripe makes it in this API version (a charge or PaymentIntent carries no
 * `invoice`; this object is the link), and its `invoice_payment.paid` event. The emulator makes it when a test asks
 * (`payInvoice`), not on its own after each `invoice.paid` as Stripe does, so that the event sequences of the other
 * specs stay as they are.
 */
export function payInvoice(store: EmulatorStore, invoiceId: string, options: { paymentIntent?: string; charge?: string } = {}): Stripe.InvoicePayment {
  const invoice = store.invoice(invoiceId);
  const created = nowSeconds();
  const payment: Stripe.InvoicePayment = {
    id: stripeId('inpay', 24),
    object: 'invoice_payment',
    amount_paid: invoice.amount_paid,
    amount_requested: invoice.amount_due,
    created,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: options.paymentIntent ?? stripeId('pi', 24), charge: options.charge ?? stripeId('ch', 24) },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: created },
  };
  const stored = byStore.get(store) ?? new Map<string, Stripe.InvoicePayment[]>();
  byStore.set(store, stored.set(invoice.id, [...(stored.get(invoice.id) ?? []), payment]));
  store.emit({ type: 'invoice_payment.paid', data: { object: payment } });
  return payment;
}

/** `GET /v1/invoice_payments?invoice=…`: newest first. */
export function listInvoicePayments(store: EmulatorStore, params: Record<string, unknown>): Stripe.InvoicePayment[] {
  const stored = byStore.get(store) ?? new Map<string, Stripe.InvoicePayment[]>();
  const all = typeof params.invoice === 'string' ? (stored.get(params.invoice) ?? []) : [...stored.values()].flat();
  return [...all].reverse();
}
