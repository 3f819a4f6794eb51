import { Column, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/**
 * The columns every record of a payment shares (a charge, a refund, a dispute): the PaymentIntent it is about, what of
 * ours it belongs to (a checkout session or an invoice, and its user), and the ordering guard.
 */
export abstract class PaymentLink {
  @Column({ name: 'payment_intent_id', type: 'varchar', length: 255, nullable: true })
  paymentIntentId!: string | null;

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

/** The columns a refund and a dispute add: the charge they are about, the amount, their status and reason. */
export abstract class PaymentRecord extends PaymentLink {
  @Column({ name: 'charge_id', type: 'varchar', length: 255, nullable: true })
  chargeId!: string | null;

  @Column({ type: 'bigint', transformer: bigintNumber })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  reason!: string | null;
}
