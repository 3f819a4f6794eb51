import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';
import { PaymentLink } from './payment-record.js';

/**
 * One Stripe charge of a session's or invoice's payment: how much of it Stripe says was refunded (`amount_refunded`
 * of its newest event, which counts even before the refund events or instead of them) and Stripe's fee for it (from
 * its balance transaction). Refunds and disputes are rows of their own; a charge is never a refund.
 */
@Entity({ name: 'charges' })
@Index('idx_charges_checkout_session', ['checkoutSessionId'])
@Index('idx_charges_invoice', ['invoiceId'])
@Index('idx_charges_payment_intent', ['paymentIntentId'])
@Check('CHK_charges_amounts', '"amount_refunded" >= 0 AND ("fee" IS NULL OR "fee" >= 0)')
export class Charge extends PaymentLink {
  @PrimaryColumn({ name: 'stripe_charge_id', type: 'varchar', length: 255 })
  stripeChargeId!: string;

  /** the amount charged; null while the charge is known only from a refund */
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  amount!: number | null;

  @Column({ name: 'amount_refunded', type: 'bigint', default: 0, transformer: bigintNumber })
  amountRefunded!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** Stripe's fee and what reached the balance (its balance transaction); null until known */
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  fee!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  net!: number | null;

  @Column({ name: 'balance_transaction_id', type: 'varchar', length: 255, nullable: true })
  balanceTransactionId!: string | null;
}
