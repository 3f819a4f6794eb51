import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { DisputesApplier } from '../../entitlements/payments/disputes.applier.js';
import { RefundsApplier } from '../../entitlements/payments/refunds.applier.js';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/** A charge of a payment: its refunded total and, from its balance transaction (read before the transaction), Stripe's fee. */
@Injectable()
@OnStripeEvent('charge.succeeded', 'charge.updated', 'charge.refunded')
export class ChargeHandler implements StripeEventHandler {
  constructor(private readonly refunds: RefundsApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.refunds.applyCharge(ctx.manager, event.data.object as Stripe.Charge, ctx.eventCreated, ctx.prefetch?.balance);
  }
}

/** Money moving after the sale: refunds of a charge. */
@Injectable()
@OnStripeEvent('refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated')
export class RefundHandler implements StripeEventHandler {
  constructor(private readonly refunds: RefundsApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.refunds.applyRefund(ctx.manager, event.data.object as Stripe.Refund, ctx.eventCreated);
  }
}

@Injectable()
@OnStripeEvent('charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated')
export class DisputeHandler implements StripeEventHandler {
  constructor(private readonly disputes: DisputesApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    await this.disputes.apply(ctx.manager, event.data.object as Stripe.Dispute, ctx.eventCreated);
  }
}
