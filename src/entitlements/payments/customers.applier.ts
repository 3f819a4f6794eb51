import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';

/** Customer events: a deleted customer is forgotten (the next checkout makes a new one); an updated email is kept on its sessions only. */
@Injectable()
export class CustomersApplier {
  async deleted(manager: EntityManager, customer: Stripe.Customer | Stripe.DeletedCustomer): Promise<void> {
    await manager.query(`UPDATE users SET previous_stripe_customer_id = stripe_customer_id, stripe_customer_id = NULL WHERE stripe_customer_id = $1`, [customer.id]);
  }

  /** The account's login email never follows Stripe: a customer's email is the payer's, not proof of who owns the account. */
  async updated(manager: EntityManager, customer: Stripe.Customer): Promise<void> {
    if (!customer.email) return;
    await manager.query(`UPDATE checkout_sessions SET customer_email = $2 WHERE stripe_customer_id = $1 AND customer_email IS DISTINCT FROM $2`, [
      customer.id,
      customer.email.toLowerCase(),
    ]);
  }
}
