import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { User } from '../../users/user.entity.js';

export type GrantSource = 'subscription' | 'purchase' | 'admin';

/**
 * What one source gives a user: a subscription (while its status grants), a fulfilled one-time purchase,
 * or an admin's manual grant. The user's plan is the highest-ranked active grant (PLAN_RANK).
 */
@Entity({ name: 'grants' })
@Index('idx_grants_user', ['userId'])
@Index('uq_grants_subscription', ['subscriptionId'], { unique: true, where: 'subscription_id IS NOT NULL' })
@Index('uq_grants_checkout_session', ['checkoutSessionId'], { unique: true, where: 'checkout_session_id IS NOT NULL' })
export class Grant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Column({ type: 'varchar', length: 64 })
  plan!: string;

  @Column({ type: 'varchar', length: 16 })
  source!: GrantSource;

  /** Our subscriptions row, for a subscription grant. */
  @Column({ name: 'subscription_id', type: 'uuid', nullable: true })
  subscriptionId!: string | null;

  /** Our checkout_sessions row, for a purchase grant. */
  @Column({ name: 'checkout_session_id', type: 'uuid', nullable: true })
  checkoutSessionId!: string | null;

  /** Full precision, like now(): a grant given in a transaction is active at once within it. */
  @Column({ name: 'starts_at', type: 'timestamptz', default: () => 'now()' })
  startsAt!: Date;

  /** Null: no end (a subscription grant ends by revocation when the subscription stops granting). */
  @Column({ name: 'ends_at', type: 'timestamptz', precision: 3, nullable: true })
  endsAt!: Date | null;

  /** Set while the grant gives nothing; a subscription grant is restored when its subscription grants again. */
  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 500, nullable: true })
  revokedReason!: string | null;

  /** Why it was given (an admin's words, or the source's description). */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  /** The admin who granted or revoked it by hand. */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
