import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';
import type { CheckoutSession } from './entities/checkout-session.entity.js';
import { customerOfObject, lockCustomer } from '../database/customer-lock.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { CheckoutSessionApplier } from './checkout-session.applier.js';
import type { FulfillmentSource } from './entities/fulfillment.entity.js';
import { SessionLinePlanService } from './session-line-plan.service.js';

/**
 * "Read the session from Stripe and apply it", for the success page's confirm and the admin's sync: Stripe is
 * read first, outside any transaction (a Stripe failure changes nothing and holds no connection), then the
 * session and its subscription go through the same applier as a webhook, so fulfilment happens at most once.
 */
@Injectable()
export class StripeSessionSyncService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly applier: CheckoutSessionApplier,
    private readonly linePlans: SessionLinePlanService,
  ) {}

  /** `before` and `then` run in the same transaction, before and after the session is applied. */
  async sync<T>(
    stripeSessionId: string,
    source: Extract<FulfillmentSource, 'confirm' | 'sync'>,
    then: (manager: EntityManager, row: CheckoutSession) => Promise<T>,
    before?: (manager: EntityManager) => Promise<void>,
  ): Promise<T> {
    const stripe = requireStripe(this.stripe);
    const readAt = new Date();
    const session = await stripe.checkout.sessions.retrieve(stripeSessionId, { expand: ['subscription'] });
    const subscription = session.subscription && typeof session.subscription === 'object' ? session.subscription : null;
    // a purchase made outside this API (Payment Link, Dashboard) has its plan only in its line items
    const linePlan = SessionLinePlanService.needsLinePlan(session) ? await this.linePlans.linePlan(session) : undefined;
    return this.db.transaction(async (manager) => {
      await lockCustomer(manager, customerOfObject(session));
      if (before) await before(manager);
      const row = await this.applier.apply(manager, session, { source, eventId: null, eventCreated: null, readAt, subscription, linePlan });
      return then(manager, row);
    });
  }
}
