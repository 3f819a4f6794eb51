import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { AppError } from '../common/errors/app-error.js';
import type { CataloguePrice } from '../config/app-config.js';
import type { Subscription } from '../entitlements/entities/subscription.entity.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import { isManagingSchedule } from '../entitlements/mappers/stripe-schedule.mapper.js';
import { SubscriptionSyncService } from '../entitlements/subscription-sync.service.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { stateKey } from './state-keys.js';

const priceId = (price: string | Stripe.Price | Stripe.DeletedPrice): string => (typeof price === 'string' ? price : price.id);

/**
 * Plan changes at the period end, through Stripe subscription schedules: the current phase keeps the subscription
 * as it is to the end of the paid period, the next one moves the plan item to the new price (no proration: the new
 * price starts with the new period), then the schedule releases the subscription. A subscription a schedule manages
 * (ours, or one the customer portal made) cannot be cancelled directly: Stripe refuses, so its schedule is released
 * first.
 */
@Injectable()
export class SubscriptionSchedulesService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    private readonly plans: PlanCatalogueService,
    private readonly sync: SubscriptionSyncService,
  ) {}

  /** Schedules the move of the plan item to `price` at the end of the current period (replacing a change scheduled before). */
  async changeAtPeriodEnd(userId: string, live: Subscription, price: CataloguePrice, clientKey?: string): Promise<void> {
    const stripe = requireStripe(this.stripe);
    const existing = live.scheduleId ? await stripe.subscriptionSchedules.retrieve(live.scheduleId) : null;
    const schedule =
      existing && isManagingSchedule(existing)
        ? existing
        : await stripe.subscriptionSchedules.create({ from_subscription: live.stripeSubscriptionId }, { idempotencyKey: stateKey('schedule', live) });
    const current = schedule.phases.find((p) => p.start_date === schedule.current_phase?.start_date) ?? schedule.phases[0];
    if (!current) throw AppError.conflict('This subscription has no current period to schedule a change after');
    const items = current.items.map((item) => ({ price: priceId(item.price), quantity: item.quantity ?? 1 }));
    const planItem = this.plans.planItem(items);
    const nextItems = items.map((item) => (item === planItem ? { ...item, price: price.priceId } : item));
    const metadata = { userId, plan: price.plan, interval: price.interval };
    const key = clientKey ? { idempotencyKey: stateKey('schedule-change', live, clientKey, price.priceId) } : undefined;
    await this.sync.applyScheduleFromStripe((s) =>
      s.subscriptionSchedules.update(
        schedule.id,
        {
          end_behavior: 'release',
          phases: [
            { items, start_date: current.start_date, end_date: current.end_date, proration_behavior: 'none' },
            {
              items: nextItems,
              duration: { interval: price.interval === 'year' ? 'year' : 'month', interval_count: 1 },
              proration_behavior: 'none',
              metadata,
            },
          ],
        },
        key,
      ),
    );
  }

  /**
   * Lets the subscription go from its schedule (the scheduled change is dropped; the subscription stays as it is), so
   * that it can be changed now or cancelled. A schedule Stripe has already let go is only read again.
   */
  async release(live: Subscription): Promise<void> {
    if (!live.scheduleId) return;
    const scheduleId = live.scheduleId;
    await this.sync.applyScheduleFromStripe(async (s) => {
      try {
        return await s.subscriptionSchedules.release(scheduleId);
      } catch (error) {
        if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
        return s.subscriptionSchedules.retrieve(scheduleId);
      }
    });
    await this.sync.refresh(live.stripeSubscriptionId);
  }

  /** A schedule set to cancel the subscription when it ends (`end_behavior=cancel`) is set to release it instead; false without one. */
  async resumeIfEnding(live: Subscription): Promise<boolean> {
    if (!live.scheduleId) return false;
    const stripe = requireStripe(this.stripe);
    const schedule = await stripe.subscriptionSchedules.retrieve(live.scheduleId);
    if (!isManagingSchedule(schedule) || schedule.end_behavior !== 'cancel') return false;
    await this.sync.applyScheduleFromStripe((s) => s.subscriptionSchedules.update(schedule.id, { end_behavior: 'release' }));
    await this.sync.refresh(live.stripeSubscriptionId);
    return true;
  }
}
