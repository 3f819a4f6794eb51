import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { SubscriptionScheduleApplier } from '../../entitlements/subscription-schedule.applier.js';
import { SubscriptionSyncService } from '../../entitlements/subscription-sync.service.js';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/**
 * Subscription schedules (a change at the period end, ours or the customer portal's): each event carries the whole
 * schedule, applied as its newest known state. `expiring` changes nothing by itself but is kept for the timeline.
 */
@Injectable()
@OnStripeEvent(
  'subscription_schedule.created',
  'subscription_schedule.updated',
  'subscription_schedule.released',
  'subscription_schedule.canceled',
  'subscription_schedule.completed',
  'subscription_schedule.aborted',
  'subscription_schedule.expiring',
)
export class SubscriptionScheduleHandler implements StripeEventHandler {
  constructor(
    private readonly applier: SubscriptionScheduleApplier,
    private readonly sync: SubscriptionSyncService,
  ) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    const schedule = event.data.object as Stripe.SubscriptionSchedule;
    const { ambiguous } = await this.applier.apply(ctx.manager, schedule, ctx.eventCreated);
    // two states of one second that nothing orders: Stripe's current schedule settles it
    if (ambiguous) ctx.afterCommit.push(() => this.sync.refreshSchedule(schedule.id));
  }
}
