import { Check, Entity, Index, PrimaryColumn } from 'typeorm';
import { PaymentRecord } from './payment-record.js';

/**
 * One Stripe refund (status pending, requires_action, succeeded, failed or canceled), keyed by its id so a
 * redelivered or re-ordered event never counts it twice. The charge's own refunded total lives on its `charges` row.
 */
@Entity({ name: 'refunds' })
@Check('CHK_refunds_status', `"status" IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')`)
@Index('idx_refunds_checkout_session', ['checkoutSessionId'])
@Index('idx_refunds_invoice', ['invoiceId'])
// a paid session takes the refunds of its PaymentIntent that came before it
@Index('idx_refunds_payment_intent', ['paymentIntentId'])
export class Refund extends PaymentRecord {
  @PrimaryColumn({ name: 'stripe_refund_id', type: 'varchar', length: 255 })
  stripeRefundId!: string;
}
