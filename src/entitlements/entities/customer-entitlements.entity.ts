import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A Stripe customer's active entitlements (the lookup_keys of its features), as the newest
 * `entitlements.active_entitlement_summary.updated` said. Keyed by the customer, not the user: the summary can
 * arrive before the customer is linked; readers join on `users.stripe_customer_id`.
 */
@Entity({ name: 'customer_entitlements' })
export class CustomerEntitlements {
  @PrimaryColumn({ name: 'stripe_customer_id', type: 'varchar', length: 255 })
  stripeCustomerId!: string;

  @Column({ name: 'lookup_keys', type: 'text', array: true, default: () => "'{}'" })
  lookupKeys!: string[];

  /** Stripe `created` of the event (or the time of the read) that gave this list: older ones never overwrite it. */
  @Column({ name: 'state_at', type: 'timestamptz' })
  stateAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
