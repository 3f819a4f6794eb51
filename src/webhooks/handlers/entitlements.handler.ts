import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { FeaturesService } from '../../entitlements/features.service.js';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

/**
 * Stripe Entitlements: the customer's active features changed. The summary is stored per customer (an older
 * event never overwrites a newer one) and shows in `features` of GET /api/auth/me through the user's customer.
 */
@Injectable()
@OnStripeEvent('entitlements.active_entitlement_summary.updated')
export class EntitlementsHandler implements StripeEventHandler {
  constructor(private readonly features: FeaturesService) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    const summary = event.data.object as Stripe.Entitlements.ActiveEntitlementSummary;
    if (typeof summary.customer !== 'string' || !summary.customer) return;
    const { complete } = await this.features.applySummary(ctx.manager, summary, ctx.eventCreated);
    // a list Stripe cut short is read whole once this transaction has committed (never a Stripe call inside it)
    if (!complete) ctx.afterCommit.push(() => this.features.refreshFromStripe(summary.customer));
  }
}
