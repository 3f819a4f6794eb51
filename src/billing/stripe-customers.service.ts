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
   * Returns the user's customer id, creating the customer once. Two first checkouts racing serialise on
   * the user row; the Stripe idempotency key makes even a retry after a lost answer return the same customer.
   */
  async ensure(userId: string): Promise<string> {
    const stripe = requireStripe(this.stripe);
    return this.db.transaction(async (manager) => {
      const user = await manager.getRepository(User).findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw AppError.unauthorized('This account no longer exists');
      if (user.stripeCustomerId) return user.stripeCustomerId;
      const customer = await stripe.customers.create(
        { email: user.email, name: user.name ?? undefined, metadata: { userId: user.id } },
        { idempotencyKey: `customer-for-user-${user.id}` },
      );
      await manager.getRepository(User).update({ id: user.id }, { stripeCustomerId: customer.id });
      return customer.id;
    });
  }
}
