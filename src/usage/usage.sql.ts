import { ACTIVE_GRANT } from '../entitlements/grants.service.js';

/**
 * Every statement of the usage domain. The rule of a track (which period counts, how much of the allowance, then of
 * the credits, an amount takes, and whether it fits) is written once, in `rule()`, over the columns of one counter
 * row: the track's conditional UPDATE applies it to the row it locks, and the read statement (check, the usage
 * list, the 402's `remaining`) to the row as it is, so the two cannot disagree.
 */

/** The columns of a counter row (or of no row yet: the read side passes coalesced defaults). */
interface CounterColumns {
  used: string;
  periodEnd: string;
  periodSource: string;
  creditsGranted: string;
  creditsDrawn: string;
}

/** The track's inputs, as SQL text (parameter references or columns). */
interface TrackInputs {
  amount: string;
  limit: string;
  start: string;
  end: string;
  source: string;
  now: string;
  /** whether the plan may go past the limit (PLAN_OVERAGE_<PLAN>, with a meter and a Stripe customer to bill) */
  overage: string;
}

/** The rule, as SQL expressions over a counter row `c` and the inputs `p`. */
function rule(c: CounterColumns, p: TrackInputs) {
  // a new period starts when the stored one has ended, when Stripe says its subscription renewed (a later window of
  // the same source), or when the new window starts at or after the stored end; a plan change keeps the counter
  const rolled = `coalesce(${c.periodEnd} <= greatest(${p.now}, ${p.start}) OR (${c.periodSource} = ${p.source} AND ${p.end} > ${c.periodEnd}), false)`;
  const used = `(CASE WHEN ${rolled} THEN 0 ELSE ${c.used} END)`;
  const credits = `(${c.creditsGranted} - ${c.creditsDrawn})`;
  // the allowance first, then the credits; a negative amount (a standing cap's slot freed) takes neither
  const fromAllowance = `least(${p.amount}, greatest(${p.limit} - ${used}, 0))`;
  const fromCredits = `greatest(least(${p.amount} - ${fromAllowance}, ${credits}), 0)`;
  // what neither covers: allowed only with overage, and billed through the meter
  const overage = `greatest(${p.amount} - ${fromAllowance} - ${fromCredits}, 0)`;
  const allowed = `(${p.amount} < 0 OR ${overage} = 0 OR ${p.overage})`;
  const remaining = `(greatest(${p.limit} - ${used}, 0) + ${credits})`;
  return { rolled, used, credits, fromCredits, overage, allowed, remaining };
}

const TRACK_INPUTS: TrackInputs = {
  amount: '$3::bigint',
  limit: '$4::bigint',
  start: '$5::timestamptz',
  end: '$6::timestamptz',
  source: '$7::text',
  now: '$8::timestamptz',
  overage: '$10::boolean',
};

const TRACK_RULE = rule(
  { used: 'c.used', periodEnd: 'c.period_end', periodSource: 'c.period_source', creditsGranted: 'c.credits_granted', creditsDrawn: 'c.credits_drawn' },
  TRACK_INPUTS,
);

/**
 * The first statement of a track's transaction: the idempotency key of (user, feature) and, for a new key, the
 * counter row if there is none yet (so the decision below is a plain conditional UPDATE of an existing row). A
 * concurrent transaction holding the same key makes this wait for its end. $1 user, $2 feature, $3 key, $4 amount,
 * $5 period start, $6 period end, $7 period source. Answers `fresh`: whether the key is new.
 */
export const CLAIM_KEY = `
  WITH k AS (
    INSERT INTO usage_idempotency_keys (user_id, feature, key, amount) VALUES ($1::uuid, $2::varchar, $3::varchar, $4::bigint)
    ON CONFLICT (user_id, feature, key) DO NOTHING RETURNING 1
  ), c AS (
    INSERT INTO usage_counters (user_id, feature, period_start, period_end, period_source)
    SELECT $1::uuid, $2::varchar, $5::timestamptz, $6::timestamptz, $7::text FROM k
    ON CONFLICT (user_id, feature) DO NOTHING
  )
  SELECT count(*)::int AS fresh FROM k`;

/** What a repeated key answers: the amount it was first used with, and the answer then given. */
export const STORED_ANSWER = `SELECT amount::text, answer FROM usage_idempotency_keys WHERE user_id = $1 AND feature = $2 AND key = $3`;

/**
 * The one statement that decides a track: a conditional UPDATE of the counter row, so concurrent tracks of the same
 * user and feature serialise on that row and each is decided on the row as the one before left it (PostgreSQL
 * re-checks the WHERE on the newest version). No row back: not allowed, and the caller rolls back. With it, the
 * units past the allowance and the credits (overage) go to the meter outbox, the period that ended is kept in
 * `usage_periods` and the answer stored on the idempotency key.
 * $1 user, $2 feature, $3 amount, $4 limit, $5 period start, $6 period end, $7 period source, $8 now, $9 key,
 * $10 overage allowed, $11 the meter's event name, $12 the Stripe customer.
 */
export const DECIDE_TRACK = `
  WITH upd AS (
    UPDATE usage_counters c SET
      used = greatest(${TRACK_RULE.used} + $3::bigint, 0),
      credits_drawn = c.credits_drawn + ${TRACK_RULE.fromCredits},
      period_start = $5::timestamptz, period_end = $6::timestamptz, period_source = $7::text,
      prev_period_start = CASE WHEN ${TRACK_RULE.rolled} THEN c.period_start ELSE c.prev_period_start END,
      prev_period_end = CASE WHEN ${TRACK_RULE.rolled} THEN c.period_end ELSE c.prev_period_end END,
      prev_used = CASE WHEN ${TRACK_RULE.rolled} THEN c.used ELSE c.prev_used END,
      rolled_at = CASE WHEN ${TRACK_RULE.rolled} THEN $8::timestamptz ELSE c.rolled_at END,
      last_overage = ${TRACK_RULE.overage},
      updated_at = now()
    WHERE c.user_id = $1::uuid AND c.feature = $2::varchar AND ${TRACK_RULE.allowed}
    RETURNING c.used, c.credits_granted - c.credits_drawn AS credits, greatest($4::bigint - c.used, 0) + c.credits_granted - c.credits_drawn AS remaining,
              c.period_end, c.rolled_at = $8::timestamptz AS rolled, c.prev_period_start, c.prev_period_end, c.prev_used, c.last_overage
  ), metered AS (
    INSERT INTO usage_meter_outbox (user_id, feature, event_name, stripe_customer_id, value)
    SELECT $1::uuid, $2::varchar, $11::varchar, $12::varchar, last_overage FROM upd WHERE last_overage > 0
  ), kept AS (
    INSERT INTO usage_periods (user_id, feature, period_start, period_end, used)
    SELECT $1::uuid, $2::varchar, prev_period_start, prev_period_end, prev_used FROM upd WHERE rolled AND prev_period_start IS NOT NULL AND prev_period_end IS NOT NULL
    ON CONFLICT (user_id, feature, period_start) DO UPDATE SET used = EXCLUDED.used, period_end = EXCLUDED.period_end
  ), answered AS (
    UPDATE usage_idempotency_keys k SET answer = jsonb_build_object('used', upd.used, 'credits', upd.credits, 'remaining', upd.remaining, 'resetsAt', upd.period_end)
    FROM upd WHERE k.user_id = $1::uuid AND k.feature = $2::varchar AND k.key = $9::varchar
  )
  SELECT used::text, credits::text, remaining::text, period_end FROM upd`;

const READ_RULE = rule(
  {
    used: 'coalesce(c.used, 0)',
    periodEnd: 'c.period_end',
    periodSource: 'c.period_source',
    creditsGranted: 'coalesce(c.credits_granted, 0)',
    creditsDrawn: 'coalesce(c.credits_drawn, 0)',
  },
  { amount: 'f.amount', limit: 'f.lim', start: 'f.start', end: 'f.end_at', source: 'f.source', now: '$2::timestamptz', overage: 'f.overage' },
);

/**
 * The state of several features of one user, as a track of `amount` of each would find it, recording nothing.
 * $1 user, $2 now, then arrays: $3 features, $4 limits, $5 starts, $6 ends, $7 sources, $8 amounts, $9 overage allowed.
 */
export const READ_STATE = `
  SELECT f.feature, ${READ_RULE.used}::text AS used, ${READ_RULE.credits}::text AS credits, ${READ_RULE.remaining}::text AS remaining, ${READ_RULE.allowed} AS allowed
  FROM unnest($3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::bigint[], $9::boolean[]) AS f(feature, lim, start, end_at, source, amount, overage)
  LEFT JOIN usage_counters c ON c.user_id = $1 AND c.feature = f.feature`;

/**
 * The user and what gives their limits: the highest-ranked active grant (the same rule as the cached plan), and the
 * billing period of its subscription when a subscription gives it. `renewed`: Stripe has already said (a paid
 * invoice whose billing period ends at or after the period our row knows, which only a renewal's invoice has) that
 * the subscription renewed, while its `customer.subscription.updated` has not come yet.
 * $1 user, $2 the ranking (PLAN_RANK).
 */
export const USAGE_TERMS = `
  SELECT u.id, u.stripe_customer_id, g.plan, s.id AS subscription_id, s.current_period_end, s.interval,
         s.id IS NOT NULL AND EXISTS (
           SELECT 1 FROM invoices i WHERE i.user_id = u.id AND i.stripe_subscription_id = s.stripe_subscription_id AND i.status = 'paid'
             AND i.period_end >= s.current_period_end AND i.period_end > i.period_start
         ) AS renewed
  FROM users u
  LEFT JOIN LATERAL (
    SELECT g.plan, g.subscription_id FROM grants g WHERE g.user_id = u.id AND ${ACTIVE_GRANT}
    ORDER BY coalesce(array_position($2::text[], g.plan::text), 0) DESC, g.created_at LIMIT 1
  ) g ON true
  LEFT JOIN subscriptions s ON s.id = g.subscription_id
  WHERE u.id = $1`;

/** Past periods of a user, newest first. */
export const PAST_PERIODS = `
  SELECT feature, period_start, period_end, used::text FROM usage_periods WHERE user_id = $1 ORDER BY period_start DESC, feature LIMIT 100`;

/** The counter row of (user, feature), made when missing (credits live on it). $1 user, $2 feature, $3 start, $4 end, $5 source. */
export const ENSURE_COUNTER = `
  INSERT INTO usage_counters (user_id, feature, period_start, period_end, period_source) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (user_id, feature) DO NOTHING`;

/**
 * Adds (or, negative, removes) credits, and records them in the ledger, in one statement; a removal larger than the
 * balance changes nothing (no row back). $1 user, $2 feature, $3 amount, $4 source, $5 reason, $6 actor.
 */
export const ADD_CREDITS = `
  WITH c AS (
    UPDATE usage_counters SET credits_granted = credits_granted + $3::bigint, updated_at = now()
    WHERE user_id = $1::uuid AND feature = $2::varchar AND credits_granted - credits_drawn + $3::bigint >= 0
    RETURNING credits_granted - credits_drawn AS balance
  ), l AS (
    INSERT INTO usage_credits (user_id, feature, amount, source, reason, actor_id) SELECT $1::uuid, $2::varchar, $3::bigint, $4::varchar, $5::varchar, $6::uuid FROM c
    RETURNING id, feature, amount, source, reason, actor_id, created_at
  )
  SELECT l.id, l.feature, l.amount::text, l.source, l.reason, l.actor_id, l.created_at, c.balance::text FROM c, l`;

/** The balance of every feature of a user. */
export const CREDIT_BALANCES = `
  SELECT feature, credits_granted::text AS granted, credits_drawn::text AS drawn FROM usage_counters WHERE user_id = $1 AND credits_granted > 0`;

/** The credits ledger of a user, oldest first (the order credits are drawn in). */
export const CREDIT_LEDGER = `
  SELECT id, feature, amount::text, source, reason, actor_id, created_at FROM usage_credits WHERE user_id = $1 ORDER BY created_at, id LIMIT 1000`;

/** Idempotency keys older than every period (a month, at most 31 days, and some margin) are forgotten. $1 days. */
export const PURGE_IDEMPOTENCY_KEYS = `
  DELETE FROM usage_idempotency_keys WHERE ctid IN (SELECT ctid FROM usage_idempotency_keys WHERE created_at < now() - make_interval(days => $1) LIMIT 5000)`;
