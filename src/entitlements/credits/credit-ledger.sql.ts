/**
 * The one home of the credit ledger's statements: prepaid units of a feature per user. The balance lives on the user's
 * counter row of the feature (`usage_counters.credits_granted - credits_drawn`), which the usage statements decide
 * tracks on; `usage_credits` is the ledger (admin adjustments, pack purchases, take-backs). The pack credits
 * (pack-credits.service.ts, here) and the admin's adjustments (src/usage/credits.service.ts) both write through them.
 */

/**
 * Adds (or, negative, removes) credits and records them in the ledger, in one statement: the counter row is made
 * when the user has none (with no period yet: the first track sets it). A removal locks the counter row first and
 * changes nothing when it is more than the balance; an entry of a checkout session is written once per session and
 * source (the ledger's unique key), so a second grant of the same session adds nothing. No row back: nothing done.
 * $1 user, $2 feature, $3 amount, $4 source, $5 reason, $6 actor (or null), $7 checkout session (or null).
 */
export const ADD_CREDITS = `
  WITH held AS (
    SELECT credits_granted - credits_drawn AS balance FROM usage_counters WHERE user_id = $1::uuid AND feature = $2::varchar FOR UPDATE
  ), ledger AS (
    INSERT INTO usage_credits (user_id, feature, amount, source, reason, actor_id, checkout_session_id)
    SELECT $1::uuid, $2::varchar, $3::bigint, $4::varchar, $5::varchar, $6::uuid, $7::uuid
    WHERE $3::bigint >= 0 OR coalesce((SELECT balance FROM held), 0) + $3::bigint >= 0
    ON CONFLICT (checkout_session_id, source) WHERE checkout_session_id IS NOT NULL DO NOTHING
    RETURNING id, feature, amount, source, reason, actor_id, created_at
  ), counter AS (
    -- the row proposed for a new counter must pass its checks even when a removal goes the ON CONFLICT way
    INSERT INTO usage_counters AS c (user_id, feature, credits_granted)
    SELECT $1::uuid, $2::varchar, greatest(amount, 0) FROM ledger
    ON CONFLICT (user_id, feature) DO UPDATE SET credits_granted = c.credits_granted + $3::bigint, updated_at = now()
    RETURNING credits_granted - credits_drawn AS balance
  )
  SELECT l.id, l.feature, l.amount::text, l.source, l.reason, l.actor_id, l.created_at, c.balance::text FROM ledger l, counter c`;

/**
 * Takes back what is left of a session's pack credits: the pack's amount, or the user's whole unspent balance of the
 * feature when less is left (credits are drawn oldest first, so the rest was used). The counter row is locked first, so a
 * concurrent track decides on the balance after it. Once per session (the ledger's unique key). $1 session, $2 reason.
 */
export const TAKE_BACK = `
  WITH granted AS (
    SELECT g.user_id, g.feature, least(g.amount, c.credits_granted - c.credits_drawn) AS taken
    FROM usage_credits g JOIN usage_counters c ON c.user_id = g.user_id AND c.feature = g.feature
    WHERE g.checkout_session_id = $1::uuid AND g.source = 'purchase'
      AND NOT EXISTS (SELECT 1 FROM usage_credits t WHERE t.checkout_session_id = $1::uuid AND t.source = 'takeback')
    FOR UPDATE OF c
  ), ledger AS (
    INSERT INTO usage_credits (user_id, feature, amount, source, reason, checkout_session_id)
    SELECT user_id, feature, -taken, 'takeback', $2::varchar, $1::uuid FROM granted
    ON CONFLICT (checkout_session_id, source) WHERE checkout_session_id IS NOT NULL DO NOTHING
    RETURNING user_id, feature, -amount AS taken
  )
  UPDATE usage_counters c SET credits_granted = c.credits_granted - l.taken, updated_at = now()
  FROM ledger l WHERE c.user_id = l.user_id AND c.feature = l.feature`;

/** The balance of every feature of a user. $1 user. */
export const CREDIT_BALANCES = `
  SELECT feature, credits_granted::text AS granted, credits_drawn::text AS drawn FROM usage_counters WHERE user_id = $1 AND credits_granted > 0`;

/** The credits ledger of a user, oldest first (the order credits are drawn in). $1 user. */
export const CREDIT_LEDGER = `
  SELECT id, feature, amount::text, source, reason, actor_id, created_at FROM usage_credits WHERE user_id = $1 ORDER BY created_at, id LIMIT 1000`;
