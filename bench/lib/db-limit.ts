import pg from 'pg';
import type Stripe from 'stripe';
import { sessionInput } from '../../src/entitlements/checkout-session.applier.js';
import { APPLY_SESSIONS, APPLY_SESSIONS_NAME, applySessionsParameters } from '../../src/entitlements/persistence/apply-sessions.sql.js';
import { sessionFacts } from '../../src/entitlements/mappers/stripe-session.mapper.js';
import type { PlanCatalogueService } from '../../src/entitlements/plan-catalogue.service.js';
import { inboxRow, STORE_EVENTS, STORE_EVENTS_NAME } from '../../src/webhooks/webhook-processor.service.js';

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
 * The database work one `checkout.session.completed` event costs the service, issued directly with `pg` (no
 * HTTP, no framework): the very statements the service sends, with the same parameters, in one transaction
 * (BEGIN, the inbox statement, the session statement, COMMIT), prepared once per connection as the service does. The ceiling the service is compared to.
 */
export async function runDbLimit(url: string, connections: number, seconds: number, next: () => WebhookWork, plans: PlanCatalogueService): Promise<DbLimitResult> {
  const latencies: number[] = [];
  const started = Date.now();
  await drive(url, connections, seconds, next, plans, latencies);
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 100) / 100;
  return { transactions: latencies.length, perSecond: Math.round((latencies.length / elapsed) * 10) / 10, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

/**
 * The same work for a while on connections that are then closed, as the service's warm-up before it is measured.
 * A connection plans a prepared statement once (PostgreSQL's generic plan, from its sixth run) with the table sizes
 * of that moment: planned on the seed's empty ledger and grants, the session statement scans them whole, and more
 * slowly with every event, until an ANALYZE makes it plan again. The service's connections plan theirs after this
 * has written rows, so the limit's measured connections must too, or the limit would be the lower for it.
 */
export async function warmDbLimit(url: string, connections: number, seconds: number, next: () => WebhookWork, plans: PlanCatalogueService): Promise<void> {
  await drive(url, connections, seconds, next, plans, []);
}

async function drive(url: string, connections: number, seconds: number, next: () => WebhookWork, plans: PlanCatalogueService, latencies: number[]): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    const client = await pool.connect();
    try {
      while (Date.now() < deadline) {
        const work = next();
        const event = JSON.parse(work.payload) as Stripe.Event;
        const session = event.data.object as Stripe.Checkout.Session;
        const started = performance.now();
        await client.query('BEGIN');
        const stored = await client.query<{ inserted: boolean }>({
          name: STORE_EVENTS_NAME,
          text: STORE_EVENTS,
          values: [JSON.stringify([inboxRow(event, { source: 'webhook', status: 'processed', ignoredReason: null, payload: event })])],
        });
        if (stored.rows[0].inserted) {
          const ctx = { source: 'webhook' as const, eventId: event.id, eventCreated: new Date(event.created * 1000), eventType: event.type };
          await client.query({
            name: APPLY_SESSIONS_NAME,
            text: APPLY_SESSIONS,
            values: applySessionsParameters([sessionInput(sessionFacts(session), ctx, plans)], plans, { applierFollows: true }),
          });
        }
        await client.query('COMMIT');
        latencies.push(performance.now() - started);
      }
    } finally {
      client.release();
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    await pool.end();
  }
}
