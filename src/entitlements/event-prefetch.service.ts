import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe/stripe.client.js';
import type { ChargeBalance } from './payments/refunds.applier.js';
import type { DataSource } from 'typeorm';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { PriceLookupService } from './price-lookup.service.js';
import { SessionLinePlanService } from './session-line-plan.service.js';

/** What an event needed from Stripe, read before its transaction opened. */
export interface EventPrefetch {
  /** the plan of a paid session without `metadata.plan`, from its line items (null: they map to no plan) */
  linePlan?: string | null;
  /** a charge's balance transaction (Stripe's fee), when the charge names one whose fee is not stored yet */
  balance?: ChargeBalance | null;
}

/** The charge events that bring its balance transaction (a `charge.refunded` comes after them and reads nothing). */
const CHARGE_EVENTS: ReadonlySet<string> = new Set(['charge.succeeded', 'charge.updated']);

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
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
  ) {}

  /** An event that needs a Stripe read of its own, so it is applied alone (a group commit has no room for one). */
  needsAlone(event: Stripe.Event): boolean {
    return event.type.startsWith('checkout.session.') && SessionLinePlanService.needsLinePlan(event.data.object as Stripe.Checkout.Session);
  }

  async prefetch(event: Stripe.Event): Promise<EventPrefetch> {
    const object = event.data?.object;
    await this.prices.learnPricesOf(object);
    if (CHARGE_EVENTS.has(event.type)) return { balance: await this.balanceOf(object as Stripe.Charge) };
    if (!this.needsAlone(event) || (await this.knownPlan((object as Stripe.Checkout.Session).id))) return {};
    return { linePlan: await this.linePlans.linePlan(object as Stripe.Checkout.Session) };
  }

  /** The charge's fee from its balance transaction: as the event carries it (expanded), else read once (never again once stored). */
  private async balanceOf(charge: Stripe.Charge): Promise<ChargeBalance | null> {
    const txn = charge.balance_transaction;
    if (!txn) return null;
    if (typeof txn === 'object') return { id: txn.id, fee: txn.fee, net: txn.net };
    if (!this.stripe) return null;
    const [stored] = await this.db.query<Array<{ fee: string | null }>>('SELECT fee FROM charges WHERE stripe_charge_id = $1 AND balance_transaction_id = $2', [charge.id, txn]);
    if (stored?.fee != null) return null;
    try {
      const read = await this.stripe.balanceTransactions.retrieve(txn);
      return { id: read.id, fee: read.fee, net: read.net };
    } catch (error) {
      // a balance transaction Stripe does not have (another account's, or deleted test data) leaves the fee unknown;
      // any other failure fails the event, which Stripe delivers again
      if ((error as { type?: string }).type === 'StripeInvalidRequestError') return null;
      throw error;
    }
  }

  /** A session this API created already has its plan on its row: no need to ask Stripe for its line items. */
  private async knownPlan(stripeSessionId: string): Promise<boolean> {
    const [row] = await this.db.query<Array<{ plan: string | null; credit_pack: string | null }>>('SELECT plan, credit_pack FROM checkout_sessions WHERE stripe_session_id = $1', [
      stripeSessionId,
    ]);
    return !!row?.credit_pack || (!!row?.plan && this.plans.isKnown(row.plan));
  }
}
