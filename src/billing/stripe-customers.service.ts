import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { User } from '../users/user.entity.js';

/** One Stripe customer per user, created on the first checkout. */
@Injectable()
export class StripeCustomersService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * Returns the user's customer id, creating the customer once. No transaction, row lock or pooled connection
   * is held while Stripe answers (a slow Stripe would otherwise drain the pool): the customer is created with
   * an idempotency key per user, so two first checkouts racing (or a retry after a lost answer) get the same
   * customer back, and only a row that has no customer yet is updated.
   */
  async ensure(userId: string): Promise<string> {
    const stripe = requireStripe(this.stripe);
    const users = this.db.getRepository(User);
    const user = await users.findOneBy({ id: userId });
    if (!user) throw AppError.unauthorized('This account no longer exists');
    if (user.stripeCustomerId) return user.stripeCustomerId;
    const customer = await stripe.customers.create(
      { email: user.email, name: user.name ?? undefined, metadata: { userId: user.id } },
      // after Stripe deleted the user's customer, the key changes, or Stripe would answer the deleted one again
      { idempotencyKey: `customer-for-user-${user.id}${user.previousStripeCustomerId ? `-after-${user.previousStripeCustomerId}` : ''}` },
    );
    const [, linked] = await this.db.query<[unknown, number]>('UPDATE users SET stripe_customer_id = $1 WHERE id = $2 AND stripe_customer_id IS NULL', [customer.id, user.id]);
    if (linked) return customer.id;
    // someone linked a customer first (a concurrent checkout, a webhook): theirs is the one
    const current = await users.findOneBy({ id: userId });
    if (!current) throw AppError.unauthorized('This account no longer exists');
    return current.stripeCustomerId ?? customer.id;
  }

  /** Forgets a customer Stripe no longer knows (deleted in the Dashboard): the next `ensure` creates a new one. */
  async forget(userId: string, customerId: string): Promise<void> {
    await this.db.query(`UPDATE users SET previous_stripe_customer_id = stripe_customer_id, stripe_customer_id = NULL WHERE id = $1 AND stripe_customer_id = $2`, [
      userId,
      customerId,
    ]);
  }
}
