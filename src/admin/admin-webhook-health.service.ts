import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import type { WebhookHealthDto } from './dto/webhook-health.dto.js';
import { parseRange } from './keyset.js';

const MINUTE_MS = 60_000;
const DEFAULT_MINUTES = 60;
/** A day of minutes bounds the answer (1,440 rows at most). */
const MAX_MINUTES = 1440;

interface MinuteRow {
  minute: Date;
  processed: number;
  failed: number;
  ignored: number;
  received: number;
  lag: number | null;
  processing: number | null;
}

/**
 * Webhook health from the inbox, aggregated in SQL: events per received minute by outcome with their lag, and the
 * backlog of failed events. The range is a scan of idx_stripe_events_received; the backlog reads
 * idx_stripe_events_status_received (failed and received rows only).
 */
@Injectable()
export class AdminWebhookHealthService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async health(query: { from?: string; to?: string }): Promise<WebhookHealthDto> {
    const range = parseRange(query.from, query.to);
    const to = range.to ?? new Date();
    const from = range.from ?? new Date(to.getTime() - DEFAULT_MINUTES * MINUTE_MS);
    if (to.getTime() - from.getTime() > MAX_MINUTES * MINUTE_MS) {
      throw AppError.validation(`the range must be at most ${MAX_MINUTES} minutes`, { to: [`must be at most ${MAX_MINUTES} minutes after from`] });
    }
    const [minutes, [backlog]] = await Promise.all([
      this.db.query<MinuteRow[]>(
        `SELECT date_trunc('minute', received_at) AS minute,
                count(*) FILTER (WHERE status = 'processed')::int AS processed,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                count(*) FILTER (WHERE status = 'ignored')::int AS ignored,
                count(*) FILTER (WHERE status = 'received')::int AS received,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - stripe_created_at) * 1000) FILTER (WHERE status = 'processed') AS lag,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at) * 1000) FILTER (WHERE status = 'processed') AS processing
           FROM stripe_events
          WHERE received_at >= $1 AND received_at < $2
          GROUP BY 1 ORDER BY 1`,
        [from, to],
      ),
      this.db.query<Array<{ failed: number; oldest: Date | null; stuck: number }>>(
        `SELECT (SELECT count(*) FROM stripe_events WHERE status = 'failed')::int AS failed,
                (SELECT min(received_at) FROM stripe_events WHERE status = 'failed') AS oldest,
                (SELECT count(*) FROM stripe_events WHERE status = 'received' AND received_at < now() - interval '1 minute')::int AS stuck`,
      ),
    ]);
    const ms = (value: number | null) => (value === null ? null : Math.max(0, Math.round(Number(value))));
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      minutes: minutes.map((m) => ({
        minute: new Date(m.minute).toISOString(),
        processed: m.processed,
        failed: m.failed,
        ignored: m.ignored,
        received: m.received,
        lagP95Ms: ms(m.lag),
        processingP95Ms: ms(m.processing),
      })),
      backlog: { failed: backlog.failed, oldestFailedAt: backlog.oldest ? new Date(backlog.oldest).toISOString() : null, stuck: backlog.stuck },
    };
  }
}
