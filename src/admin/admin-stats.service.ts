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
    const counts = (await this.db.query(
      `SELECT status, payment_status, count(*)::int AS count FROM checkout_sessions
        WHERE created_at >= $1 AND created_at < $2 GROUP BY status, payment_status`,
      [from, to],
    )) as Array<{ status: string; payment_status: string; count: number }>;
    const paid = (await this.db.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, lower(currency) AS currency,
              coalesce(sum(amount_total), 0)::text AS amount, count(*)::int AS count
         FROM checkout_sessions
        WHERE created_at >= $1 AND created_at < $2 AND payment_status = 'paid' AND currency IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [from, to],
    )) as Array<{ day: string; currency: string; amount: string; count: number }>;

    const byStatus = { open: 0, complete: 0, expired: 0 };
    const byPaymentStatus = { paid: 0, unpaid: 0, no_payment_required: 0 };
    let total = 0;
    for (const row of counts) {
      total += row.count;
      if (row.status in byStatus) byStatus[row.status as keyof typeof byStatus] += row.count;
      if (row.payment_status in byPaymentStatus) byPaymentStatus[row.payment_status as keyof typeof byPaymentStatus] += row.count;
    }
    const totals = new Map<string, { currency: string; amount: number; count: number }>();
    const paidByDay = paid.map((row) => {
      const entry = { day: row.day, currency: row.currency, amount: Number(row.amount), count: row.count };
      const sum = totals.get(row.currency) ?? { currency: row.currency, amount: 0, count: 0 };
      sum.amount += entry.amount;
      sum.count += entry.count;
      totals.set(row.currency, sum);
      return entry;
    });
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      total,
      byStatus,
      byPaymentStatus,
      paidTotals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      paidByDay,
    };
  }
}
