import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { CheckoutSession } from './entities/checkout-session.entity.js';
import { queryPrepared } from '../database/prepared-query.js';
import type { PreparedStatement } from '../database/pipelined-transactions.js';
import { FREE_PLAN } from '../users/user.entity.js';
import type { ApplyContext } from './apply-context.js';
import { GrantsService, customerLinkable, planCacheUpdate } from './grants.service.js';
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
   * group commit, see webhooks/group-commit.ts), then each one's rare rest in order. The sessions must differ. An
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

/**
 * The parameters of `APPLY_SESSIONS` for these inputs (exported for the benchmark's database-only limit). Without an
 * applier to follow the statement, a session that needs one fails it (`APPLIER_NEEDED`).
 */
export function applySessionsParameters(inputs: Array<Record<string, unknown>>, plans: PlanCatalogueService, options: { applierFollows: boolean }): unknown[] {
  return [JSON.stringify(inputs), plans.catalogueJson(), plans.ranking(), FREE_PLAN, !options.applierFollows];
}

/** The prepared statement's name: a new text needs a new name (see prepared-query.ts). */
export const APPLY_SESSIONS_NAME = 'apply_checkout_sessions_v5';

/**
 * The SQLSTATE with which `APPLY_SESSIONS`, told that no applier follows it, fails when a won session needs one
 * (raised by `checkout_applier_needed()`, migrations/1796400000000-GroupInOneRoundTrip.ts).
 */
export const APPLIER_NEEDED = 'SC001';

/** What `APPLY_SESSIONS` answers for each session: the session row as stored (the columns read here, and all others), and what the statement did. */
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
  /** the statement wrote the user's customer and cached plan (false when the row changed after its snapshot) */
  _account_written: boolean;
  /** what the statement leaves to the applier for a won session (see the statement's last lateral join) */
  _rewrite_account: boolean;
  _settle_attached: boolean;
  _order_subscription: boolean;
  _grant_credits: boolean;
  credit_pack: string | null;
  /** the status and interval of the session's provisional subscription (`provisionalStatus`, `provisionalInterval`) */
  _provisional_status: 'active' | 'trialing';
  _provisional_interval: 'month' | 'year' | null;
}

/** The Stripe customer of the session a user won in `APPLY_SESSIONS` (`k` is the user's key). */
const WON_CUSTOMER = '(SELECT min(w.stripe_customer_id) FROM won w WHERE w.user_id = k.id)';
/** Session state only moves forward (open → expired or complete; see `mergeSessionStatus`). */
const MERGED_STATUS = `(CASE WHEN array_position(ARRAY['open', 'expired', 'complete'], EXCLUDED.status::text) > array_position(ARRAY['open', 'expired', 'complete'], cs.status::text) THEN EXCLUDED.status ELSE cs.status END)`;
/** Once paid (or needing no payment) a session stays so (`mergePaymentStatus`). */
const MERGED_PAYMENT_STATUS = `(CASE WHEN cs.payment_status = 'unpaid' THEN EXCLUDED.payment_status ELSE cs.payment_status END)`;
/** A known session keeps its plan; one without learns it from the input (its subscription's, or its line items'). */
const MERGED_PLAN = '(coalesce(cs.plan, (SELECT i.subscription_plan FROM input i WHERE i.session_id = cs.stripe_session_id)))';
/**
 * A one-time session is fulfilled only with a ranked plan (`$3`) or a credit pack: a purchase that maps to neither stays unfulfilled,
 * its ledger unclaimed, so that an admin's link or sync fulfils it once a mapping exists. A subscription's plan comes
 * from the subscription.
 */
const mapped = (mode: string, plan: string, pack: string) => `(${mode} = 'subscription' OR ${plan} = ANY($3::text[]) OR ${pack} IS NOT NULL)`;
/** A complete session whose money is in, or that needed none (`isFulfillable`). */
const fulfillable = (status: string, paymentStatus: string) => `(${status} = 'complete' AND ${paymentStatus} IN ('paid', 'no_payment_required'))`;
/**
 * The provisional subscription of a paid session row `s` (see `provisionalSubscription`): active when paid, trialing
 * when nothing was due, with the session's interval when it is a subscription's. One rule for the statement's insert
 * and for the applier, which orders it against a row that exists already.
 */
const provisionalStatus = (s: string) => `(CASE WHEN ${s}.payment_status = 'no_payment_required' THEN 'trialing' ELSE 'active' END)`;
const provisionalInterval = (s: string) => `(CASE WHEN ${s}.interval IN ('month', 'year') THEN ${s}.interval END)`;

/**
 * The whole of the events of one or more checkout sessions in one statement (one round trip instead of ten per
 * event), each step a CTE working on the set. The sub-statements of one statement see the same snapshot and not one
 * another's writes, so each step reads what it needs from the RETURNING of the step before, and the plan is
 * recomputed over the grants and subscriptions tables plus the rows this statement inserted into them.
 *
 * - `input`: one row per session (`$1`, see `sessionInput`); the sessions of one statement differ.
 * - `session`: inserts the row (a session first seen here, linked to its user by client_reference_id,
 *   metadata.userId, then the Stripe customer, never by email) or merges the event into it; either way the row is
 *   locked until the transaction ends, so deliveries, confirm and sync of one session run one after the other.
 *   `fulfilled_at` is set when the merged state is fulfillable, the session has a user and was never fulfilled.
 * - `claim`: the fulfilment ledger (its primary key is the session id): of all paths that reach a paid session,
 *   exactly one inserts; `won` holds the sessions this path claimed, and everything after depends on it.
 * - `subscription`, `subscription_grant`: a subscription-mode session that Stripe's own subscription object did
 *   not come with (`provisional`) gives a provisional subscription (active when paid, trialing when nothing was
 *   due), which any subscription event replaces, and its grant; if the subscription already has a row, nothing is
 *   inserted and the applier orders the two states in a statement of its own.
 * - `purchase_grant`: any other mode gives the session's plan once (one grant per session, a unique key).
 * - `refunds_attached`, `disputes_attached`, `charges_attached`: those of the session's PaymentIntent that arrived before it.
 * - `account`: each user's Stripe customer (when the user has none and no one else has it) and cached plan; a user
 *   row changed after the statement's snapshot is skipped (`_account_written` false) and the applier writes it afresh.
 */
export const APPLY_SESSIONS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
    session_id text, client_reference_id uuid, metadata_user_id uuid, customer_id text, mode text, plan text, interval text,
    price_id text, status text, payment_status text, amount_total bigint, amount_subtotal bigint, amount_discount bigint,
    amount_tax bigint, currency text, subscription_id text, payment_intent_id text, customer_email text, url text, ui_mode text,
    expires_at timestamptz, failed_at timestamptz, event_at timestamptz, subscription_plan text, source text, event_id text,
    provisional boolean, credit_pack text)
  -- an event is applied only by the transaction that wrote its inbox row (see STORE_EVENTS), so that the statement can
  -- be sent together with the inbox statement, before its answer says which events are new; a scalar subquery, so
  -- that it stays one primary-key read per event (an EXISTS became a join that read the whole inbox)
  WHERE i.event_id IS NULL OR (SELECT k.xmin FROM stripe_events k WHERE k.id = i.event_id) = pg_current_xact_id()::xid
),
session AS (
  INSERT INTO checkout_sessions AS cs (
    stripe_session_id, user_id, unmatched, mode, plan, interval, price_id, status, payment_status,
    amount_total, amount_subtotal, amount_discount, amount_tax, currency, stripe_customer_id, stripe_subscription_id,
    stripe_payment_intent_id, customer_email, url, ui_mode, expires_at, payment_failed_at, last_event_at, fulfilled_at, credit_pack)
  SELECT i.session_id, owner.id, owner.id IS NULL, i.mode, i.plan, i.interval, i.price_id, i.status, i.payment_status,
         i.amount_total, i.amount_subtotal, i.amount_discount, i.amount_tax, i.currency, i.customer_id, i.subscription_id,
         i.payment_intent_id, i.customer_email, i.url, i.ui_mode, i.expires_at,
         CASE WHEN i.payment_status = 'unpaid' THEN i.failed_at END, i.event_at,
         CASE WHEN owner.id IS NOT NULL AND ${fulfillable('i.status', 'i.payment_status')} AND ${mapped('i.mode', 'i.plan', 'i.credit_pack')} THEN now()::timestamptz(3) END,
         i.credit_pack
  FROM input i
  CROSS JOIN LATERAL (SELECT coalesce((SELECT id FROM users WHERE id = i.client_reference_id), (SELECT id FROM users WHERE id = i.metadata_user_id),
                                      (SELECT id FROM users WHERE stripe_customer_id = i.customer_id)) AS id) owner
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
    -- merged 'unpaid' means both were, so the proposed row holds this event's failure time
    payment_failed_at = coalesce(cs.payment_failed_at, CASE WHEN ${MERGED_PAYMENT_STATUS} = 'unpaid' THEN EXCLUDED.payment_failed_at END),
    last_event_at = GREATEST(cs.last_event_at, EXCLUDED.last_event_at),
    plan = ${MERGED_PLAN},
    credit_pack = coalesce(cs.credit_pack, EXCLUDED.credit_pack),
    fulfilled_at = CASE
      -- no read of the ledger here: the claim below is what fulfils once (a probe of it in this SET, planned on a small
      -- ledger, became a scan of the whole ledger per statement)
      WHEN cs.fulfilled_at IS NULL AND cs.user_id IS NOT NULL AND ${fulfillable(MERGED_STATUS, MERGED_PAYMENT_STATUS)} AND ${mapped('cs.mode', MERGED_PLAN, 'coalesce(cs.credit_pack, EXCLUDED.credit_pack)')}
      THEN now()::timestamptz(3) ELSE cs.fulfilled_at END,
    updated_at = now()
  RETURNING cs.*
),
claim AS (
  INSERT INTO fulfillments (checkout_session_id, at, source, event_id)
  SELECT s.id, s.fulfilled_at, i.source, i.event_id FROM session s JOIN input i ON i.session_id = s.stripe_session_id
  WHERE s.fulfilled_at IS NOT NULL AND s.user_id IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING checkout_session_id
),
-- the columns the steps below read, not the whole row: each step that reads won would build the whole row's type
won AS (
  SELECT s.id, s.stripe_session_id, s.user_id, s.mode, s.plan, s.interval, s.price_id, s.quantity, s.payment_status,
         s.stripe_customer_id, s.stripe_subscription_id, s.stripe_payment_intent_id
  FROM session s JOIN claim c ON c.checkout_session_id = s.id
),
subscription AS (
  INSERT INTO subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, plan, interval, price_id, quantity, state_at)
  SELECT w.stripe_subscription_id, w.user_id, w.stripe_customer_id,
         ${provisionalStatus('w')},
         -- a provisional state comes from our own session row, whose plan our catalogue gave when it was created
         coalesce(${PlanCatalogueService.sqlPlanOf('w.price_id', 'w.plan', '$2', '$3')}, w.plan),
         ${provisionalInterval('w')}, w.price_id, w.quantity, NULL
  FROM won w JOIN input i ON i.session_id = w.stripe_session_id
  WHERE i.provisional AND w.mode = 'subscription' AND w.stripe_subscription_id IS NOT NULL
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
  RETURNING w.id
),
disputes_attached AS (
  UPDATE disputes d SET checkout_session_id = w.id, user_id = coalesce(d.user_id, w.user_id)
  FROM won w WHERE d.payment_intent_id = w.stripe_payment_intent_id AND d.checkout_session_id IS NULL
  RETURNING w.id
),
charges_attached AS (
  UPDATE charges c SET checkout_session_id = w.id, user_id = coalesce(c.user_id, w.user_id)
  FROM won w WHERE c.payment_intent_id = w.stripe_payment_intent_id AND c.checkout_session_id IS NULL
  RETURNING w.id
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
    keys: 'SELECT DISTINCT user_id AS id FROM won',
    ranking: '$3',
    freePlan: '$4',
    grants: 'user_grants',
    subscriptions: 'user_subscriptions',
    set: `stripe_customer_id = CASE WHEN ${customerLinkable('u', WON_CUSTOMER)} THEN coalesce(${WON_CUSTOMER}, u.stripe_customer_id) ELSE u.stripe_customer_id END`,
  })}
  RETURNING u.id
)
SELECT s.*, f.*, n.*, ${provisionalStatus('s')} AS _provisional_status, ${provisionalInterval('s')} AS _provisional_interval
FROM session s
CROSS JOIN LATERAL (
  SELECT EXISTS (SELECT 1 FROM claim c WHERE c.checkout_session_id = s.id) AS _won,
         EXISTS (SELECT 1 FROM account a WHERE a.id = s.user_id) AS _account_written,
         EXISTS (SELECT 1 FROM subscription x WHERE x.stripe_subscription_id = s.stripe_subscription_id) AS _subscription_created,
         (SELECT x.plan FROM subscription x WHERE x.stripe_subscription_id = s.stripe_subscription_id) AS _subscription_plan,
         ((SELECT count(*) FROM refunds_attached r WHERE r.id = s.id) + (SELECT count(*) FROM disputes_attached d WHERE d.id = s.id)
          + (SELECT count(*) FROM charges_attached c WHERE c.id = s.id))::int AS _attached
) f
-- What is left to the applier for a won session, decided here once (the applier's rest() only obeys these flags):
-- its user row changed after the snapshot; it sold a credit pack; refunds, disputes or charges came before it; its subscription has a row
-- (its own event came first, or a concurrent one this snapshot cannot see) that is not linked to a user or is still
-- 'incomplete' (the paid session's provisional state comes after it: orderStates)
CROSS JOIN LATERAL (
  SELECT f._won AND NOT f._account_written AS _rewrite_account,
         f._won AND s.stripe_payment_intent_id IS NOT NULL AND f._attached > 0 AS _settle_attached,
         f._won AND s.mode = 'subscription' AND s.stripe_subscription_id IS NOT NULL AND NOT f._subscription_created
           AND NOT EXISTS (SELECT 1 FROM subscriptions x WHERE x.stripe_subscription_id = s.stripe_subscription_id AND x.user_id IS NOT NULL AND x.status <> 'incomplete')
           AS _order_subscription,
         f._won AND s.credit_pack IS NOT NULL AS _grant_credits
) n
-- with no applier to follow ($5), a session that leaves it anything fails the statement
WHERE CASE WHEN $5::boolean AND (n._rewrite_account OR n._settle_attached OR n._order_subscription OR n._grant_credits)
      THEN checkout_applier_needed(s.stripe_session_id) ELSE true END`;

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
