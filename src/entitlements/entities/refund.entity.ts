import { Entity, Index, PrimaryColumn } from 'typeorm';
import { PaymentRecord } from './payment-record.js';

/**
 * One Stripe refund (status pending, requires_action, succeeded, failed or canceled), keyed by its id so a
 * redelivered or re-ordered event never counts it twice. One row per charge (`charge_total:<charge id>`, status
 * `charge_total`) keeps the charge's own `amount_refunded`, which is never summed with the refunds.
 */
@Entity({ name: 'refunds' })
@Index('idx_refunds_checkout_session', ['checkoutSessionId'])
@Index('idx_refunds_invoice', ['invoiceId'])
// a paid session takes the refunds of its PaymentIntent that came before it
@Index('idx_refunds_payment_intent', ['paymentIntentId'])
export class Refund extends PaymentRecord {
  @PrimaryColumn({ name: 'stripe_refund_id', type: 'varchar', length: 255 })
  stripeRefundId!: string;
}
