import type { CursorPosition } from '../common/pagination/cursor.js';
import type { AdminCheckoutSessionDto } from './dto/admin-checkout-session.dto.js';
import type { ListCheckoutSessionsQueryDto } from './dto/list-checkout-sessions.query.js';

/**
 * The one statement behind `GET /api/admin/checkout-sessions`, as plain SQL rather than a TypeORM query builder:
 * at a million sessions the page itself costs PostgreSQL well under a millisecond, and what was left was the
 * service's own work per request (building the query, hydrating entities with a joined user, a second round trip
 * for the disputes, a Date parsed and formatted per timestamp). One statement, one round trip, each row already the
 * DTO (PostgreSQL formats the times, builds the disputes' JSON). `bench/admin-list.ts
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

/** PostgreSQL writes the time as JavaScript's `toISOString` does (UTC, milliseconds truncated, `Z`), so no row needs a Date. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Each field of the DTO and the expression over the page's row `p` that answers it, in the DTO's order: the typing
 * makes a field added to AdminCheckoutSessionDto fail to compile here until the list selects it, and
 * test/e2e/admin-list.e2e-spec.ts holds every listed item equal to the session's detail (built by
 * `AdminCheckoutSessionDto.from`). Amounts as float8 (exact below 2^53): pg hands bigint over as a string.
 */
const FIELDS: Record<keyof AdminCheckoutSessionDto, string> = {
  id: 'p.id',
  stripeSessionId: 'p.stripe_session_id',
  userId: 'p.user_id',
  // a scalar subquery: one primary-key probe per listed row whatever the estimates (as a LEFT JOIN the planner hashed
  // the whole users table for a 101-row page: a seq scan of 10,000 users, 2.1 ms instead of 0.4 ms, and growing)
  userEmail: '(SELECT u.email FROM users u WHERE u.id = p.user_id)',
  mode: 'p.mode',
  plan: 'p.plan',
  interval: 'p.interval',
  priceId: 'p.price_id',
  quantity: 'p.quantity',
  status: 'p.status',
  paymentStatus: 'p.payment_status',
  amountTotal: 'p.amount_total::float8',
  amountSubtotal: 'p.amount_subtotal::float8',
  amountDiscount: 'p.amount_discount::float8',
  amountTax: 'p.amount_tax::float8',
  uiMode: 'p.ui_mode',
  currency: 'p.currency',
  amountRefunded: 'p.amount_refunded::float8',
  refundedAt: iso('p.refunded_at'),
  // oldest first: an index probe of idx_disputes_checkout_session per listed row
  disputes: `coalesce((SELECT json_agg(json_build_object('id', d.stripe_dispute_id, 'status', d.status, 'reason', d.reason, 'amount', d.amount,
    'currency', d.currency, 'evidenceDueBy', ${iso('d.evidence_due_by')}) ORDER BY d.stripe_created_at, d.stripe_dispute_id)
    FROM disputes d WHERE d.checkout_session_id = p.id), '[]')`,
  linkedAt: iso('p.linked_at'),
  linkedBy: 'p.linked_by',
  linkReason: 'p.link_reason',
  customerEmail: 'p.customer_email',
  stripeCustomerId: 'p.stripe_customer_id',
  stripeSubscriptionId: 'p.stripe_subscription_id',
  stripePaymentIntentId: 'p.stripe_payment_intent_id',
  unmatched: 'p.unmatched',
  expiresAt: iso('p.expires_at'),
  fulfilledAt: iso('p.fulfilled_at'),
  paymentFailedAt: iso('p.payment_failed_at'),
  lastEventAt: iso('p.last_event_at'),
  createdAt: iso('p.created_at'),
  updatedAt: iso('p.updated_at'),
};

/** The columns FIELDS reads: the inner scan carries these only (no client secret, no URL, no idempotency key). */
const COLUMNS = `s.id, s.stripe_session_id, s.user_id, s.mode, s.plan, s.interval, s.price_id, s.quantity, s.status, s.payment_status,
  s.amount_total, s.amount_subtotal, s.amount_discount, s.amount_tax, s.ui_mode, s.currency, s.amount_refunded, s.refunded_at,
  s.linked_at, s.linked_by, s.link_reason, s.customer_email, s.stripe_customer_id, s.stripe_subscription_id,
  s.stripe_payment_intent_id, s.unmatched, s.expires_at, s.fulfilled_at, s.payment_failed_at, s.last_event_at, s.created_at, s.updated_at`;

const SELECT_LIST = Object.entries(FIELDS)
  .map(([field, expression]) => `${expression} AS "${field}"`)
  .join(',\n       ');

/** A paid one-time session that maps to no plan, so it was never fulfilled (see checkout-session.applier.ts's `mapped`). */
const UNMAPPED = (ranking: string) => `(s.mode <> 'subscription' AND s.status = 'complete' AND s.payment_status IN ('paid', 'no_payment_required')
  AND s.fulfilled_at IS NULL AND (s.plan IS NULL OR s.plan <> ALL (${ranking}::text[])))`;

/**
 * The page's statement. The inner SELECT is the keyset scan: equality filters, then `(created_at, id) < cursor`,
 * `ORDER BY created_at DESC, id DESC LIMIT limit + 1`, served by one of the `(column, created_at, id)` indexes that
 * stops after the page (no OFFSET, no count). Only the page's rows `p` then meet `users` (a primary-key probe each,
 * for the email) and `disputes` (an index probe each), and are shaped into the DTO (FIELDS). `planRanking` is the
 * plan catalogue's names, needed by `unmapped` only.
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
  const text = `SELECT ${SELECT_LIST}
  FROM (SELECT ${COLUMNS}
          FROM checkout_sessions s${where.length ? `\n         WHERE ${where.join('\n           AND ')}` : ''}
         ORDER BY s.created_at DESC, s.id DESC
         LIMIT ${param(filters.limit + 1)}) p
 ORDER BY p.created_at DESC, p.id DESC`;
  return { text, values };
}
