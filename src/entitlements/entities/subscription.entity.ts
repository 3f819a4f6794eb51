import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { User } from '../../users/user.entity.js';

/**
 * One Stripe subscription as the newest event (or API read) applied left it. A user may have several
 * (bought elsewhere, or before this service refused a second one); each gives at most one grant.
 */
@Entity({ name: 'subscriptions' })
@Index('idx_subscriptions_user', ['userId', 'createdAt'])
export class Subscription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'stripe_subscription_id', type: 'varchar', length: 255, unique: true })
  stripeSubscriptionId!: string;

  /** Null while no user is known for it (a subscription created outside this service). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User> | null;

  @Column({ name: 'stripe_customer_id', type: 'varchar', length: 255, nullable: true })
  stripeCustomerId!: string | null;

  /** Stripe's status (`active`, `trialing`, `past_due`, `paused`, …). */
  @Column({ type: 'varchar', length: 32 })
  status!: string;

  /** The plan its price maps to; null when it maps to none (then it grants nothing, and the status route says so). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  plan!: string | null;

  @Column({ name: 'interval', type: 'varchar', length: 8, nullable: true })
  interval!: 'month' | 'year' | null;

  @Column({ name: 'price_id', type: 'varchar', length: 255, nullable: true })
  priceId!: string | null;

  @Column({ name: 'product_id', type: 'varchar', length: 255, nullable: true })
  productId!: string | null;

  /** The subscription item that carries the price: plan changes update this item in place. */
  @Column({ name: 'stripe_item_id', type: 'varchar', length: 255, nullable: true })
  stripeItemId!: string | null;

  @Column({ type: 'integer', default: 1 })
  quantity!: number;

  @Column({ name: 'current_period_end', type: 'timestamptz', nullable: true })
  currentPeriodEnd!: Date | null;

  @Column({ name: 'cancel_at', type: 'timestamptz', nullable: true })
  cancelAt!: Date | null;

  @Column({ name: 'cancel_at_period_end', type: 'boolean', default: false })
  cancelAtPeriodEnd!: boolean;

  @Column({ name: 'canceled_at', type: 'timestamptz', nullable: true })
  canceledAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'trial_end', type: 'timestamptz', nullable: true })
  trialEnd!: Date | null;

  /** `pause_collection.behavior` while payment collection is paused (the status stays as it is). */
  @Column({ name: 'pause_behavior', type: 'varchar', length: 32, nullable: true })
  pauseBehavior!: string | null;

  @Column({ name: 'pause_resumes_at', type: 'timestamptz', nullable: true })
  pauseResumesAt!: Date | null;

  /** The latest invoice Stripe names on the subscription. */
  @Column({ name: 'latest_invoice_id', type: 'varchar', length: 255, nullable: true })
  latestInvoiceId!: string | null;

  /** Stripe `created` of the newest state applied (whole seconds); null for a provisional row from a paid session. */
  @Column({ name: 'state_at', type: 'timestamptz', nullable: true })
  stateAt!: Date | null;

  /** A plan change waiting for its payment (Stripe's `pending_update`): the plan, price and interval it moves to once paid. */
  @Column({ name: 'pending_plan', type: 'varchar', length: 64, nullable: true })
  pendingPlan!: string | null;

  @Column({ name: 'pending_price_id', type: 'varchar', length: 255, nullable: true })
  pendingPriceId!: string | null;

  @Column({ name: 'pending_interval', type: 'varchar', length: 16, nullable: true })
  pendingInterval!: 'month' | 'year' | null;

  /** when Stripe discards the pending change if it is still unpaid */
  @Column({ name: 'pending_expires_at', type: 'timestamptz', nullable: true })
  pendingExpiresAt!: Date | null;

  /** The subscription schedule that manages it (ours for a change at the period end, or one made in the portal). */
  @Column({ name: 'schedule_id', type: 'varchar', length: 255, nullable: true })
  scheduleId!: string | null;

  /** What the schedule's next phase moves the plan item to, and when; null when it changes no plan. */
  @Column({ name: 'scheduled_plan', type: 'varchar', length: 64, nullable: true })
  scheduledPlan!: string | null;

  @Column({ name: 'scheduled_price_id', type: 'varchar', length: 255, nullable: true })
  scheduledPriceId!: string | null;

  @Column({ name: 'scheduled_interval', type: 'varchar', length: 16, nullable: true })
  scheduledInterval!: 'month' | 'year' | null;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt!: Date | null;

  /** Stripe `created` of the newest schedule event (or read) applied */
  @Column({ name: 'schedule_state_at', type: 'timestamptz', nullable: true })
  scheduleStateAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
