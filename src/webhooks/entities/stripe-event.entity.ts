import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type StripeEventStatus = 'received' | 'processed' | 'failed' | 'ignored';

/**
 * The webhook inbox: every verified Stripe event, keyed by Stripe's event id so a redelivery finds
 * the same row (exactly-once comes from this primary key and a row lock).
 */
@Entity({ name: 'stripe_events' })
@Index('idx_stripe_events_received', ['receivedAt', 'id'])
@Index('idx_stripe_events_object', ['objectId'])
// admin filters (migration AdminIndexes); the expression index on the invoice's subscription is SQL-only
@Index('idx_stripe_events_status_received', ['status', 'receivedAt', 'id'])
@Index('idx_stripe_events_type_received', ['type', 'receivedAt', 'id'])
@Index('idx_stripe_events_invoice_subscription', { synchronize: false })
export class StripeEvent {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  type!: string;

  /** Stripe's `created` (whole seconds). */
  @Column({ name: 'stripe_created_at', type: 'timestamptz' })
  stripeCreatedAt!: Date;

  @Column({ type: 'boolean' })
  livemode!: boolean;

  @Column({ name: 'api_version', type: 'varchar', length: 32, nullable: true })
  apiVersion!: string | null;

  /** The id of `data.object` (cs_…, sub_…, in_…). */
  @Column({ name: 'object_id', type: 'varchar', length: 255, nullable: true })
  objectId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'received' })
  status!: StripeEventStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** Why an event was ignored (unknown type, livemode mismatch, …). */
  @Column({ name: 'ignored_reason', type: 'varchar', length: 255, nullable: true })
  ignoredReason!: string | null;

  /** How the event first reached us: `webhook` or `recovery`. */
  @Column({ type: 'varchar', length: 16, default: 'webhook' })
  source!: string;

  @Column({ name: 'received_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
