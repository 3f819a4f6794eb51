import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { PaymentRecord } from './payment-record.js';

/**
 * One Stripe dispute (chargeback or inquiry) of a payment, as the newest dispute event left it. Its status is one of
 * warning_needs_response, warning_under_review, warning_closed, needs_response, under_review, won, lost.
 */
@Entity({ name: 'disputes' })
@Index('idx_disputes_checkout_session', ['checkoutSessionId'])
@Index('idx_disputes_user', ['userId'])
// a paid session takes the disputes of its PaymentIntent that came before it
@Index('idx_disputes_payment_intent', ['paymentIntentId'])
// the revenue report sums each invoice's disputes
@Index('idx_disputes_invoice', ['invoiceId'])
export class Dispute extends PaymentRecord {
  @PrimaryColumn({ name: 'stripe_dispute_id', type: 'varchar', length: 255 })
  stripeDisputeId!: string;

  @Column({ name: 'evidence_due_by', type: 'timestamptz', nullable: true })
  evidenceDueBy!: Date | null;
}
