import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { User } from '../../users/user.entity.js';
import type { HandlerContext } from '../apply/apply-context.js';
import { OnStripeEvent, type StripeEventHandler } from '../handler-registry.js';

/** The subscription an invoice bills: under parent.subscription_details in this API version, top-level before. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const fromParent = invoice.parent?.subscription_details?.subscription;
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  const value = fromParent ?? legacy ?? null;
  return value ? (typeof value === 'string' ? value : value.id) : null;
}

/**
 * Invoices move a subscription between paying and past due. Subscription events remain the authority:
 * an invoice older than the last subscription state applied changes nothing.
 */
@Injectable()
@OnStripeEvent('invoice.paid', 'invoice.payment_failed')
export class InvoiceHandler implements StripeEventHandler {
  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    const subscriptionId = invoiceSubscriptionId(event.data.object as Stripe.Invoice);
    if (!subscriptionId) return;
    const repo = ctx.manager.getRepository(User);
    const user = await repo.findOne({ where: { stripeSubscriptionId: subscriptionId }, lock: { mode: 'pessimistic_write' } });
    if (!user || (user.subscriptionEventAt && ctx.eventCreated < user.subscriptionEventAt)) return;
    if (event.type === 'invoice.paid' && user.subscriptionStatus === 'past_due') {
      user.subscriptionStatus = 'active';
    } else if (event.type === 'invoice.payment_failed' && (user.subscriptionStatus === 'active' || user.subscriptionStatus === 'trialing')) {
      // past_due keeps the plan and shows the status, as Stripe's own dunning does
      user.subscriptionStatus = 'past_due';
    } else {
      return;
    }
    await repo.update({ id: user.id }, { subscriptionStatus: user.subscriptionStatus, subscriptionEventAt: ctx.eventCreated });
  }
}
