import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/** One Stripe dispute (chargeback or inquiry) of a payment, as the newest dispute event left it. */
@Entity({ name: 'disputes' })
@Index('idx_disputes_checkout_session', ['checkoutSessionId'])
@Index('idx_disputes_user', ['userId'])
export class Dispute {
  @PrimaryColumn({ name: 'stripe_dispute_id', type: 'varchar', length: 255 })
  stripeDisputeId!: string;

  @Column({ name: 'charge_id', type: 'varchar', length: 255, nullable: true })
  chargeId!: string | null;

  @Column({ name: 'payment_intent_id', type: 'varchar', length: 255, nullable: true })
  paymentIntentId!: string | null;

  @Column({ type: 'bigint', transformer: bigintNumber })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** warning_needs_response, warning_under_review, warning_closed, needs_response, under_review, won, lost */
  @Column({ type: 'varchar', length: 32 })
  status!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  reason!: string | null;

  @Column({ name: 'evidence_due_by', type: 'timestamptz', nullable: true })
  evidenceDueBy!: Date | null;

  @Column({ name: 'checkout_session_id', type: 'uuid', nullable: true })
  checkoutSessionId!: string | null;

  @Column({ name: 'invoice_id', type: 'uuid', nullable: true })
  invoiceId!: string | null;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'state_at', type: 'timestamptz' })
  stateAt!: Date;

  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
