import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/** The subscription an invoice bills: under parent.subscription_details in this API version, top-level before. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const fromParent = invoice.parent?.subscription_details?.subscription;
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  const value = fromParent ?? legacy ?? null;
  return value ? (typeof value === 'string' ? value : value.id) : null;
}

/**
 * Invoice events are kept in the inbox (the admin timeline shows them beside their subscription) but never
 * change access: a subscription's status comes from subscription objects only. A failed proration invoice, or
 * one of `send_invoice` collection, leaves the subscription `active`, and Stripe says so in its own event.
 */
@Injectable()
@OnStripeEvent('invoice.paid', 'invoice.payment_failed')
export class InvoiceHandler implements StripeEventHandler {
  handle(_event: Stripe.Event, _ctx: HandlerContext): Promise<void> {
    return Promise.resolve();
  }
}
