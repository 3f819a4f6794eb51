import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface RateLimitKey {
  key: string;
  limit: number;
}

/** A counter is never stored above this (a flood cannot overflow it), and never kept past its window. */
const MAX_COUNT = 1_000_000;
const RETENTION_BATCH = 5000;

/**
 * Keys are bounded in size and safe to store whatever the client sends: long values, and values with control
 * characters (PostgreSQL text cannot hold a NUL), are stored as their hash.
 */
export function throttleKey(route: string, scope: string, value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  const v = value.length > 128 || /[\u0000-\u001f\u007f]/.test(value) ? `sha256:${createHash('sha256').update(value).digest('hex')}` : value;
  return `${route}:${scope}:${v}`;
}

/**
 * Fixed-window counters in PostgreSQL (`auth_throttle`), so every instance shares them. `hit` counts one
 * request against each key in one statement (row locks taken in key order, so concurrent hits cannot
 * deadlock) and says whether any key is over its limit; `refund` takes a success back, which makes the
 * counters count failures only. Rows past their window are restarted on the next hit and deleted by
 * retention (`purgeExpired`).
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger('RateLimit');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Counts a request; answers 0 when every key is within its limit, else the seconds until the fullest window ends. */
  async hit(keys: RateLimitKey[], windowSeconds: number): Promise<number> {
    if (!keys.length) return 0;
    const sorted = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows = await this.db.query<Array<{ key: string; failures: number; retry_after: number }>>(
      `INSERT INTO auth_throttle AS t (key, failures, window_ends)
       SELECT k, 1, now() + make_interval(secs => $2) FROM unnest($1::text[]) AS k ORDER BY k
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN t.window_ends <= now() THEN 1 ELSE LEAST(t.failures + 1, $3) END,
         window_ends = CASE WHEN t.window_ends <= now() THEN EXCLUDED.window_ends ELSE t.window_ends END
       RETURNING key, failures, GREATEST(1, ceil(extract(epoch FROM t.window_ends - now())))::int AS retry_after`,
      [sorted.map((k) => k.key), windowSeconds, MAX_COUNT],
    );
    const limits = new Map(keys.map((k) => [k.key, k.limit]));
    let retryAfter = 0;
    for (const row of rows) if (row.failures > (limits.get(row.key) ?? MAX_COUNT)) retryAfter = Math.max(retryAfter, row.retry_after);
    return retryAfter;
  }

  /** Takes back one count of each key (a request that succeeded), within the current window only. */
  async refund(keys: RateLimitKey[]): Promise<void> {
    if (!keys.length) return;
    await this.db.query(
      `UPDATE auth_throttle t SET failures = t.failures - 1
       FROM (SELECT key FROM auth_throttle WHERE key = ANY($1::text[]) AND failures > 0 AND window_ends > now() ORDER BY key FOR UPDATE) s
       WHERE t.key = s.key`,
      [keys.map((k) => k.key)],
    );
  }

  /** Retention: deletes counters whose window has ended, in batches. */
  async purgeExpired(maxBatches = 100): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < maxBatches; i++) {
      const [, count] = await this.db.query<[unknown, number]>(`DELETE FROM auth_throttle WHERE key IN (SELECT key FROM auth_throttle WHERE window_ends < now() LIMIT $1)`, [
        RETENTION_BATCH,
      ]);
      deleted += count ?? 0;
      if ((count ?? 0) < RETENTION_BATCH) break;
    }
    if (deleted) this.logger.log(`Deleted ${deleted} expired throttle counters`);
    return deleted;
  }
}
