import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { SubscriptionApplier } from '../../entitlements/subscription.applier.js';
import { SubscriptionSyncService } from '../../entitlements/subscription-sync.service.js';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/**
 * Every subscription event carries the whole subscription: it is applied as its newest known state. A
 * `trial_will_end` changes nothing by itself but is kept (and shows in the admin timeline).
 */
@Injectable()
@OnStripeEvent(
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  'customer.subscription.pending_update_applied',
  'customer.subscription.pending_update_expired',
)
export class SubscriptionHandler implements StripeEventHandler {
  constructor(
    private readonly applier: SubscriptionApplier,
    private readonly sync: SubscriptionSyncService,
  ) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    const previous = (event.data as { previous_attributes?: { status?: unknown } }).previous_attributes;
    const subscription = event.data.object as Stripe.Subscription;
    const { ambiguous, scheduleToRead } = await this.applier.apply(ctx.manager, subscription, {
      at: ctx.eventCreated,
      deleted: event.type === 'customer.subscription.deleted',
      previousStatus: typeof previous?.status === 'string' ? previous.status : null,
    });
    // two states of one second that nothing orders: Stripe's current object settles it
    if (ambiguous) ctx.afterCommit.push(() => this.sync.refresh(subscription.id));
    // a schedule (made in the portal, say) whose own event came first, before the subscription was stored
    if (scheduleToRead) ctx.afterCommit.push(() => this.sync.refreshSchedule(scheduleToRead));
  }
}
