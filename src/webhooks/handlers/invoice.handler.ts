import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { InvoicesApplier } from '../../entitlements/payments/invoices.applier.js';
import { InvoicePaymentsApplier } from '../../entitlements/payments/invoice-payments.applier.js';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/**
 * Invoices are stored for the user's list and the 3-D Secure hint, but never change access: a subscription's
 * status comes from subscription objects only. A failed proration invoice, or one of `send_invoice` collection,
 * leaves the subscription `active`, and Stripe says so in its own subscription event.
 */
@Injectable()
@OnStripeEvent('invoice.paid', 'invoice.payment_failed', 'invoice.payment_action_required', 'invoice.finalized', 'invoice.voided', 'invoice.marked_uncollectible')
export class InvoiceHandler implements StripeEventHandler {
  constructor(private readonly invoices: InvoicesApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.invoices.apply(ctx.manager, event.data.object as Stripe.Invoice, ctx.eventCreated, event.type);
  }
}

/** `invoice_payment.paid`: which payment paid which invoice (charges carry no invoice in this API version). */
@Injectable()
@OnStripeEvent('invoice_payment.paid')
export class InvoicePaymentHandler implements StripeEventHandler {
  constructor(private readonly payments: InvoicePaymentsApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.payments.apply(ctx.manager, event.data.object as Stripe.InvoicePayment, ctx.eventCreated);
  }
}
