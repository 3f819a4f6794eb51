import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { CheckoutSessionApplier, type SessionApplication } from '../../entitlements/checkout-session.applier.js';
import { OnStripeEvent, type GroupContext, type GroupStatement, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/** Completed, async succeeded/failed and expired sessions: the session object says it all. */
@Injectable()
@OnStripeEvent('checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed', 'checkout.session.expired')
export class CheckoutSessionHandler implements StripeEventHandler {
  constructor(private readonly applier: CheckoutSessionApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.applier.applyEvents(ctx.manager, [sessionEvent(event, ctx)]);
  }

  async handleMany(events: Stripe.Event[], ctx: GroupContext): Promise<void> {
    await this.applier.applyEvents(ctx.manager, sessionEvents(events, ctx));
  }

  groupStatement(events: Stripe.Event[], source: GroupContext['source']): GroupStatement {
    return this.applier.eventsStatement(events.map((event) => sessionEvent(event, { source, eventId: event.id, eventCreated: new Date(event.created * 1000) })));
  }
}

function sessionEvents(events: Stripe.Event[], ctx: GroupContext): SessionApplication[] {
  return events.map((event) => sessionEvent(event, { source: ctx.source, eventId: event.id, eventCreated: new Date(event.created * 1000) }));
}

function sessionEvent(event: Stripe.Event, ctx: Pick<HandlerContext, 'source' | 'eventId' | 'eventCreated' | 'prefetch'>): SessionApplication {
  return {
    session: event.data.object as Stripe.Checkout.Session,
    ctx: { source: ctx.source, eventId: ctx.eventId, eventCreated: ctx.eventCreated, eventType: event.type, linePlan: ctx.prefetch?.linePlan },
  };
}
