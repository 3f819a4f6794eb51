import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { Invoice } from '../entities/invoice.entity.js';
import { idOf, seconds } from '../mappers/stripe-values.js';
import { INVOICE, isNewerState } from './payment-lifecycles.js';
import { RefundsApplier } from './refunds.applier.js';
import { paymentIntentOf } from './invoice-payments.applier.js';

/** The subscription an invoice bills: under parent.subscription_details in this API version, top-level before. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const fromParent = invoice.parent?.subscription_details?.subscription;
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(fromParent ?? legacy ?? null);
}

/** The PaymentIntent that paid it, when Stripe included the invoice's payments. */
function invoicePaymentIntent(invoice: Stripe.Invoice): string | null {
  for (const payment of invoice.payments?.data ?? []) {
    const id = idOf(payment.payment?.payment_intent);
    if (id) return id;
  }
  return null;
}

/**
 * Keeps each invoice of a user as its newest event left it. Invoices never change access (a subscription's
 * status comes from subscription objects); they are what the user lists, and an open invoice that needs the
 * customer's action (3-D Secure) is what GET /api/billing/subscription points to.
 */
@Injectable()
export class InvoicesApplier {
  constructor(private readonly refunds: RefundsApplier) {}

  async apply(manager: EntityManager, invoice: Stripe.Invoice, at: Date, eventType: string): Promise<void> {
    if (!invoice.id) return;
    const repo = manager.getRepository(Invoice);
    const current = await repo.findOne({ where: { stripeInvoiceId: invoice.id }, lock: { mode: 'pessimistic_write' } });
    const status = invoice.status ?? 'draft';
    if (!isNewerState(INVOICE, { at, status }, current ? { at: current.stateAt, status: current.status } : null)) return;
    const customerId = idOf(invoice.customer);
    const subscriptionId = invoiceSubscriptionId(invoice);
    const userId = current?.userId ?? (await this.userOf(manager, customerId, subscriptionId));
    // the invoice's own list of payments, else an InvoicePayment that came first (invoice_payment.paid)
    const paymentIntentId = invoicePaymentIntent(invoice) ?? current?.paymentIntentId ?? (await paymentIntentOf(manager, invoice.id));
    const actionRequired = status === 'paid' || status === 'void' ? false : eventType === 'invoice.payment_action_required' ? true : (current?.actionRequired ?? false);
    await repo.upsert(
      {
        stripeInvoiceId: invoice.id,
        userId,
        stripeCustomerId: customerId,
        stripeSubscriptionId: subscriptionId,
        paymentIntentId,
        number: invoice.number ?? null,
        status,
        amountDue: invoice.amount_due,
        amountPaid: invoice.amount_paid,
        amountTax: (invoice.total_taxes ?? []).reduce((sum, tax) => sum + tax.amount, 0),
        currency: invoice.currency.toLowerCase(),
        periodStart: seconds(invoice.period_start),
        periodEnd: seconds(invoice.period_end),
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
        invoicePdf: invoice.invoice_pdf ?? null,
        actionRequired,
        stateAt: at,
        createdAt: seconds(invoice.created) ?? at,
      },
      ['stripeInvoiceId'],
    );
    if (paymentIntentId && !current?.paymentIntentId) {
      const [row] = await manager.query<Array<{ id: string }>>('SELECT id FROM invoices WHERE stripe_invoice_id = $1', [invoice.id]);
      await this.refunds.attach(manager, { invoiceId: row.id, userId }, paymentIntentId, at);
    }
  }

  /** By the Stripe customer, else by the subscription it bills; never by email. */
  private async userOf(manager: EntityManager, customerId: string | null, subscriptionId: string | null): Promise<string | null> {
    if (customerId) {
      const [user] = await manager.query<Array<{ id: string }>>('SELECT id FROM users WHERE stripe_customer_id = $1', [customerId]);
      if (user) return user.id;
    }
    if (subscriptionId) {
      const [sub] = await manager.query<Array<{ user_id: string | null }>>('SELECT user_id FROM subscriptions WHERE stripe_subscription_id = $1', [subscriptionId]);
      if (sub?.user_id) return sub.user_id;
    }
    return null;
  }
}
