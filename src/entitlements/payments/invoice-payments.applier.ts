import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { queryRows } from '../../database/query-rows.js';
import { idOf } from '../mappers/stripe-values.js';
import { RefundsApplier } from './refunds.applier.js';

/**
 * `invoice_payment.paid`: in this API version a charge or PaymentIntent carries no `invoice`, and the invoice lists
 * its payments only when asked to. The InvoicePayment is the link: it is kept (it may come before its invoice, see
 * `paymentIntentOf`), and the invoice learns its PaymentIntent from it, taking the refunds and disputes of that
 * payment that came before, so that revenue subtracts a subscription's refunds and disputes.
 */
@Injectable()
export class InvoicePaymentsApplier {
  constructor(private readonly refunds: RefundsApplier) {}

  async apply(manager: EntityManager, payment: Stripe.InvoicePayment, at: Date): Promise<void> {
    const invoiceId = idOf(payment.invoice);
    if (!invoiceId) return;
    const paymentIntentId = idOf(payment.payment?.payment_intent ?? null);
    await manager.query(
      `INSERT INTO invoice_payments (stripe_invoice_payment_id, stripe_invoice_id, payment_intent_id, charge_id, amount_paid, currency, status, state_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (stripe_invoice_payment_id) DO UPDATE SET payment_intent_id = coalesce(EXCLUDED.payment_intent_id, invoice_payments.payment_intent_id),
         charge_id = coalesce(EXCLUDED.charge_id, invoice_payments.charge_id), amount_paid = EXCLUDED.amount_paid, status = EXCLUDED.status, state_at = EXCLUDED.state_at
       WHERE invoice_payments.state_at <= EXCLUDED.state_at`,
      [payment.id, invoiceId, paymentIntentId, idOf(payment.payment?.charge ?? null), payment.amount_paid, payment.currency.toLowerCase(), payment.status, at],
    );
    if (!paymentIntentId) return;
    const [invoice] = queryRows<{ id: string; user_id: string | null }>(
      await manager.query(`UPDATE invoices SET payment_intent_id = $2, updated_at = now() WHERE stripe_invoice_id = $1 AND payment_intent_id IS NULL RETURNING id, user_id`, [
        invoiceId,
        paymentIntentId,
      ]),
    );
    if (invoice) await this.refunds.attach(manager, { invoiceId: invoice.id, userId: invoice.user_id }, paymentIntentId, at);
  }
}

/** The PaymentIntent that paid an invoice, from an InvoicePayment that came before the invoice's own event. */
export async function paymentIntentOf(manager: EntityManager, stripeInvoiceId: string): Promise<string | null> {
  const [row] = await manager.query<Array<{ payment_intent_id: string }>>(
    `SELECT payment_intent_id FROM invoice_payments WHERE stripe_invoice_id = $1 AND status = 'paid' AND payment_intent_id IS NOT NULL ORDER BY state_at DESC LIMIT 1`,
    [stripeInvoiceId],
  );
  return row?.payment_intent_id ?? null;
}
