import pg from 'pg';

export interface DbLimitResult {
  transactions: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface WebhookWork {
  eventId: string;
  sessionId: string;
  payload: string;
}

/**
 * The database work one `checkout.session.completed` event costs the service, issued directly with
 * `pg` (no HTTP, no framework), same statements in one transaction: the ceiling the service is compared to.
 */
export async function runDbLimit(url: string, connections: number, seconds: number, next: () => WebhookWork): Promise<DbLimitResult> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const latencies: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (Date.now() < deadline) {
        const work = next();
        const started = performance.now();
        await client.query('BEGIN');
        const inserted = await client.query(
          `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, api_version, object_id, payload, source, status, ignored_reason, attempts, processed_at)
           VALUES ($1, 'checkout.session.completed', now(), false, '2026-10-28.endive', $2, $3, 'webhook', 'processed', NULL, 1, now()) ON CONFLICT (id) DO NOTHING RETURNING id`,
          [work.eventId, work.sessionId, work.payload],
        );
        if (inserted.rowCount) {
          const session = (
            await client.query<{ id: string; user_id: string; price_id: string; stripe_customer_id: string | null }>(
              'SELECT * FROM checkout_sessions WHERE stripe_session_id = $1 LIMIT 1 FOR UPDATE',
              [work.sessionId],
            )
          ).rows[0];
          const won = (
            await client.query<{ at: Date }>(`INSERT INTO fulfillments (checkout_session_id, source, event_id) VALUES ($1, 'webhook', $2) ON CONFLICT DO NOTHING RETURNING at`, [
              session.id,
              work.eventId,
            ])
          ).rows[0];
          await client.query(
            `UPDATE checkout_sessions SET status = 'complete', payment_status = 'paid', amount_total = 2000, currency = 'usd', stripe_customer_id = $2,
               stripe_subscription_id = $3, customer_email = $4, last_event_at = now(), fulfilled_at = $5, updated_at = now() WHERE id = $1`,
            [session.id, session.stripe_customer_id, `sub_${work.sessionId.slice(-20)}`, 'payer@example.com', won?.at ?? null],
          );
          if (won) {
            await client.query('SELECT * FROM users WHERE id = $1 LIMIT 1 FOR UPDATE', [session.user_id]);
            await client.query(
              `UPDATE users SET plan = 'pro', stripe_subscription_id = $2, subscription_status = 'active', subscription_price_id = $3, updated_at = now() WHERE id = $1`,
              [session.user_id, `sub_${work.sessionId.slice(-20)}`, session.price_id],
            );
          }
        }
        await client.query('COMMIT');
        latencies.push(performance.now() - started);
      }
    } finally {
      client.release();
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (Date.now() - started) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 100) / 100;
  return { transactions: latencies.length, perSecond: Math.round((latencies.length / elapsed) * 10) / 10, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}
