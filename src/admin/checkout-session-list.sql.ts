import type { CursorPosition } from '../common/pagination/cursor.js';
import type { ListedSession, SessionDisputeDto } from './dto/admin-checkout-session.dto.js';
import type { ListCheckoutSessionsQueryDto } from './dto/list-checkout-sessions.query.js';

/**
 * The one statement behind `GET /api/admin/checkout-sessions`, as plain SQL rather than a TypeORM query builder:
 * at a million sessions the page itself costs PostgreSQL well under a millisecond, and what was left was the
 * service's own work per request (building the query, hydrating entities with a joined user, a second round trip
 * for the disputes). One statement, one round trip, rows already shaped like the DTO. `bench/admin-list.ts
 * --explain` runs EXPLAIN on exactly this text, so keep it the only place the list's SQL is written.
 */

/** The filters after validation, the page size, and the keyset position to continue from. */
export interface SessionListFilters extends Omit<ListCheckoutSessionsQueryDto, 'limit' | 'cursor' | 'from' | 'to'> {
  from: Date | null;
  to: Date | null;
  cursor: CursorPosition | null;
  limit: number;
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** A row as PostgreSQL answers it: the session's columns as the DTO reads them, the user's email, the disputes as JSON. */
export type ListedRow = ListedSession & {
  userEmail: string | null;
  disputes: Array<Omit<SessionDisputeDto, 'evidenceDueBy'> & { evidenceDueBy: string | null }> | null;
};

const COLUMNS = `s.id, s.stripe_session_id AS "stripeSessionId", s.user_id AS "userId", s.mode, s.plan, s.interval, s.price_id AS "priceId",
  s.quantity, s.status, s.payment_status AS "paymentStatus", s.amount_total::float8 AS "amountTotal", s.amount_subtotal::float8 AS "amountSubtotal",
  s.amount_discount::float8 AS "amountDiscount", s.amount_tax::float8 AS "amountTax", s.ui_mode AS "uiMode", s.currency, s.amount_refunded::float8 AS "amountRefunded",
  s.refunded_at AS "refundedAt", s.linked_at AS "linkedAt", s.linked_by AS "linkedBy", s.link_reason AS "linkReason",
  s.customer_email AS "customerEmail", s.stripe_customer_id AS "stripeCustomerId", s.stripe_subscription_id AS "stripeSubscriptionId",
  s.stripe_payment_intent_id AS "stripePaymentIntentId", s.unmatched, s.expires_at AS "expiresAt", s.fulfilled_at AS "fulfilledAt",
  s.payment_failed_at AS "paymentFailedAt", s.last_event_at AS "lastEventAt", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

/** A paid one-time session that maps to no plan, so it was never fulfilled (see checkout-session.applier.ts's `mapped`). */
const UNMAPPED = (ranking: string) => `(s.mode <> 'subscription' AND s.status = 'complete' AND s.payment_status IN ('paid', 'no_payment_required')
  AND s.fulfilled_at IS NULL AND (s.plan IS NULL OR s.plan <> ALL (${ranking}::text[])))`;

/**
 * The listed session's user's email: a scalar subquery, so one primary-key probe per listed row whatever the
 * estimates. As a LEFT JOIN the planner chose a hash join over the whole users table for a 101-row page (seq scan
 * of 10,000 users: 2.1 ms instead of 0.4 ms, and growing with the users).
 */
const USER_EMAIL = `(SELECT u.email FROM users u WHERE u.id = p."userId")`;

/** The disputes of one listed session, oldest first: an index probe of `idx_disputes_checkout_session` per listed row. */
const DISPUTES = `(SELECT json_agg(json_build_object('id', d.stripe_dispute_id, 'status', d.status, 'reason', d.reason, 'amount', d.amount,
  'currency', d.currency, 'evidenceDueBy', d.evidence_due_by) ORDER BY d.stripe_created_at, d.stripe_dispute_id)
  FROM disputes d WHERE d.checkout_session_id = p.id)`;

/**
 * The page's statement. The inner SELECT is the keyset scan: equality filters, then `(created_at, id) < cursor`,
 * `ORDER BY created_at DESC, id DESC LIMIT limit + 1`, served by one of the `(column, created_at, id)` indexes that
 * stops after the page (no OFFSET, no count). Only the page's rows then meet `users` (a primary-key probe each, for
 * the email) and `disputes` (an index probe each). `planRanking` is the plan catalogue's names, needed by `unmapped` only.
 */
export function sessionListStatement(filters: SessionListFilters, planRanking: readonly string[]): SqlStatement {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where: string[] = [];
  // equality filters first: each has a (column, created_at, id) index that serves the keyset order
  if (filters.status) where.push(`s.status = ${param(filters.status)}`);
  if (filters.paymentStatus) where.push(`s.payment_status = ${param(filters.paymentStatus)}`);
  if (filters.mode) where.push(`s.mode = ${param(filters.mode)}`);
  if (filters.priceId) where.push(`s.price_id = ${param(filters.priceId)}`);
  if (filters.userId) where.push(`s.user_id = ${param(filters.userId)}`);
  // users.email is unique and stored lower-cased: one index probe, then the user_id index
  if (filters.email) where.push(`s.user_id = (SELECT id FROM users WHERE email = ${param(filters.email.toLowerCase())})`);
  if (filters.unmatched) where.push(`s.unmatched = ${param(filters.unmatched === 'true')}`);
  // '' keeps the array non-empty, as the NOT IN list it replaces had to be
  if (filters.unmapped) where.push(`${filters.unmapped === 'true' ? '' : 'NOT '}${UNMAPPED(param([...planRanking, '']))}`);
  if (filters.disputed) where.push(`${filters.disputed === 'true' ? '' : 'NOT '}EXISTS (SELECT 1 FROM disputes d WHERE d.checkout_session_id = s.id)`);
  if (filters.from) where.push(`s.created_at >= ${param(filters.from)}`);
  if (filters.to) where.push(`s.created_at < ${param(filters.to)}`);
  if (filters.cursor) where.push(`(s.created_at, s.id) < (${param(filters.cursor.createdAt)}, ${param(filters.cursor.id)}::uuid)`);
  const text = `SELECT p.*, ${USER_EMAIL} AS "userEmail", ${DISPUTES} AS disputes
  FROM (SELECT ${COLUMNS}
          FROM checkout_sessions s${where.length ? `\n         WHERE ${where.join('\n           AND ')}` : ''}
         ORDER BY s.created_at DESC, s.id DESC
         LIMIT ${param(filters.limit + 1)}) p
 ORDER BY p."createdAt" DESC, p.id DESC`;
  return { text, values };
}

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

/**
 * The disputes as the DTO has them. json_build_object writes timestamptz as PostgreSQL's ISO text (`…+00:00`);
 * the API's dates are JavaScript's (`….123Z`), as everywhere else.
 */
export function listedDisputes(row: ListedRow): SessionDisputeDto[] {
  return row.disputes?.map((d) => ({ ...d, evidenceDueBy: iso(d.evidenceDueBy) })) ?? [];
}
