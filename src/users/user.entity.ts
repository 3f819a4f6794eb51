import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type UserRole = 'user' | 'admin';
export const FREE_PLAN = 'free';

@Entity({ name: 'users' })
// admin list and filters (migration AdminIndexes)
@Index('idx_users_created', ['createdAt', 'id'])
@Index('idx_users_plan_created', ['plan', 'createdAt', 'id'])
@Index('idx_users_subscription_status_created', ['subscriptionStatus', 'createdAt', 'id'])
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stored lower-cased; unique, so emails are unique case-insensitively. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name!: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role!: UserRole;

  /**
   * Carried in every access token (`ver`) and compared by the guard on each request. A database trigger
   * (migration SecurityRound2) increments it and revokes every refresh token of the user whenever the role
   * or the password hash changes, so older tokens of either kind stop working at once.
   */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  /** A cached copy of the highest-ranked active grant (see GrantsService.recompute), kept in the same transaction as any grant change. */
  @Column({ type: 'varchar', length: 64, default: FREE_PLAN })
  plan!: string;

  /** When the cached plan must be recomputed: the earliest end of an active grant (null: no end). */
  @Column({ name: 'plan_valid_until', type: 'timestamptz', precision: 3, nullable: true })
  planValidUntil!: Date | null;

  /** A short lease while one checkout of this user is being created, so two at once cannot both reach Stripe. */
  @Column({ name: 'checkout_lease_until', type: 'timestamptz', precision: 3, nullable: true })
  checkoutLeaseUntil!: Date | null;

  /** The status of the user's current subscription (cached from `subscriptions`), or null without one. */
  @Column({ name: 'subscription_status', type: 'varchar', length: 32, nullable: true })
  subscriptionStatus!: string | null;

  @Column({ name: 'stripe_customer_id', type: 'varchar', length: 255, unique: true, nullable: true })
  stripeCustomerId!: string | null;

  /** The customer Stripe deleted (customer.deleted): a new one is created on the next checkout, with a new idempotency key. */
  @Column({ name: 'previous_stripe_customer_id', type: 'varchar', length: 255, nullable: true })
  previousStripeCustomerId!: string | null;

  @Column({ name: 'stripe_subscription_id', type: 'varchar', length: 255, unique: true, nullable: true })
  stripeSubscriptionId!: string | null;

  @Column({ name: 'subscription_price_id', type: 'varchar', length: 255, nullable: true })
  subscriptionPriceId!: string | null;

  @Column({ name: 'current_period_end', type: 'timestamptz', nullable: true })
  currentPeriodEnd!: Date | null;

  @Column({ name: 'cancel_at_period_end', type: 'boolean', default: false })
  cancelAtPeriodEnd!: boolean;

  /** Stripe `created` of the newest subscription event applied: older ones never overwrite newer state. */
  @Column({ name: 'subscription_event_at', type: 'timestamptz', nullable: true })
  subscriptionEventAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
