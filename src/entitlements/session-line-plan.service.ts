import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { PlanCatalogueService, priceFacts } from './plan-catalogue.service.js';
import { PriceLookupService } from './price-lookup.service.js';

/**
 * The plan of a paid one-time session that carries no `metadata.plan` (a Payment Link, a Dashboard checkout): its
 * line items, listed from Stripe (webhook events never carry them), mapped like a subscription's price. Read before
 * any transaction opens, so a Stripe failure fails the event (Stripe delivers it again) and holds no connection.
 */
@Injectable()
export class SessionLinePlanService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    private readonly plans: PlanCatalogueService,
    private readonly prices: PriceLookupService,
  ) {}

  /** A paid one-time session whose plan only its line items can tell (a subscription's comes from its own events). */
  static needsLinePlan(session: Stripe.Checkout.Session | undefined): boolean {
    if (!session || session.object !== 'checkout.session') return false;
    if (session.mode === 'subscription' || session.status !== 'complete') return false;
    if (session.payment_status !== 'paid' && session.payment_status !== 'no_payment_required') return false;
    return !session.metadata?.plan;
  }

  /** The highest ranked plan among the session's line items, or null when none maps to a plan. */
  async linePlan(session: Stripe.Checkout.Session): Promise<string | null> {
    const items = session.line_items?.data.length && !session.line_items.has_more ? session.line_items.data : await this.listLineItems(session.id);
    let best: string | null = null;
    for (const item of items) {
      const plan = await this.prices.resolvePlan(priceFacts(item.price));
      if (plan && (!best || this.plans.rankOf(plan) > this.plans.rankOf(best))) best = plan;
    }
    return best;
  }

  private async listLineItems(sessionId: string): Promise<Stripe.LineItem[]> {
    const stripe = requireStripe(this.stripe);
    const items: Stripe.LineItem[] = [];
    for await (const item of stripe.checkout.sessions.listLineItems(sessionId, { limit: 100 })) items.push(item);
    return items;
  }
}
