import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { PriceLookupService } from './price-lookup.service.js';
import { SessionLinePlanService } from './session-line-plan.service.js';

/** What an event needed from Stripe, read before its transaction opened. */
export interface EventPrefetch {
  /** the plan of a paid session without `metadata.plan`, from its line items (null: they map to no plan) */
  linePlan?: string | null;
}

/**
 * The Stripe reads an event needs that its payload lacks, made before the event's transaction (none is ever made
 * inside one): the line items of a paid session without `metadata.plan`, the products of prices no plan maps yet.
 * A Stripe failure here fails the event, which Stripe delivers again; nothing was written.
 */
@Injectable()
export class EventPrefetchService {
  constructor(
    private readonly linePlans: SessionLinePlanService,
    private readonly prices: PriceLookupService,
    private readonly plans: PlanCatalogueService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** An event that needs a Stripe read of its own, so it is applied alone (a group commit has no room for one). */
  needsAlone(event: Stripe.Event): boolean {
    return event.type.startsWith('checkout.session.') && SessionLinePlanService.needsLinePlan(event.data.object as Stripe.Checkout.Session);
  }

  async prefetch(event: Stripe.Event): Promise<EventPrefetch> {
    const object = event.data?.object;
    await this.prices.learnPricesOf(object);
    if (!this.needsAlone(event) || (await this.knownPlan((object as Stripe.Checkout.Session).id))) return {};
    return { linePlan: await this.linePlans.linePlan(object as Stripe.Checkout.Session) };
  }

  /** A session this API created already has its plan on its row: no need to ask Stripe for its line items. */
  private async knownPlan(stripeSessionId: string): Promise<boolean> {
    const [row] = await this.db.query<Array<{ plan: string | null }>>('SELECT plan FROM checkout_sessions WHERE stripe_session_id = $1', [stripeSessionId]);
    return !!row?.plan && this.plans.isKnown(row.plan);
  }
}
