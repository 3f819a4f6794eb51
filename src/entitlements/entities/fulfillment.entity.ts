import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { CheckoutSession } from './checkout-session.entity.js';

export type FulfillmentSource = 'webhook' | 'confirm' | 'sync' | 'replay' | 'recovery';

/**
 * The fulfilment ledger: the session id is the primary key, so a second grant for the same session
 * is impossible at the database level, whichever path brings it.
 */
@Entity({ name: 'fulfillments' })
export class Fulfillment {
  @PrimaryColumn({ name: 'checkout_session_id', type: 'uuid' })
  checkoutSessionId!: string;

  @OneToOne(() => CheckoutSession, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'checkout_session_id' })
  checkoutSession?: Relation<CheckoutSession>;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  at!: Date;

  @Column({ type: 'varchar', length: 16 })
  source!: FulfillmentSource;

  /** The Stripe event that brought it, when one did. */
  @Column({ name: 'event_id', type: 'varchar', length: 255, nullable: true })
  eventId!: string | null;
}
