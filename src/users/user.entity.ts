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

  @Column({ type: 'varchar', length: 64, default: FREE_PLAN })
  plan!: string;

  /** Stripe's subscription status (`active`, `past_due`, …), or null without a subscription. */
  @Column({ name: 'subscription_status', type: 'varchar', length: 32, nullable: true })
  subscriptionStatus!: string | null;

  @Column({ name: 'stripe_customer_id', type: 'varchar', length: 255, unique: true, nullable: true })
  stripeCustomerId!: string | null;

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
