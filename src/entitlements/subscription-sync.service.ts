import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { customerOfObject, lockCustomer } from '../database/customer-lock.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import type { Subscription } from './entities/subscription.entity.js';
import { SubscriptionApplier } from './subscription.applier.js';

/**
 * Applies subscriptions read from Stripe's API (always outside any transaction): after a plan change, cancel or
 * resume made through the SDK, and when an event's order could not be proven (`refresh`).
 */
@Injectable()
export class SubscriptionSyncService {
  private readonly logger = new Logger('Subscriptions');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly applier: SubscriptionApplier,
  ) {}

  /** Runs a Stripe call that answers the subscription, then applies the answer as the newest state. */
  async applyFromStripe(call: (stripe: Stripe) => Promise<Stripe.Subscription>, userId: string | null = null): Promise<Subscription | null> {
    const stripe = requireStripe(this.stripe);
    const readAt = new Date();
    const subscription = await call(stripe);
    const { row } = await this.db.transaction(async (manager) => {
      await lockCustomer(manager, customerOfObject(subscription));
      return this.applier.apply(manager, subscription, { at: readAt, userId });
    });
    return row;
  }

  /** Reads one subscription from Stripe and applies it; failures are logged (the caller has already committed). */
  async refresh(stripeSubscriptionId: string): Promise<void> {
    try {
      await this.applyFromStripe((stripe) => stripe.subscriptions.retrieve(stripeSubscriptionId));
    } catch (error) {
      this.logger.warn(`could not read subscription ${stripeSubscriptionId} from Stripe to settle an event order: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
