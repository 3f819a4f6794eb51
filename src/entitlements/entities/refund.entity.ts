import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/** One Stripe refund, keyed by its id so a redelivered or re-ordered event never counts it twice. */
@Entity({ name: 'refunds' })
@Index('idx_refunds_checkout_session', ['checkoutSessionId'])
@Index('idx_refunds_invoice', ['invoiceId'])
export class Refund {
  @PrimaryColumn({ name: 'stripe_refund_id', type: 'varchar', length: 255 })
  stripeRefundId!: string;

  @Column({ name: 'charge_id', type: 'varchar', length: 255, nullable: true })
  chargeId!: string | null;

  @Column({ name: 'payment_intent_id', type: 'varchar', length: 255, nullable: true })
  paymentIntentId!: string | null;

  @Column({ type: 'bigint', transformer: bigintNumber })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** pending, requires_action, succeeded, failed, canceled */
  @Column({ type: 'varchar', length: 32 })
  status!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  reason!: string | null;

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
