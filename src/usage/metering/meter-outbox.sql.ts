/** The statements of the overage outbox (meter-outbox.service.ts is their only caller). */

/**
 * Puts the pending rows no batch holds yet into one batch per customer and meter. A batch never changes once made,
 * so a batch sent again (after a crash between Stripe's answer and our write) is the same event with the same
 * identifier, which Stripe refuses as a duplicate. The batch id is derived from its first row (which no other batch
 * can hold), so it is the same however the planner evaluates the statement.
 */
export const FORM_BATCHES = `
  UPDATE usage_meter_outbox o SET batch_id = b.batch_id
  FROM (SELECT stripe_customer_id, event_name, md5(min(id)::text || ':' || stripe_customer_id || ':' || event_name)::uuid AS batch_id FROM usage_meter_outbox
        WHERE status = 'pending' AND batch_id IS NULL GROUP BY stripe_customer_id, event_name) b
  WHERE o.status = 'pending' AND o.batch_id IS NULL AND o.stripe_customer_id = b.stripe_customer_id AND o.event_name = b.event_name`;

/** Batches due to be sent (oldest first): their total, and the time of their newest usage (the event's timestamp). $1 how many. */
export const DUE_BATCHES = `
  SELECT batch_id, stripe_customer_id, event_name, sum(value)::text AS value, max(created_at) AS used_at, max(attempts) AS attempts
  FROM usage_meter_outbox WHERE status = 'pending' AND batch_id IS NOT NULL AND next_attempt_at <= now()
  GROUP BY batch_id, stripe_customer_id, event_name ORDER BY min(id) LIMIT $1`;

export const MARK_SENT = `UPDATE usage_meter_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE batch_id = $1 AND status = 'pending'`;

/** Stripe refused the event: kept, with Stripe's words, for admins. */
export const MARK_REFUSED = `UPDATE usage_meter_outbox SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE batch_id = $1 AND status = 'pending'`;

/** Not sent (network, Stripe's 5xx or 429): tried again after `$3` seconds. */
export const MARK_RETRY = `
  UPDATE usage_meter_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => $3)
  WHERE batch_id = $1 AND status = 'pending'`;

/** Rows and units by status, and the age of the oldest pending row (read it with `outboxSummary`). */
export const OUTBOX_SUMMARY = `
  SELECT status, count(*)::int AS rows, coalesce(sum(value), 0)::text AS units, extract(epoch FROM now() - min(created_at))::float AS oldest_age_seconds
  FROM usage_meter_outbox WHERE status <> 'sent' GROUP BY status`;

/** Outbox rows of one status, newest first. $1 status, $2 how many. */
export const OUTBOX_ROWS = `
  SELECT id::text, user_id, feature, event_name, stripe_customer_id, value::text, created_at, batch_id, status, attempts, sent_at, last_error
  FROM usage_meter_outbox WHERE status = $1 ORDER BY id DESC LIMIT $2`;

export interface OutboxSummary {
  pending: { rows: number; units: number; oldestAgeSeconds: number };
  failed: { rows: number; units: number };
}

/** The answer of OUTBOX_SUMMARY, as the admin routes and the metrics show it. */
export function outboxSummary(rows: Array<{ status: string; rows: number; units: string; oldest_age_seconds: number }>): OutboxSummary {
  const pending = rows.find((r) => r.status === 'pending');
  const failed = rows.find((r) => r.status === 'failed');
  return {
    pending: { rows: pending?.rows ?? 0, units: Number(pending?.units ?? 0), oldestAgeSeconds: Math.round(pending?.oldest_age_seconds ?? 0) },
    failed: { rows: failed?.rows ?? 0, units: Number(failed?.units ?? 0) },
  };
}
