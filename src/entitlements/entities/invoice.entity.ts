import { Column, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/** A Stripe invoice of a user, as the newest invoice event left it (amounts in the currency's minor unit). */
@Entity({ name: 'invoices' })
@Index('idx_invoices_user_created', ['userId', 'createdAt', 'id'])
@Index('idx_invoices_payment_intent', ['paymentIntentId'])
export class Invoice {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'stripe_invoice_id', type: 'varchar', length: 255, unique: true })
  stripeInvoiceId!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'stripe_customer_id', type: 'varchar', length: 255, nullable: true })
  stripeCustomerId!: string | null;

  @Column({ name: 'stripe_subscription_id', type: 'varchar', length: 255, nullable: true })
  stripeSubscriptionId!: string | null;

  @Column({ name: 'payment_intent_id', type: 'varchar', length: 255, nullable: true })
  paymentIntentId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  number!: string | null;

  /** draft, open, paid, uncollectible, void */
  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @Column({ name: 'amount_due', type: 'bigint', default: 0, transformer: bigintNumber })
  amountDue!: number;

  @Column({ name: 'amount_paid', type: 'bigint', default: 0, transformer: bigintNumber })
  amountPaid!: number;

  /** the invoice's tax (`total_taxes`), part of what was paid: revenue reports it apart */
  @Column({ name: 'amount_tax', type: 'bigint', default: 0, transformer: bigintNumber })
  amountTax!: number;

  @Column({ name: 'amount_refunded', type: 'bigint', default: 0, transformer: bigintNumber })
  amountRefunded!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'period_start', type: 'timestamptz', nullable: true })
  periodStart!: Date | null;

  @Column({ name: 'period_end', type: 'timestamptz', nullable: true })
  periodEnd!: Date | null;

  @Column({ name: 'hosted_invoice_url', type: 'text', nullable: true })
  hostedInvoiceUrl!: string | null;

  @Column({ name: 'invoice_pdf', type: 'text', nullable: true })
  invoicePdf!: string | null;

  /** The latest payment attempt needs the customer (3-D Secure): cleared when the invoice is paid. */
  @Column({ name: 'action_required', type: 'boolean', default: false })
  actionRequired!: boolean;

  /** Stripe `created` of the newest invoice event applied (ordering guard). */
  @Column({ name: 'state_at', type: 'timestamptz', nullable: true })
  stateAt!: Date | null;

  /** Stripe's `created` of the invoice: the list is ordered by it. */
  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
