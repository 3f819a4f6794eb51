import { createHash } from 'node:crypto';
import type { CursorPosition } from '../common/pagination/cursor.js';
import type { AdminCheckoutSessionDto } from './dto/admin-checkout-session.dto.js';
import type { ListCheckoutSessionsQueryDto } from './dto/list-checkout-sessions.query.js';
import { PAYMENT_STATUSES, SESSION_MODES, SESSION_STATUSES } from './dto/enums.js';

/**
 * The one statement behind `GET /api/admin/checkout-sessions`, as plain SQL rather than a TypeORM query builder:
 * at a million sessions the page itself costs PostgreSQL well under a millisecond, and what was left was the
 * service's own work per request. So PostgreSQL answers the whole page as ONE row: the items as one JSON array text
 * (each item already the DTO: times formatted, disputes nested), which the controller sends as it is, plus what the
 * next cursor needs. No row or field parsing in `pg`, no `JSON.stringify` of 20 objects in the service.
 * `bench/admin-list.ts --explain` runs EXPLAIN on exactly this text, so keep it the only place the list's SQL is written.
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
  /**
   * The prepared statement's name: one per text (PostgreSQL plans it once per connection, then reuses the plan).
   * Null for a text whose one plan cannot serve every value (`priceId`, see sessionListStatement): run it unnamed.
   */
  name: string | null;
}

/** The statement's one row: the page's items as JSON text, and the last item's keyset position when a next page exists. */
export interface SessionListRow {
  /** A JSON array of AdminCheckoutSessionDto, newest first: sent as the body's `items` without being parsed. */
  items: string;
  /** A `limit + 1`-th row exists. */
  more: boolean;
  /** The page's last item's `createdAt` (the text of its `createdAt`, milliseconds) and id; null on an empty page. */
  lastCreatedAt: string | null;
  lastId: string | null;
}

/** PostgreSQL writes the time as JavaScript's `toISOString` does (UTC, milliseconds truncated, `Z`), so no row needs a Date. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Each field of the DTO and the expression over the page's row `p` that answers it, in the DTO's order: the typing
 * makes a field added to AdminCheckoutSessionDto fail to compile here until the list selects it, and
 * test/e2e/admin-list.e2e-spec.ts holds every listed item equal to the session's detail (built by
 * `AdminCheckoutSessionDto.from`). Amounts stay bigint: PostgreSQL's JSON writes a bigint as its plain digits (a float8
 * would print 1e+15), the same number the entity's transformer gives below 2^53.
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
  amountTotal: 'p.amount_total',
  amountSubtotal: 'p.amount_subtotal',
  amountDiscount: 'p.amount_discount',
  amountTax: 'p.amount_tax',
  uiMode: 'p.ui_mode',
  currency: 'p.currency',
  amountRefunded: 'p.amount_refunded',
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

/**
 * One item as a JSON object, keys in the DTO's order: `row_to_json` of a one-row sub-select whose columns are named
 * after the fields, as JSON.stringify writes it (no spaces; json_build_object would write `"id" : …`, and takes at most
 * 50 fields). A subquery in the aggregate's argument, so the `limit + 1`-th row is never shaped (see FILTER below).
 */
const ITEM = `(SELECT row_to_json(f) FROM (SELECT ${Object.entries(FIELDS)
  .map(([field, expression]) => `${expression} AS "${field}"`)
  .join(',\n    ')}) f)`;

/** A paid one-time session that maps to no plan, so it was never fulfilled (see checkout-session.applier.ts's `mapped`). */
const UNMAPPED = (ranking: string) => `(s.mode <> 'subscription' AND s.status = 'complete' AND s.payment_status IN ('paid', 'no_payment_required')
  AND s.fulfilled_at IS NULL AND (s.plan IS NULL OR s.plan <> ALL (${ranking}::text[])))`;

/** The largest page the list serves (ListCheckoutSessionsQueryDto's `limit`): the limit is written into the text. */
const MAX_LIMIT = 100;

/**
 * The page's statement, and its one row (SessionListRow). The innermost SELECT is the keyset scan: equality filters,
 * then `(created_at, id) < cursor`, `ORDER BY created_at DESC, id DESC LIMIT limit + 1`, served by one of the
 * `(column, created_at, id)` indexes that stops after the page (no OFFSET, no count). Its rows are numbered in that
 * order; the first `limit` become the items, each meeting `users` (a primary-key probe, for the email) and `disputes`
 * (an index probe) only then, in `json_agg(… ORDER BY created_at DESC, id DESC)`; the `limit + 1`-th only says that
 * another page exists. `planRanking` is the plan catalogue's names, needed by `unmapped` only.
 *
 * Prepared (see `name`), the text is planned once per connection for every value its parameters take (a generic
 * plan, estimated from averages rather than the value), so what decides the plan is written into the text: the
 * limit (as a parameter, a generic plan assumes a tenth of the table is wanted) and the values of the closed sets
 * (status, paymentStatus, mode, unmatched: a rare status then still gets its own index, as a custom plan would give
 * it). Both are validated, from short fixed lists, so the texts stay bounded: one per filter combination and page
 * size asked for. `priceId` is open: as a parameter, the generic plan for an average price walks `(created_at, id)`
 * and filters, which for a rare price reads most of the table where its own index reads 21 rows; its shapes stay
 * unprepared (planned per request, as before). The rest are parameters whose plan does not depend on the value
 * (`userId`, `email`: their index; `from`, `to`, cursor: index conditions of whichever index is scanned).
 */
export function sessionListStatement(filters: SessionListFilters, planRanking: readonly string[]): SqlStatement {
  const { limit } = filters;
  // written into the text: never anything but a small positive integer
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where: string[] = [];
  // equality filters first: each has a (column, created_at, id) index that serves the keyset order
  if (filters.status) where.push(`s.status = ${known(filters.status, SESSION_STATUSES)}`);
  if (filters.paymentStatus) where.push(`s.payment_status = ${known(filters.paymentStatus, PAYMENT_STATUSES)}`);
  if (filters.mode) where.push(`s.mode = ${known(filters.mode, SESSION_MODES)}`);
  if (filters.priceId) where.push(`s.price_id = ${param(filters.priceId)}`);
  if (filters.userId) where.push(`s.user_id = ${param(filters.userId)}`);
  // users.email is unique and stored lower-cased: one index probe, then the user_id index
  if (filters.email) where.push(`s.user_id = (SELECT id FROM users WHERE email = ${param(filters.email.toLowerCase())})`);
  if (filters.unmatched) where.push(`s.unmatched = ${known(filters.unmatched, ['true', 'false'])}`);
  // '' keeps the array non-empty, as the NOT IN list it replaces had to be
  if (filters.unmapped) where.push(`${filters.unmapped === 'true' ? '' : 'NOT '}${UNMAPPED(param([...planRanking, '']))}`);
  if (filters.disputed) where.push(`${filters.disputed === 'true' ? '' : 'NOT '}EXISTS (SELECT 1 FROM disputes d WHERE d.checkout_session_id = s.id)`);
  if (filters.from) where.push(`s.created_at >= ${param(filters.from)}`);
  if (filters.to) where.push(`s.created_at < ${param(filters.to)}`);
  if (filters.cursor) where.push(`(s.created_at, s.id) < (${param(filters.cursor.createdAt)}, ${param(filters.cursor.id)}::uuid)`);
  // ::text: pg would JSON.parse a json column, the very work this statement saves
  const text = `SELECT coalesce(json_agg(${ITEM} ORDER BY p.created_at DESC, p.id DESC) FILTER (WHERE p.n <= ${limit}), '[]')::text AS "items",
       count(*) > ${limit} AS "more",
       min(${iso('p.created_at')}) FILTER (WHERE p.n = ${limit}) AS "lastCreatedAt",
       min(p.id::text) FILTER (WHERE p.n = ${limit}) AS "lastId"
  FROM (SELECT k.*, row_number() OVER (ORDER BY k.created_at DESC, k.id DESC) AS n
          FROM (SELECT ${COLUMNS}
                  FROM checkout_sessions s${where.length ? `\n                 WHERE ${where.join('\n                   AND ')}` : ''}
                 ORDER BY s.created_at DESC, s.id DESC
                 LIMIT ${limit + 1}) k) p`;
  return { text, values, name: filters.priceId ? null : statementName(text) };
}

/** A value of a closed set written into the text as a literal: validated already, checked again since it is SQL. */
function known<T extends string>(value: T, allowed: readonly T[]): string {
  if (!allowed.includes(value)) throw new RangeError(`unexpected filter value ${JSON.stringify(value)}`);
  return `'${value}'`;
}

/** A name that stands for this one text (pg refuses a name reused for another text): a short hash of it. */
function statementName(text: string): string {
  return `admin_session_list_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}
