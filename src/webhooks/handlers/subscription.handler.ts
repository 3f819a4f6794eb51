import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { HandlerContext } from '../apply/apply-context.js';
import { SubscriptionApplier } from '../apply/subscription.applier.js';
import { OnStripeEvent, type StripeEventHandler } from '../handler-registry.js';

@Injectable()
@OnStripeEvent('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted')
export class SubscriptionHandler implements StripeEventHandler {
  constructor(private readonly applier: SubscriptionApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.applier.apply(ctx.manager, event.data.object as Stripe.Subscription, ctx.eventCreated, {
      deleted: event.type === 'customer.subscription.deleted',
    });
  }
}
