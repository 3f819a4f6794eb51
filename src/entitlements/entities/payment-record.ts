import { Column, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/**
 * The columns a refund and a dispute share: the payment they are about (its charge and PaymentIntent), the amount,
 * what of ours it belongs to (a checkout session or an invoice, and its user), and the ordering guard.
 */
export abstract class PaymentRecord {
  @Column({ name: 'charge_id', type: 'varchar', length: 255, nullable: true })
  chargeId!: string | null;

  @Column({ name: 'payment_intent_id', type: 'varchar', length: 255, nullable: true })
  paymentIntentId!: string | null;

  @Column({ type: 'bigint', transformer: bigintNumber })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

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

  /** Stripe `created` of the newest event applied (ordering guard). */
  @Column({ name: 'state_at', type: 'timestamptz' })
  stateAt!: Date;

  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
