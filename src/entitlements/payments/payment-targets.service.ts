import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** What a charge, refund or dispute is about: one of our checkout sessions or invoices, and its user. */
export interface PaymentTarget {
  checkoutSessionId: string | null;
  invoiceId: string | null;
  userId: string | null;
}

/**
 * Finds what a payment belongs to by its PaymentIntent: a one-time session keeps it (`stripe_payment_intent_id`),
 * an invoice keeps the one it was paid with. The user comes from that row, else from the Stripe customer.
 */
@Injectable()
export class PaymentTargetsService {
  async resolve(manager: EntityManager, paymentIntentId: string | null, customerId: string | null): Promise<PaymentTarget> {
    const target: PaymentTarget = { checkoutSessionId: null, invoiceId: null, userId: null };
    if (paymentIntentId) {
      const [session] = await manager.query<
        Array<{
          id: string;
          user_id: string | null;
        }>
      >('SELECT id, user_id FROM checkout_sessions WHERE stripe_payment_intent_id = $1', [paymentIntentId]);
      if (session) return { checkoutSessionId: session.id, invoiceId: null, userId: session.user_id };
      const [invoice] = await manager.query<Array<{ id: string; user_id: string | null }>>('SELECT id, user_id FROM invoices WHERE payment_intent_id = $1', [paymentIntentId]);
      if (invoice) return { checkoutSessionId: null, invoiceId: invoice.id, userId: invoice.user_id };
    }
    if (customerId) {
      const [user] = await manager.query<Array<{ id: string }>>('SELECT id FROM users WHERE stripe_customer_id = $1', [customerId]);
      target.userId = user?.id ?? null;
    }
    return target;
  }
}
