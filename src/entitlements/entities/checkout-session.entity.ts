import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { User } from '../../users/user.entity.js';
import { bigintNumber } from '../../database/transformers.js';

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired';
export type CheckoutPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';
export type CheckoutMode = 'payment' | 'subscription' | 'setup';
/** How the customer pays: Stripe's hosted page, the embedded page, or the team's own Payment Element. */
export type CheckoutUiMode = 'hosted' | 'embedded' | 'elements';

/** Our record of one Stripe Checkout Session: created by the service or first seen in a webhook. */
@Entity({ name: 'checkout_sessions' })
@Index('idx_checkout_sessions_user_created', ['userId', 'createdAt', 'id'])
@Index('idx_checkout_sessions_created', ['createdAt', 'id'])
// admin filters (migration AdminIndexes)
@Index('idx_checkout_sessions_status_created', ['status', 'createdAt', 'id'])
@Index('idx_checkout_sessions_payment_status_created', ['paymentStatus', 'createdAt', 'id'])
@Index('idx_checkout_sessions_mode_created', ['mode', 'createdAt', 'id'])
@Index('idx_checkout_sessions_price_created', ['priceId', 'createdAt', 'id'])
// a refund, dispute or charge event finds its session by its PaymentIntent
@Index('idx_checkout_sessions_payment_intent', ['stripePaymentIntentId'], { where: 'stripe_payment_intent_id IS NOT NULL' })
// a customer.updated event updates the sessions of its customer
@Index('idx_checkout_sessions_customer', ['stripeCustomerId'], { where: 'stripe_customer_id IS NOT NULL' })
@Index('uq_checkout_sessions_user_idempotency', ['userId', 'idempotencyKey'], { unique: true, where: 'idempotency_key IS NOT NULL' })
export class CheckoutSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'stripe_session_id', type: 'varchar', length: 255, unique: true })
  stripeSessionId!: string;

  /** Null only for a session seen in a webhook that matched no user (`unmatched` is then true). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User> | null;

  @Column({ type: 'varchar', length: 16 })
  mode!: CheckoutMode;

  @Column({ type: 'varchar', length: 64, nullable: true })
  plan!: string | null;

  /** The credit pack (CREDIT_PACK_<NAME>) a one-time session sells instead of a plan; its credits are granted at fulfilment */
  @Column({ name: 'credit_pack', type: 'varchar', length: 64, nullable: true })
  creditPack!: string | null;

  @Column({ name: 'interval', type: 'varchar', length: 8, nullable: true })
  interval!: 'month' | 'year' | 'once' | null;

  @Column({ name: 'price_id', type: 'varchar', length: 255, nullable: true })
  priceId!: string | null;

  @Column({ type: 'integer', default: 1 })
  quantity!: number;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status!: CheckoutSessionStatus;

  @Column({ name: 'payment_status', type: 'varchar', length: 32, default: 'unpaid' })
  paymentStatus!: CheckoutPaymentStatus;

  /** In the currency's minor unit. */
  @Column({ name: 'amount_total', type: 'bigint', nullable: true, transformer: bigintNumber })
  amountTotal!: number | null;

  /** Before discounts and tax, as Stripe reports it (`amount_subtotal`). */
  @Column({ name: 'amount_subtotal', type: 'bigint', nullable: true, transformer: bigintNumber })
  amountSubtotal!: number | null;

  /** `total_details.amount_discount`: what promotion codes and coupons took off. */
  @Column({ name: 'amount_discount', type: 'bigint', nullable: true, transformer: bigintNumber })
  amountDiscount!: number | null;

  /** `total_details.amount_tax`. */
  @Column({ name: 'amount_tax', type: 'bigint', nullable: true, transformer: bigintNumber })
  amountTax!: number | null;

  @Column({ name: 'ui_mode', type: 'varchar', length: 16, default: 'hosted' })
  uiMode!: CheckoutUiMode;

  /**
   * Embedded and elements sessions: what Stripe.js mounts the session with. A bearer credential for this one
   * session: answered only to its owner, never logged, and not shown to admins.
   */
  @Column({ name: 'client_secret', type: 'text', nullable: true })
  clientSecret!: string | null;

  @Column({ type: 'char', length: 3, nullable: true })
  currency!: string | null;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'customer_email', type: 'varchar', length: 254, nullable: true })
  customerEmail!: string | null;

  @Column({ name: 'stripe_customer_id', type: 'varchar', length: 255, nullable: true })
  stripeCustomerId!: string | null;

  @Column({ name: 'stripe_subscription_id', type: 'varchar', length: 255, nullable: true })
  stripeSubscriptionId!: string | null;

  @Column({ name: 'stripe_payment_intent_id', type: 'varchar', length: 255, nullable: true })
  stripePaymentIntentId!: string | null;

  /** The client's Idempotency-Key, scoped to the user, so a retried create returns this row. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /** Refunded so far, in the currency's minor unit: the larger of the refunds stored and the charge's own total. */
  @Column({ name: 'amount_refunded', type: 'bigint', default: 0, transformer: bigintNumber })
  amountRefunded!: number;

  /** When the first refund of this session's payment was seen. */
  @Column({ name: 'refunded_at', type: 'timestamptz', nullable: true })
  refundedAt!: Date | null;

  /** An admin linked this unmatched session to its user (POST /api/admin/checkout-sessions/:id/link). */
  @Column({ name: 'linked_at', type: 'timestamptz', nullable: true })
  linkedAt!: Date | null;

  @Column({ name: 'linked_by', type: 'uuid', nullable: true })
  linkedBy!: string | null;

  @Column({ name: 'link_reason', type: 'varchar', length: 500, nullable: true })
  linkReason!: string | null;

  /** True when a webhook brought a session that no user could be linked to. */
  @Column({ type: 'boolean', default: false })
  unmatched!: boolean;

  /** When what the session bought was granted; set once, never moved. */
  @Column({ name: 'fulfilled_at', type: 'timestamptz', nullable: true })
  fulfilledAt!: Date | null;

  @Column({ name: 'payment_failed_at', type: 'timestamptz', nullable: true })
  paymentFailedAt!: Date | null;

  /** Stripe `created` of the newest event applied to this session (ordering guard). */
  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
