import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import type { CheckoutSessionStatsDto } from './dto/checkout-session-stats.dto.js';
import type { CheckoutSessionStatsQueryDto } from './dto/stats.query.js';
import { parseRange } from './keyset.js';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
/** A year of days bounds the answer's size (days × currencies). */
const MAX_DAYS = 366;

@Injectable()
export class AdminStatsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async checkoutSessions(query: CheckoutSessionStatsQueryDto): Promise<CheckoutSessionStatsDto> {
    const range = parseRange(query.from, query.to);
    const to = range.to ?? new Date();
    const from = range.from ?? new Date(to.getTime() - DEFAULT_DAYS * DAY_MS);
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS) {
      throw AppError.validation(`the range must be at most ${MAX_DAYS} days`, { to: [`must be at most ${MAX_DAYS} days after from`] });
    }
    // one pass over the range (index range scan, or a parallel scan for long ranges): counts and sums per
    // UTC day, status, payment status and currency; everything in the answer is folded from these groups
    const groups = await this.db.query<
      Array<{ day: string; status: string; payment_status: string; currency: string | null; count: number; amount: string; discounted: number; discount: string }>
    >(
      `SELECT (created_at AT TIME ZONE 'UTC')::date::text AS day, status, payment_status, lower(currency) AS currency,
              count(*)::int AS count, coalesce(sum(amount_total), 0)::text AS amount,
              count(*) FILTER (WHERE amount_discount > 0)::int AS discounted, coalesce(sum(amount_discount), 0)::text AS discount
         FROM checkout_sessions
        WHERE created_at >= $1 AND created_at < $2
        GROUP BY 1, 2, 3, 4`,
      [from, to],
    );

    const byStatus = { open: 0, complete: 0, expired: 0 };
    const byPaymentStatus = { paid: 0, unpaid: 0, no_payment_required: 0 };
    const totals = new Map<string, { currency: string; amount: number; count: number }>();
    const discounts = new Map<string, { currency: string; amount: number; count: number }>();
    const days = new Map<string, { day: string; currency: string; amount: number; count: number }>();
    let total = 0;
    for (const row of groups) {
      total += row.count;
      if (row.status in byStatus) byStatus[row.status as keyof typeof byStatus] += row.count;
      if (row.payment_status in byPaymentStatus) byPaymentStatus[row.payment_status as keyof typeof byPaymentStatus] += row.count;
      if (row.payment_status !== 'paid' || !row.currency) continue;
      const amount = Number(row.amount);
      const sum = totals.get(row.currency) ?? { currency: row.currency, amount: 0, count: 0 };
      totals.set(row.currency, { ...sum, amount: sum.amount + amount, count: sum.count + row.count });
      if (row.discounted > 0) {
        const off = discounts.get(row.currency) ?? { currency: row.currency, amount: 0, count: 0 };
        discounts.set(row.currency, { ...off, amount: off.amount + Number(row.discount), count: off.count + row.discounted });
      }
      const key = `${row.day} ${row.currency}`;
      const day = days.get(key) ?? { day: row.day, currency: row.currency, amount: 0, count: 0 };
      days.set(key, { ...day, amount: day.amount + amount, count: day.count + row.count });
    }
    const paidByDay = [...days.values()].sort((a, b) => a.day.localeCompare(b.day) || a.currency.localeCompare(b.currency));
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      total,
      byStatus,
      byPaymentStatus,
      paidTotals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      paidDiscounts: [...discounts.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      paidByDay,
    };
  }
}
