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

/** Which parameter of TRACK holds what (see its comment). */
const TRACK_INPUTS: TrackInputs = {
  amount: '$6::bigint',
  limit: '$7::bigint',
  start: '$8::timestamptz',
  end: '$9::timestamptz',
  source: '$10::text',
  now: '$11::timestamptz',
  overage: '$12::boolean',
};

/** The rule over the counter row the track locks (the ON CONFLICT branch: the row exists). */
const TRACK_RULE = rule(
  { used: 'c.used', periodEnd: 'c.period_end', periodSource: 'c.period_source', creditsGranted: 'c.credits_granted', creditsDrawn: 'c.credits_drawn' },
  TRACK_INPUTS,
);

/** The rule over no row yet: nothing used, no credits, no period (the INSERT branch of a user's first track). */
const FIRST_TRACK_RULE = rule({ used: '0', periodEnd: 'NULL::timestamptz', periodSource: 'NULL::text', creditsGranted: '0', creditsDrawn: '0' }, TRACK_INPUTS);

/**
 * What gives a user their limits: the highest-ranked active grant (the same rule as the cached plan), and the billing
 * period of its subscription when a subscription gives it. `renewed`: Stripe has already said (a paid invoice whose
 * billing period ends at or after the period our row knows, which only a renewal's invoice has) that the
 * subscription renewed, while its `customer.subscription.updated` has not come yet. `fingerprint` stands for the whole
 * row: a track names the fingerprint of the terms it was decided on, and TRACK refuses to decide on others.
 * $1 user, $2 the ranking (PLAN_RANK).
 */
const TERMS_OF_USER = `
  SELECT t.*, md5(row(t.*)::text) AS fingerprint FROM (
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
    WHERE u.id = $1::uuid
  ) t`;

/** The user's terms (see TERMS_OF_USER). $1 user, $2 the ranking. */
export const USAGE_TERMS = TERMS_OF_USER;

/** The prepared statement's name: it must stand for the one text of TRACK. */
export const TRACK_NAME = 'usage_track_v2';

/**
 * A whole track in ONE statement, so a track costs one round trip and, in a group (usage-track-group.ts), shares one
 * transaction and one commit with the tracks that arrived with it. Each track is decided on its own: a refused,
 * repeated or stale one changes nothing and raises nothing, so it cannot fail the others of its group.
 *
 * - `terms`: the user's terms now. The caller decided the limit, window and overage on the terms with fingerprint $3;
 *   when they differ (a plan bought a moment ago, a renewal), nothing is done and the fresh terms come back, so the
 *   caller decides again on them: a limit is never applied from stale terms.
 * - `prior`, `fresh`: the key's earlier use, if any (as of the statement's snapshot), and whether there was none.
 * - `upd`: the conditional write of the counter row. The user's first track inserts it (when it fits an empty row);
 *   otherwise ON CONFLICT DO UPDATE … WHERE <allowed> locks the row and decides on its newest version, so concurrent
 *   tracks of the same user and feature queue on that row and each is decided on the row as the one before left it.
 *   No row back: refused, and nothing at all is written (not the key either).
 * - the overage goes to the outbox, an ended period to `usage_periods`, and the key is stored with its answer, all
 *   in the same statement. A concurrent track with the same key that commits first makes the key's INSERT fail
 *   (unique violation): the statement is undone as a whole and the caller runs it again, which then answers what the
 *   first one answered.
 *
 * $1 user, $2 ranking, $3 terms fingerprint, $4 feature, $5 key, $6 amount, $7 limit, $8 period start, $9 period end,
 * $10 period source, $11 now, $12 overage allowed, $13 the meter's event name, $14 the Stripe customer.
 */
export const TRACK = `
  WITH terms AS (${TERMS_OF_USER}),
  prior AS (
    SELECT k.amount, k.answer FROM usage_idempotency_keys k WHERE k.user_id = $1::uuid AND k.feature = $4::varchar AND k.key = $5::varchar
  ), fresh AS (
    SELECT 1 FROM terms WHERE terms.fingerprint = $3::text AND NOT EXISTS (SELECT 1 FROM prior)
  ), upd AS (
    INSERT INTO usage_counters AS c (user_id, feature, period_start, period_end, period_source, used, last_overage)
    SELECT $1::uuid, $4::varchar, $8::timestamptz, $9::timestamptz, $10::text, greatest($6::bigint, 0), ${FIRST_TRACK_RULE.overage} FROM fresh
    WHERE ${FIRST_TRACK_RULE.allowed} OR EXISTS (SELECT 1 FROM usage_counters e WHERE e.user_id = $1::uuid AND e.feature = $4::varchar)
    ON CONFLICT (user_id, feature) DO UPDATE SET
      used = greatest(${TRACK_RULE.used} + $6::bigint, 0),
      credits_drawn = c.credits_drawn + ${TRACK_RULE.fromCredits},
      period_start = $8::timestamptz, period_end = $9::timestamptz, period_source = $10::text,
      prev_period_start = CASE WHEN ${TRACK_RULE.rolled} THEN c.period_start ELSE c.prev_period_start END,
      prev_period_end = CASE WHEN ${TRACK_RULE.rolled} THEN c.period_end ELSE c.prev_period_end END,
      prev_used = CASE WHEN ${TRACK_RULE.rolled} THEN c.used ELSE c.prev_used END,
      rolled_at = CASE WHEN ${TRACK_RULE.rolled} THEN $11::timestamptz ELSE c.rolled_at END,
      last_overage = ${TRACK_RULE.overage},
      updated_at = now()
    WHERE ${TRACK_RULE.allowed}
    RETURNING c.used, c.credits_granted - c.credits_drawn AS credits, greatest($7::bigint - c.used, 0) + c.credits_granted - c.credits_drawn AS remaining,
              c.period_end, c.rolled_at = $11::timestamptz AS rolled, c.prev_period_start, c.prev_period_end, c.prev_used, c.last_overage
  ), metered AS (
    INSERT INTO usage_meter_outbox (user_id, feature, event_name, stripe_customer_id, value)
    SELECT $1::uuid, $4::varchar, $13::varchar, $14::varchar, last_overage FROM upd WHERE last_overage > 0
  ), kept AS (
    INSERT INTO usage_periods (user_id, feature, period_start, period_end, used)
    SELECT $1::uuid, $4::varchar, prev_period_start, prev_period_end, prev_used FROM upd WHERE rolled AND prev_period_start IS NOT NULL AND prev_period_end IS NOT NULL
    ON CONFLICT (user_id, feature, period_start) DO UPDATE SET used = EXCLUDED.used, period_end = EXCLUDED.period_end
  ), answered AS (
    INSERT INTO usage_idempotency_keys (user_id, feature, key, amount, answer)
    SELECT $1::uuid, $4::varchar, $5::varchar, $6::bigint, jsonb_build_object('used', upd.used, 'credits', upd.credits, 'remaining', upd.remaining, 'resetsAt', upd.period_end)
    FROM upd
  )
  SELECT t.fingerprint,
         CASE WHEN t.fingerprint IS DISTINCT FROM $3::text THEN to_jsonb(t) - 'fingerprint' END AS terms,
         k.amount::text AS stored_amount, k.answer AS stored_answer,
         upd.used::text, upd.credits::text, upd.remaining::text, upd.period_end
  FROM (SELECT 1) one LEFT JOIN terms t ON true LEFT JOIN prior k ON true LEFT JOIN upd ON true`;

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

/** Past periods of a user, newest first. */
export const PAST_PERIODS = `
  SELECT feature, period_start, period_end, used::text FROM usage_periods WHERE user_id = $1 ORDER BY period_start DESC, feature LIMIT 100`;

/** Idempotency keys older than every period (a month, at most 31 days, and some margin) are forgotten. $1 days. */
export const PURGE_IDEMPOTENCY_KEYS = `
  DELETE FROM usage_idempotency_keys WHERE ctid IN (SELECT ctid FROM usage_idempotency_keys WHERE created_at < now() - make_interval(days => $1) LIMIT 5000)`;
