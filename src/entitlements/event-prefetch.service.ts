import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
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
  ) {}

  /** An event that needs a Stripe read of its own, so it is applied alone (a group commit has no room for one). */
  needsAlone(event: Stripe.Event): boolean {
    return event.type.startsWith('checkout.session.') && SessionLinePlanService.needsLinePlan(event.data.object as Stripe.Checkout.Session);
  }

  async prefetch(event: Stripe.Event): Promise<EventPrefetch> {
    const object = event.data?.object;
    await this.prices.learnPricesOf(object);
    if (!this.needsAlone(event)) return {};
    return { linePlan: await this.linePlans.linePlan(object as Stripe.Checkout.Session) };
  }
}
