import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { CheckoutSession } from '../billing/entities/checkout-session.entity.js';
import { queryPrepared } from '../database/prepared-query.js';
import { FREE_PLAN } from '../users/user.entity.js';
import type { ApplyContext } from './apply-context.js';
import { planCacheUpdate } from './grants.service.js';
import { sessionFacts, type SessionFacts } from './mappers/stripe-session.mapper.js';
import { subscriptionFacts, type SubscriptionFacts } from './mappers/stripe-subscription.mapper.js';
import { RefundsApplier } from './payments/refunds.applier.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { SubscriptionApplier } from './subscription.applier.js';
import { UUID_PATTERN } from '../common/pagination/cursor.js';

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
  ) {}

  /**
   * One statement does the work of a new event (see `APPLY_SESSION`): the session row is inserted or merged and
   * locked, the ledger claimed, and, when this path won, the grant inserted and the user's plan recomputed. What it
   * leaves to the statements after it is rare: a subscription that already has a row, a subscription read from
   * Stripe (confirm, sync), refunds or disputes that arrived before their session.
   */
  async apply(manager: EntityManager, session: Stripe.Checkout.Session, ctx: ApplyContext): Promise<CheckoutSession> {
    return sessionEntity(manager, await this.applyRow(manager, session, ctx));
  }

  /** `apply` for a webhook, which needs no entity back: the row stays as the driver returned it. */
  async applyEvent(manager: EntityManager, session: Stripe.Checkout.Session, ctx: ApplyContext): Promise<void> {
    await this.applyRow(manager, session, ctx);
  }

  private async applyRow(manager: EntityManager, session: Stripe.Checkout.Session, ctx: ApplyContext): Promise<AppliedSessionRow> {
    const [applied] = await queryPrepared<AppliedSessionRow>(manager, 'apply_checkout_session_v1', APPLY_SESSION, applySessionParameters(sessionFacts(session), ctx, this.plans));
    const won = applied._won;
    if (won) await this.grantRest(manager, applied, ctx);
    if (won && applied.stripe_payment_intent_id) {
      // the statement moved refunds and disputes that came before their session to it: their amounts count now
      if (applied._attached > 0) await this.refunds.settleAttached(manager, { checkoutSessionId: applied.id, userId: applied.user_id }, ctx.eventCreated ?? new Date());
    } else if (applied.user_id && ctx.subscription) {
      // already fulfilled: a fresh read of its subscription (confirm, sync) is still the newest state
      await this.subscriptions.apply(manager, ctx.subscription, { at: ctx.readAt ?? new Date(), userId: applied.user_id });
    }
    return applied;
  }

  /** After the statement won the session: the part of the grant it could not do itself. */
  private async grantRest(manager: EntityManager, row: AppliedSessionRow, ctx: ApplyContext): Promise<void> {
    const userId = row.user_id!;
    if (row.mode !== 'subscription') return; // the purchase grant and the plan were written by the statement
    if (ctx.subscription) {
      await this.subscriptions.apply(manager, ctx.subscription, { at: ctx.eventCreated ?? ctx.readAt ?? new Date(), userId });
      return;
    }
    if (!row.stripe_subscription_id) return;
    if (row._subscription_created) {
      if (!row._subscription_plan) this.logger.warn(`Subscription ${row.stripe_subscription_id} has price ${row.price_id ?? 'none'}, which maps to no plan: it grants nothing`);
      return;
    }
    // The subscription already has a row (its own event came first, or a concurrent path wrote it): the general
    // path orders the provisional state against it (it never replaces it) and adopts an unlinked row.
    await this.subscriptions.applyFacts(manager, provisionalSubscription(row, userId), { at: null, userId });
  }
}

/** The parameters of `APPLY_SESSION`, numbered as it reads them (exported for the benchmark's database-only limit). */
export function applySessionParameters(facts: SessionFacts, ctx: ApplyContext, plans: PlanCatalogueService): unknown[] {
  const interval = facts.metadataInterval;
  const subscriptionPlan = ctx.subscription ? plans.planOf(subscriptionFacts(ctx.subscription).price) : null;
  const failed = ctx.eventType === 'checkout.session.async_payment_failed';
  return [
    facts.stripeSessionId, // $1
    facts.clientReferenceId && UUID_PATTERN.test(facts.clientReferenceId) ? facts.clientReferenceId : null, // $2
    facts.metadataUserId && UUID_PATTERN.test(facts.metadataUserId) ? facts.metadataUserId : null, // $3
    facts.customerId, // $4
    facts.mode, // $5
    facts.metadataPlan ?? subscriptionPlan, // $6: the plan of a session first seen here
    interval === 'month' || interval === 'year' || interval === 'once' ? interval : null, // $7
    ctx.subscription ? subscriptionFacts(ctx.subscription).price.id : null, // $8
    facts.status, // $9
    facts.paymentStatus, // $10
    facts.amountTotal, // $11
    facts.amountSubtotal, // $12
    facts.amountDiscount, // $13
    facts.amountTax, // $14
    facts.currency, // $15
    facts.subscriptionId, // $16
    facts.paymentIntentId, // $17
    facts.customerEmail, // $18
    facts.url, // $19
    facts.uiMode, // $20
    facts.expiresAt, // $21
    failed ? (ctx.eventCreated ?? new Date()) : null, // $22: when an async payment failed
    ctx.eventCreated, // $23
    subscriptionPlan, // $24: the plan of a known session that has none yet
    ctx.source, // $25
    ctx.eventId, // $26
    // $27: the provisional subscription is written by the statement only when Stripe's own object is not at hand
    !ctx.subscription,
    plans.catalogueJson(), // $28
    plans.ranking(), // $29
    FREE_PLAN, // $30
  ];
}

/** What `APPLY_SESSION` answers: the session row as stored (the columns read here, and all others), and what the statement did. */
interface AppliedSessionRow extends Record<string, unknown> {
  id: string;
  user_id: string | null;
  mode: string;
  plan: string | null;
  interval: string | null;
  price_id: string | null;
  quantity: number;
  payment_status: string;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  stripe_payment_intent_id: string | null;
  /** this path claimed the ledger: it fulfils the session */
  _won: boolean;
  /** the provisional subscription row was inserted by the statement (it had none) */
  _subscription_created: boolean;
  _subscription_plan: string | null;
  /** refunds and disputes of the session's PaymentIntent that the statement moved to it */
  _attached: number;
}

/** Session state only moves forward (open → expired or complete; see `mergeSessionStatus`). */
const MERGED_STATUS = `(CASE WHEN array_position(ARRAY['open', 'expired', 'complete'], EXCLUDED.status::text) > array_position(ARRAY['open', 'expired', 'complete'], cs.status::text) THEN EXCLUDED.status ELSE cs.status END)`;
/** Once paid (or needing no payment) a session stays so (`mergePaymentStatus`). */
const MERGED_PAYMENT_STATUS = `(CASE WHEN cs.payment_status = 'unpaid' THEN EXCLUDED.payment_status ELSE cs.payment_status END)`;
/** A complete session whose money is in, or that needed none (`isFulfillable`). */
const fulfillable = (status: string, paymentStatus: string) => `(${status} = 'complete' AND ${paymentStatus} IN ('paid', 'no_payment_required'))`;

/**
 * The whole of a checkout session's event in one statement (one round trip instead of ten), each step a CTE.
 * The sub-statements of one statement see the same snapshot and not one another's writes, so each step reads what
 * it needs from the RETURNING of the step before, and the plan is recomputed over the grants and subscriptions
 * tables plus the rows this statement inserted into them.
 *
 * - `session`: inserts the row (a session first seen here, linked to its user by client_reference_id,
 *   metadata.userId, then the Stripe customer, never by email) or merges the event into it; either way the row is
 *   locked until the transaction ends, so deliveries, confirm and sync of one session run one after the other.
 *   `fulfilled_at` is set when the merged state is fulfillable, the session has a user and was never fulfilled.
 * - `claim`: the fulfilment ledger (its primary key is the session id): of all paths that reach a paid session,
 *   exactly one inserts; `won` is the session only for that one, and everything after depends on it.
 * - `subscription`, `subscription_grant`: a subscription-mode session that Stripe's own subscription object did
 *   not come with (`$27`) gives a provisional subscription (active when paid, trialing when nothing was due), which
 *   any subscription event replaces, and its grant; if the subscription already has a row, nothing is inserted
 *   and the applier orders the two states in a statement of its own.
 * - `purchase_grant`: any other mode gives the session's plan once (one grant per session, a unique key).
 * - `refunds_attached`, `disputes_attached`: those of the session's PaymentIntent that arrived before it.
 * - `account`: the user's Stripe customer (when the user has none and no one else has it) and the cached plan.
 */
export const APPLY_SESSION = `
WITH session AS (
  INSERT INTO checkout_sessions AS cs (
    stripe_session_id, user_id, unmatched, mode, plan, interval, price_id, status, payment_status,
    amount_total, amount_subtotal, amount_discount, amount_tax, currency, stripe_customer_id, stripe_subscription_id,
    stripe_payment_intent_id, customer_email, url, ui_mode, expires_at, payment_failed_at, last_event_at, fulfilled_at)
  SELECT $1::text, owner.id, owner.id IS NULL, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text,
         $11::bigint, $12::bigint, $13::bigint, $14::bigint, $15::text, $4::text, $16::text, $17::text, $18::text, $19::text, $20::text,
         $21::timestamptz, CASE WHEN $10::text = 'unpaid' THEN $22::timestamptz END, $23::timestamptz,
         CASE WHEN owner.id IS NOT NULL AND ${fulfillable('$9::text', '$10::text')} THEN now()::timestamptz(3) END
  FROM (SELECT coalesce((SELECT id FROM users WHERE id = $2::uuid), (SELECT id FROM users WHERE id = $3::uuid),
                        (SELECT id FROM users WHERE stripe_customer_id = $4::text)) AS id) owner
  ON CONFLICT (stripe_session_id) DO UPDATE SET
    status = ${MERGED_STATUS},
    payment_status = ${MERGED_PAYMENT_STATUS},
    amount_total = coalesce(EXCLUDED.amount_total, cs.amount_total),
    amount_subtotal = coalesce(EXCLUDED.amount_subtotal, cs.amount_subtotal),
    amount_discount = coalesce(EXCLUDED.amount_discount, cs.amount_discount),
    amount_tax = coalesce(EXCLUDED.amount_tax, cs.amount_tax),
    -- the client secret only mounts an open session: not kept once it is complete or expired
    client_secret = CASE WHEN ${MERGED_STATUS} = 'open' THEN cs.client_secret END,
    currency = coalesce(EXCLUDED.currency, cs.currency),
    stripe_customer_id = coalesce(EXCLUDED.stripe_customer_id, cs.stripe_customer_id),
    stripe_subscription_id = coalesce(EXCLUDED.stripe_subscription_id, cs.stripe_subscription_id),
    stripe_payment_intent_id = coalesce(EXCLUDED.stripe_payment_intent_id, cs.stripe_payment_intent_id),
    customer_email = coalesce(EXCLUDED.customer_email, cs.customer_email),
    expires_at = coalesce(EXCLUDED.expires_at, cs.expires_at),
    payment_failed_at = coalesce(cs.payment_failed_at, CASE WHEN ${MERGED_PAYMENT_STATUS} = 'unpaid' THEN $22::timestamptz END),
    last_event_at = GREATEST(cs.last_event_at, EXCLUDED.last_event_at),
    plan = coalesce(cs.plan, $24::text),
    fulfilled_at = CASE
      WHEN cs.fulfilled_at IS NULL AND cs.user_id IS NOT NULL AND ${fulfillable(MERGED_STATUS, MERGED_PAYMENT_STATUS)}
           AND NOT EXISTS (SELECT 1 FROM fulfillments f WHERE f.checkout_session_id = cs.id)
      THEN now()::timestamptz(3) ELSE cs.fulfilled_at END,
    updated_at = now()
  RETURNING cs.*
),
claim AS (
  INSERT INTO fulfillments (checkout_session_id, at, source, event_id)
  SELECT id, fulfilled_at, $25::text, $26::text FROM session WHERE fulfilled_at IS NOT NULL AND user_id IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING checkout_session_id
),
won AS (SELECT s.* FROM session s JOIN claim c ON c.checkout_session_id = s.id),
subscription AS (
  INSERT INTO subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, plan, interval, price_id, quantity, state_at)
  SELECT w.stripe_subscription_id, w.user_id, w.stripe_customer_id,
         CASE WHEN w.payment_status = 'no_payment_required' THEN 'trialing' ELSE 'active' END,
         -- a provisional state comes from our own session row, whose plan our catalogue gave when it was created
         coalesce(${PlanCatalogueService.sqlPlanOf('w.price_id', 'w.plan', '$28', '$29')}, w.plan),
         CASE WHEN w.interval IN ('month', 'year') THEN w.interval END, w.price_id, w.quantity, NULL
  FROM won w WHERE $27::boolean AND w.mode = 'subscription' AND w.stripe_subscription_id IS NOT NULL
  ON CONFLICT (stripe_subscription_id) DO NOTHING
  RETURNING id, user_id, stripe_subscription_id, status, plan, price_id, current_period_end, cancel_at_period_end, state_at, created_at
),
subscription_grant AS (
  INSERT INTO grants (user_id, plan, source, subscription_id, reason)
  SELECT user_id, plan, 'subscription', id, 'subscription ' || status FROM subscription WHERE plan IS NOT NULL
  ON CONFLICT (subscription_id) WHERE subscription_id IS NOT NULL
  DO UPDATE SET plan = EXCLUDED.plan, user_id = EXCLUDED.user_id, revoked_at = NULL, revoked_reason = NULL
  RETURNING user_id, plan, starts_at, ends_at, revoked_at, created_at
),
purchase_grant AS (
  INSERT INTO grants (user_id, plan, source, checkout_session_id, reason)
  SELECT user_id, plan, 'purchase', id, 'one-time purchase' FROM won WHERE mode <> 'subscription' AND plan IS NOT NULL
  ON CONFLICT (checkout_session_id) WHERE checkout_session_id IS NOT NULL DO NOTHING
  RETURNING user_id, plan, starts_at, ends_at, revoked_at, created_at
),
refunds_attached AS (
  UPDATE refunds r SET checkout_session_id = w.id, user_id = coalesce(r.user_id, w.user_id)
  FROM won w WHERE r.payment_intent_id = w.stripe_payment_intent_id AND r.checkout_session_id IS NULL
  RETURNING 1
),
disputes_attached AS (
  UPDATE disputes d SET checkout_session_id = w.id, user_id = coalesce(d.user_id, w.user_id)
  FROM won w WHERE d.payment_intent_id = w.stripe_payment_intent_id AND d.checkout_session_id IS NULL
  RETURNING 1
),
-- NOT MATERIALIZED: read twice below, and each read must stay an index scan of one user's rows
user_grants AS NOT MATERIALIZED (
  SELECT user_id, plan, starts_at, ends_at, revoked_at, created_at FROM grants
  UNION ALL SELECT * FROM subscription_grant
  UNION ALL SELECT * FROM purchase_grant
),
user_subscriptions AS NOT MATERIALIZED (
  SELECT user_id, stripe_subscription_id, status, price_id, current_period_end, cancel_at_period_end, state_at, created_at FROM subscriptions
  UNION ALL SELECT user_id, stripe_subscription_id, status, price_id, current_period_end, cancel_at_period_end, state_at, created_at FROM subscription
),
account AS (
  ${planCacheUpdate({
    userId: '(SELECT user_id FROM won)',
    ranking: '$29',
    freePlan: '$30',
    grants: 'user_grants',
    subscriptions: 'user_subscriptions',
    set: `stripe_customer_id = CASE
      WHEN u.stripe_customer_id IS NULL AND NOT EXISTS (SELECT 1 FROM users o WHERE o.stripe_customer_id = (SELECT stripe_customer_id FROM won))
      THEN coalesce((SELECT stripe_customer_id FROM won), u.stripe_customer_id) ELSE u.stripe_customer_id END`,
  })}
  RETURNING u.id
)
SELECT s.*,
       EXISTS (SELECT 1 FROM claim) AS _won,
       EXISTS (SELECT 1 FROM subscription) AS _subscription_created,
       (SELECT plan FROM subscription) AS _subscription_plan,
       ((SELECT count(*) FROM refunds_attached) + (SELECT count(*) FROM disputes_attached))::int AS _attached
FROM session s`;

/** The returned row as the entity callers work with (confirm and sync answer it), through TypeORM's own column mapping. */
function sessionEntity(manager: EntityManager, raw: Record<string, unknown>): CheckoutSession {
  const { columns } = manager.connection.getMetadata(CheckoutSession);
  const driver = manager.connection.driver;
  const entity = new CheckoutSession();
  for (const column of columns) column.setEntityValue(entity, driver.prepareHydratedValue(raw[column.databaseName], column));
  return entity;
}

/**
 * Until an event about the subscription arrives, the completed session says what it is: active when paid,
 * trialing when nothing was due. Provisional (no state time): any subscription event replaces it.
 */
function provisionalSubscription(row: AppliedSessionRow, userId: string): SubscriptionFacts {
  return {
    id: row.stripe_subscription_id!,
    customerId: row.stripe_customer_id,
    status: row.payment_status === 'no_payment_required' ? 'trialing' : 'active',
    price: { id: row.price_id, productId: null, lookupKey: null, metadataPlan: row.plan },
    interval: row.interval === 'month' || row.interval === 'year' ? row.interval : null,
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
