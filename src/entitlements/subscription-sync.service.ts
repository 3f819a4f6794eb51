import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { customerOfObject, lockCustomer } from '../database/customer-lock.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import type { Subscription } from './entities/subscription.entity.js';
import { SubscriptionApplier } from './subscription.applier.js';
import { SubscriptionScheduleApplier } from './subscription-schedule.applier.js';

/** A schedule read with its phases' prices, so that prices outside the catalogue map by product too. */
const SCHEDULE_EXPAND = ['phases.items.price'];

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
    private readonly schedules: SubscriptionScheduleApplier,
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

  /** Runs a Stripe call that answers a subscription schedule, then reads it (with its prices) and applies it as the newest state. */
  async applyScheduleFromStripe(call: (stripe: Stripe) => Promise<Stripe.SubscriptionSchedule>): Promise<void> {
    const stripe = requireStripe(this.stripe);
    const { id } = await call(stripe);
    const readAt = new Date();
    const schedule = await stripe.subscriptionSchedules.retrieve(id, { expand: SCHEDULE_EXPAND });
    await this.db.transaction(async (manager) => {
      await lockCustomer(manager, customerOfObject(schedule));
      await this.schedules.apply(manager, schedule, readAt);
    });
  }

  /** Reads one schedule from Stripe and applies it; failures are logged (the caller has already committed). */
  async refreshSchedule(scheduleId: string): Promise<void> {
    try {
      await this.applyScheduleFromStripe((stripe) => stripe.subscriptionSchedules.retrieve(scheduleId));
    } catch (error) {
      this.logger.warn(`could not read subscription schedule ${scheduleId} from Stripe: ${error instanceof Error ? error.message : String(error)}`);
    }
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
