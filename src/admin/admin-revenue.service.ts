import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { parseRange } from './keyset.js';
import { OPEN_DISPUTE_STATUSES } from '../entitlements/payments/payment-lifecycles.js';
import type { RevenueDailyDto, RevenueDayDto, RevenueDto, RevenueLineDto } from './dto/revenue.dto.js';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

/**
 * Every payment counted as revenue in [$1, $2) with what came off it ($3: the open dispute statuses), one row each:
 * the totals and the per-day series both fold these rows (one definition of revenue for both).
 */
const PAID_CTE = `WITH paid AS (
         SELECT 'sessions' AS source, (s.created_at AT TIME ZONE 'UTC')::date::text AS day, lower(s.currency) AS currency, s.amount_total - coalesce(s.amount_tax, 0) AS gross, coalesce(s.amount_tax, 0) AS tax, s.amount_refunded AS refunded,
                (SELECT coalesce(sum(d.amount), 0) FROM disputes d WHERE d.checkout_session_id = s.id AND d.status = 'lost') AS lost,
                (SELECT coalesce(sum(d.amount), 0) FROM disputes d WHERE d.checkout_session_id = s.id AND d.status = ANY($3)) AS open,
                (SELECT coalesce(sum(c.fee), 0) FROM charges c WHERE c.checkout_session_id = s.id) AS fees
           FROM checkout_sessions s
          WHERE s.mode = 'payment' AND s.payment_status = 'paid' AND s.currency IS NOT NULL AND s.created_at >= $1 AND s.created_at < $2
         UNION ALL
         SELECT 'invoices', (i.created_at AT TIME ZONE 'UTC')::date::text, lower(i.currency), i.amount_paid - i.amount_tax, i.amount_tax, i.amount_refunded,
                (SELECT coalesce(sum(d.amount), 0) FROM disputes d WHERE d.invoice_id = i.id AND d.status = 'lost'),
                (SELECT coalesce(sum(d.amount), 0) FROM disputes d WHERE d.invoice_id = i.id AND d.status = ANY($3)),
                (SELECT coalesce(sum(c.fee), 0) FROM charges c WHERE c.invoice_id = i.id)
           FROM invoices i
          WHERE i.status = 'paid' AND i.amount_paid > 0 AND i.created_at >= $1 AND i.created_at < $2
       )`;

/**
 * Money in and out per currency over a range: one-time sessions (payment mode; a subscription's first payment
 * is its first invoice, so it is counted once, with the invoices) and paid invoices. Gross is what was paid less
 * its tax, which is reported apart (the tax is owed to the authorities, not earned). Fees are Stripe's, from the
 * balance transactions of the payments' charges. Net is gross minus refunds, lost disputes and fees; open disputes (an appeal too) are shown beside it, not subtracted. A subscription's refunds
 * and disputes reach its invoice through the InvoicePayment that links the payment to it (`invoice_payment.paid`).
 */
@Injectable()
export class AdminRevenueService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async revenue(query: { from?: string; to?: string }): Promise<RevenueDto> {
    const { from, to } = revenueRange(query);
    const rows = await this.db.query<
      Array<{ source: 'sessions' | 'invoices'; currency: string; count: number; gross: string; tax: string; refunded: string; lost: string; open: string; fees: string }>
    >(
      `${PAID_CTE}
       SELECT source, currency, count(*)::int AS count, sum(gross)::text AS gross, sum(tax)::text AS tax, sum(refunded)::text AS refunded, sum(lost)::text AS lost, sum(open)::text AS open, sum(fees)::text AS fees
         FROM paid GROUP BY source, currency ORDER BY source, currency`,
      [from, to, OPEN_DISPUTE_STATUSES],
    );
    const line = (r: (typeof rows)[number]): RevenueLineDto => {
      const gross = Number(r.gross);
      const refunded = Number(r.refunded);
      const disputedLost = Number(r.lost);
      const fees = Number(r.fees);
      return {
        currency: r.currency,
        payments: r.count,
        gross,
        tax: Number(r.tax),
        refunded,
        disputedLost,
        disputedOpen: Number(r.open),
        fees,
        net: gross - refunded - disputedLost - fees,
      };
    };
    const sessions = rows.filter((r) => r.source === 'sessions').map(line);
    const invoices = rows.filter((r) => r.source === 'invoices').map(line);
    const totals = new Map<string, RevenueLineDto>();
    for (const l of [...sessions, ...invoices]) {
      const t = totals.get(l.currency) ?? { currency: l.currency, payments: 0, gross: 0, tax: 0, refunded: 0, disputedLost: 0, disputedOpen: 0, fees: 0, net: 0 };
      totals.set(l.currency, {
        currency: l.currency,
        payments: t.payments + l.payments,
        gross: t.gross + l.gross,
        tax: t.tax + l.tax,
        refunded: t.refunded + l.refunded,
        disputedLost: t.disputedLost + l.disputedLost,
        disputedOpen: t.disputedOpen + l.disputedOpen,
        fees: t.fees + l.fees,
        net: t.net + l.net,
      });
    }
    return { from: from.toISOString(), to: to.toISOString(), sessions, invoices, total: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)) };
  }

  /** The same revenue per UTC day and currency, for the console's chart; days without payments are left out. */
  async daily(query: { from?: string; to?: string }): Promise<RevenueDailyDto> {
    const { from, to } = revenueRange(query);
    const rows = await this.db.query<Array<{ day: string; currency: string; count: number; gross: string; refunded: string; lost: string; fees: string }>>(
      `${PAID_CTE}
       SELECT day, currency, count(*)::int AS count, sum(gross)::text AS gross, sum(refunded)::text AS refunded, sum(lost)::text AS lost, sum(fees)::text AS fees
         FROM paid GROUP BY day, currency ORDER BY day, currency`,
      [from, to, OPEN_DISPUTE_STATUSES],
    );
    const days: RevenueDayDto[] = rows.map((r) => {
      const [gross, refunded, disputedLost, fees] = [Number(r.gross), Number(r.refunded), Number(r.lost), Number(r.fees)];
      return { day: r.day, currency: r.currency, payments: r.count, gross, refunded, disputedLost, fees, net: gross - refunded - disputedLost - fees };
    });
    return { from: from.toISOString(), to: to.toISOString(), days };
  }
}

/** [from, to): the last 30 days by default, at most 366. */
function revenueRange(query: { from?: string; to?: string }): { from: Date; to: Date } {
  const range = parseRange(query.from, query.to);
  const to = range.to ?? new Date();
  const from = range.from ?? new Date(to.getTime() - 30 * DAY_MS);
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS)
    throw AppError.validation(`the range must be at most ${MAX_DAYS} days`, { to: [`must be at most ${MAX_DAYS} days after from`] });
  return { from, to };
}
