import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { CheckoutSession } from './entities/checkout-session.entity.js';
import { queryPrepared } from '../database/prepared-query.js';
import type { PreparedStatement } from '../database/pipelined-transactions.js';
import type { ApplyContext } from './apply-context.js';
import { GrantsService } from './grants.service.js';
import { APPLY_SESSIONS, APPLY_SESSIONS_NAME, applySessionsParameters, type AppliedSessionRow } from './persistence/apply-sessions.sql.js';
import { sessionFacts, type SessionFacts } from './mappers/stripe-session.mapper.js';
import { subscriptionFacts, type SubscriptionFacts } from './mappers/stripe-subscription.mapper.js';
import { RefundsApplier } from './payments/refunds.applier.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { SubscriptionApplier } from './subscription.applier.js';
import { UUID_PATTERN } from '../common/pagination/cursor.js';
import { PackCreditsService } from './credits/pack-credits.service.js';

/**
 * Applies a Stripe Checkout Session to our row and, when it is paid, fulfils it through the ledger.
 * Webhook handlers, the success-page confirmation, admin sync, replay and recovery all come through here,
 * always inside the caller's transaction.
 */
@Injectable()
export class CheckoutSessionApplier {
  private readonly logger = new Logger('Subscriptions');

  constructor(
    private readonly plans: PlanCatalogueService,
    private readonly subscriptions: SubscriptionApplier,
    private readonly refunds: RefundsApplier,
    private readonly grants: GrantsService,
    private readonly packs: PackCreditsService,
  ) {}

  /**
   * One statement does the work of a new event (see `APPLY_SESSIONS`): the session row is inserted or merged and
   * locked, the ledger claimed, and, when this path won, the grant inserted and the user's plan recomputed. What it
   * leaves to the statements after it is rare: a subscription that already has a row, a subscription read from
   * Stripe (confirm, sync), refunds or disputes that arrived before their session.
   */
  async apply(manager: EntityManager, session: Stripe.Checkout.Session, ctx: ApplyContext): Promise<CheckoutSession> {
    const [row] = await this.applyRows(manager, [{ session, ctx }]);
    return sessionEntity(manager, row);
  }

  /**
   * `apply` for webhook events, which need no entity back: one statement for all of them (several sessions of a
   * group commit, see database/group-commit.ts), then each one's rare rest in order. The sessions must differ. An
   * event whose inbox row this transaction has not written is left out (a duplicate of a group, see processGroup).
   */
  async applyEvents(manager: EntityManager, items: SessionApplication[]): Promise<void> {
    await this.applyRows(manager, items);
  }

  /**
   * `applyEvents` as one statement for a transaction whose `COMMIT` goes right behind it (a group commit in one round
   * trip, see webhooks/webhook-processor.service.ts). No statement can follow it, so a session that would need one
   * (see `rest`) fails it with SQLSTATE `APPLIER_NEEDED`, the transaction rolls back, and the caller applies the
   * sessions again with `applyEvents`. Webhook events only: the sessions come without Stripe's subscription object.
   * `settle` takes the statement's rows once the transaction has committed.
   */
  eventsStatement(items: SessionApplication[]): { statement: PreparedStatement; settle: (rows: unknown[]) => void } {
    if (items.some(({ ctx }) => ctx.subscription)) throw new Error('eventsStatement applies webhook events, which carry no subscription object');
    return {
      statement: { name: APPLY_SESSIONS_NAME, text: APPLY_SESSIONS, values: this.parameters(items, { applierFollows: false }) },
      settle: (rows) => (rows as AppliedSessionRow[]).forEach((row) => row._won && this.warnUnmappedSubscription(row)),
    };
  }

  private async applyRows(manager: EntityManager, items: SessionApplication[]): Promise<AppliedSessionRow[]> {
    const rows = await queryPrepared<AppliedSessionRow>(manager, APPLY_SESSIONS_NAME, APPLY_SESSIONS, this.parameters(items, { applierFollows: true }));
    const bySession = new Map(rows.map((row) => [row.stripe_session_id, row]));
    const applied = items.map(({ session }) => bySession.get(session.id));
    for (const [i, row] of applied.entries()) if (row) await this.rest(manager, row, items[i].ctx);
    return applied.filter((row) => row !== undefined);
  }

  private parameters(items: SessionApplication[], options: { applierFollows: boolean }): unknown[] {
    return applySessionsParameters(
      items.map(({ session, ctx }) => ({ ...sessionInput(sessionFacts(session), ctx, this.plans), credit_pack: this.packs.pack(session.metadata?.pack)?.name ?? null })),
      this.plans,
      options,
    );
  }

  /**
   * What the statement leaves to the applier for one session, as its flags say (`_rewrite_account`,
   * `_settle_attached`, `_order_subscription`: decided in `APPLY_SESSIONS` only, which fails on them when no applier
   * follows), plus the subscription object that confirm and sync read from Stripe (webhook events carry none).
   */
  private async rest(manager: EntityManager, row: AppliedSessionRow, ctx: ApplyContext): Promise<void> {
    if (!row._won) {
      // already fulfilled: a fresh read of its subscription (confirm, sync) is still the newest state
      if (row.user_id && ctx.subscription) await this.subscriptions.apply(manager, ctx.subscription, { at: ctx.readAt ?? new Date(), userId: row.user_id });
      return;
    }
    const userId = row.user_id!;
    if (row._rewrite_account) {
      // the user row changed after the statement's snapshot (see planCacheUpdate): its account is written afresh
      if (row.stripe_customer_id) await this.grants.linkCustomer(manager, userId, row.stripe_customer_id);
      await this.grants.recompute(manager, userId);
    }
    if (row.mode === 'subscription' && ctx.subscription) {
      await this.subscriptions.apply(manager, ctx.subscription, { at: ctx.eventCreated ?? ctx.readAt ?? new Date(), userId });
    } else if (row._order_subscription) {
      // the subscription already has a row: the general path orders the provisional state against it and adopts an unlinked row
      await this.subscriptions.applyFacts(manager, provisionalSubscription(row, userId), { at: null, userId });
    } else {
      this.warnUnmappedSubscription(row);
    }
    if (row._grant_credits) await this.packs.grant(manager, row);
    // the statement moved refunds, disputes and charges that came before their session to it: their amounts count now
    if (row._settle_attached) await this.refunds.settleAttached(manager, { checkoutSessionId: row.id, userId }, ctx.eventCreated ?? new Date());
  }

  /** The provisional subscription the statement inserted for a won session grants nothing: its price maps to no plan. */
  private warnUnmappedSubscription(row: AppliedSessionRow): void {
    if (row._subscription_created && !row._subscription_plan) {
      this.logger.warn(`Subscription ${row.stripe_subscription_id} has price ${row.price_id ?? 'none'}, which maps to no plan: it grants nothing`);
    }
  }
}

/** A Checkout Session to apply, and the path that brought it. */
export interface SessionApplication {
  session: Stripe.Checkout.Session;
  ctx: ApplyContext;
}

/** One session's row of `APPLY_SESSIONS`'s input (`$1`, a JSON array of these; the names are its columns). */
export function sessionInput(facts: SessionFacts, ctx: ApplyContext, plans: PlanCatalogueService): Record<string, unknown> {
  const interval = facts.metadataInterval;
  const subscriptionPrice = ctx.subscription ? subscriptionFacts(ctx.subscription, (items) => plans.planItem(items)).price : null;
  const subscriptionPlan = subscriptionPrice ? plans.planOf(subscriptionPrice) : null;
  const failed = ctx.eventType === 'checkout.session.async_payment_failed';
  return {
    session_id: facts.stripeSessionId,
    client_reference_id: facts.clientReferenceId && UUID_PATTERN.test(facts.clientReferenceId) ? facts.clientReferenceId : null,
    metadata_user_id: facts.metadataUserId && UUID_PATTERN.test(facts.metadataUserId) ? facts.metadataUserId : null,
    customer_id: facts.customerId,
    mode: facts.mode,
    // the plan of a session first seen here; a purchase made outside this API has it only in its line items
    plan: facts.metadataPlan ?? subscriptionPlan ?? ctx.linePlan ?? null,
    interval: interval === 'month' || interval === 'year' || interval === 'once' ? interval : null,
    price_id: subscriptionPrice?.id ?? null,
    status: facts.status,
    payment_status: facts.paymentStatus,
    amount_total: facts.amountTotal,
    amount_subtotal: facts.amountSubtotal,
    amount_discount: facts.amountDiscount,
    amount_tax: facts.amountTax,
    currency: facts.currency,
    subscription_id: facts.subscriptionId,
    payment_intent_id: facts.paymentIntentId,
    customer_email: facts.customerEmail,
    url: facts.url,
    ui_mode: facts.uiMode,
    expires_at: facts.expiresAt,
    failed_at: failed ? (ctx.eventCreated ?? new Date()) : null, // when an async payment failed
    event_at: ctx.eventCreated,
    subscription_plan: subscriptionPlan ?? ctx.linePlan ?? null, // the plan of a known session that has none yet
    source: ctx.source,
    event_id: ctx.eventId,
    // the provisional subscription is written by the statement only when Stripe's own object is not at hand
    provisional: !ctx.subscription,
  };
}

/** The returned row as the entity callers work with (confirm and sync answer it), through TypeORM's own column mapping. */
function sessionEntity(manager: EntityManager, raw: Record<string, unknown>): CheckoutSession {
  const { columns } = manager.connection.getMetadata(CheckoutSession);
  const driver = manager.connection.driver;
  const entity = new CheckoutSession();
  for (const column of columns) column.setEntityValue(entity, driver.prepareHydratedValue(raw[column.databaseName], column));
  return entity;
}

/**
 * Until an event about the subscription arrives, the completed session says what it is (the statement's
 * `_provisional_status` and `_provisional_interval`). Provisional (no state time): any subscription event replaces it.
 */
function provisionalSubscription(row: AppliedSessionRow, userId: string): SubscriptionFacts {
  return {
    id: row.stripe_subscription_id!,
    customerId: row.stripe_customer_id,
    status: row._provisional_status,
    price: { id: row.price_id, productId: null, lookupKey: null, metadataPlan: row.plan },
    interval: row._provisional_interval,
    itemId: null,
    quantity: row.quantity,
    currentPeriodEnd: null,
    cancelAt: null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    trialEnd: null,
    pauseBehavior: null,
    pauseResumesAt: null,
    latestInvoiceId: null,
    metadataPlan: row.plan,
    metadataUserId: userId,
  };
}
