import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.js';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { stripeSignature } from '../../stripe-emulator/webhook-delivery.js';
import type Stripe from 'stripe';
import { createTestDatabase } from '../support/database.js';
import { buildService, spawnService, type ServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';

const SECRET = 'whsec_processes_test_secret_012345';

/** Users with one open subscription checkout each, as the billing route leaves them. */
async function seedSessions(url: string, count: number, tag: string): Promise<Array<{ sessionId: string; userId: string }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `WITH u AS (
         INSERT INTO users (email, password_hash, stripe_customer_id)
         SELECT '${tag}' || g || '@example.com', 'x', 'cus_${tag}' || g FROM generate_series(1, $1) g RETURNING id, email)
       INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, status, payment_status)
       SELECT 'cs_test_${tag}_' || split_part(u.email, '@', 1), u.id, 'subscription', 'pro', 'month', 'price_pro_monthly', 'open', 'unpaid' FROM u
       RETURNING stripe_session_id AS "sessionId", user_id AS "userId"`,
      [count],
    );
    return rows;
  } finally {
    await client.end();
  }
}

function completed(sessionId: string, userId: string): Stripe.Event {
  const suffix = sessionId.replace(/[^A-Za-z0-9]/g, '').slice(-20);
  return eventObject(
    'checkout.session.completed',
    checkoutSessionObject({
      id: sessionId,
      mode: 'subscription',
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: userId,
      customer: `cus_x${suffix}`,
      subscription: `sub_${suffix}`,
    }),
  );
}

async function post(instance: ServiceProcess, event: Stripe.Event): Promise<number> {
  const payload = JSON.stringify(event);
  try {
    const res = await fetch(`${instance.url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(payload, SECRET) },
      body: payload,
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // connection refused or reset: Stripe would retry
  }
}

async function counts(url: string, tag: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*)::int FROM fulfillments f JOIN checkout_sessions s ON s.id = f.checkout_session_id WHERE s.stripe_session_id LIKE $1) AS fulfilments,
              (SELECT count(*)::int FROM checkout_sessions WHERE stripe_session_id LIKE $1 AND status = 'complete' AND fulfilled_at IS NOT NULL) AS complete,
              (SELECT count(*)::int FROM users WHERE email LIKE $2 AND plan = 'pro') AS pro,
              (SELECT count(*)::int FROM stripe_events WHERE object_id LIKE $1 AND status = 'processed') AS processed,
              (SELECT COALESCE(max(attempts), 0)::int FROM stripe_events WHERE object_id LIKE $1 AND status = 'processed' AND last_error IS NULL) AS "maxAttempts"`,
      [`cs_test_${tag}_%`, `${tag}%`],
    );
    return rows[0] as { fulfilments: number; complete: number; pro: number; processed: number; maxAttempts: number };
  } finally {
    await client.end();
  }
}

describe('Real service processes', () => {
  beforeAll(() => buildService(), 180_000);

  it('three instances on one database, same events at the same moment on each, apply every event exactly once', async () => {
    const database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, STRIPE_WEBHOOK_SECRET: SECRET };
    // started together: migrations are serialised by an advisory lock
    const instances = await Promise.all([spawnService(env), spawnService(env), spawnService(env)]);
    try {
      const sessions = await seedSessions(database.url, 90, 'multi');
      const events = sessions.map((s) => completed(s.sessionId, s.userId));
      const duplicated = events.slice(0, 60);
      const fresh = events.slice(60);
      const statuses = await Promise.all([...duplicated.flatMap((e) => instances.map((instance) => post(instance, e))), ...fresh.map((e, i) => post(instances[i % 3], e))]);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(await counts(database.url, 'multi')).toEqual({ fulfilments: 90, complete: 90, pro: 90, processed: 90, maxAttempts: 1 });
      console.log(`multi-instance: 3 instances, ${events.length} events, ${duplicated.length * 2} duplicate deliveries, effects doubled: 0`);
    } finally {
      await Promise.all(instances.map((i) => i.stop()));
      await database.drop();
    }
  }, 120_000);

  it('a PostgreSQL restart while webhooks arrive: 5xx during the outage, reconnects by itself, nothing lost, nothing doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkout-restart-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    let database: EmbeddedDatabase = await startEmbeddedPostgres({ dir: join(dir, 'pg'), port, database: 'restart' });
    const instance = await spawnService({ DATABASE_URL: database.url, STRIPE_WEBHOOK_SECRET: SECRET });
    try {
      const sessions = await seedSessions(database.url, 200, 'restart');
      const events = sessions.map((s) => completed(s.sessionId, s.userId));
      const results = new Map<string, number>();
      const failed = () => [...results.values()].filter((status) => status !== 200).length;
      // the senders hold at the 50th event until the database is down, so the outage falls mid-stream on any machine
      const OUTAGE_AT = 50;
      let markDown!: () => void;
      const isDown = new Promise<void>((resolve) => (markDown = resolve));
      let next = 0;
      const sender = async () => {
        while (next < events.length) {
          if (next >= OUTAGE_AT) await isDown;
          const event = events[next++];
          results.set(event.id, await post(instance, event));
        }
      };
      let outageMs = 0;
      const outage = (async () => {
        await until(() => next >= OUTAGE_AT, 'the first events to be sent', 60_000);
        const down = Date.now();
        await database.stop();
        markDown();
        // down until deliveries have met it (answered 5xx or refused), then back
        await until(() => failed() >= 10 || next >= events.length, 'deliveries to meet the outage', 60_000);
        database = await startEmbeddedPostgres({ dir: join(dir, 'pg'), port, database: 'restart' });
        outageMs = Date.now() - down;
      })();
      await Promise.all([sender(), sender(), sender(), sender(), outage]);
      const failedDuringOutage = [...results.values()].filter((s) => s !== 200);
      expect(failedDuringOutage.length).toBeGreaterThan(0);
      expect(failedDuringOutage.every((s) => s === 0 || s >= 500)).toBe(true);

      // Stripe retries: every event is delivered again (a duplicate for most) until each is answered 200
      let pending = events;
      let redeliveries = 0;
      const redeliver = async () => {
        const statuses = await Promise.all(pending.map((e) => post(instance, e)));
        redeliveries += pending.length;
        pending = pending.filter((_, i) => statuses[i] !== 200);
        return pending.length === 0;
      };
      // as long as the test allows (a busy machine is slow to restart PostgreSQL and to reconnect), not a figure
      await until(redeliver, 'every event to be answered 200 on redelivery', 100_000, 500);
      expect(pending).toHaveLength(0);
      const state = await counts(database.url, 'restart');
      expect(state).toMatchObject({ fulfilments: 200, complete: 200, pro: 200, processed: 200 });
      console.log(
        `postgres restart: ${events.length} events sent, ${redeliveries} redeliveries (duplicates), outage ${outageMs} ms, ` +
          `${failedDuringOutage.length} deliveries answered 5xx/refused during it, events lost: ${200 - state.processed}, effects doubled: ${state.fulfilments - 200}`,
      );
    } finally {
      await instance.stop();
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('SIGTERM: the in-flight request finishes, new connections are refused, the process exits 0', async () => {
    const database = await createTestDatabase();
    const instance = await spawnService({ DATABASE_URL: database.url, STRIPE_WEBHOOK_SECRET: SECRET });
    try {
      const [session] = await seedSessions(database.url, 1, 'drain');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      // a slow ledger write keeps the webhook in flight while the signal arrives
      await client.query(`CREATE FUNCTION slow_ledger() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$ LANGUAGE plpgsql`);
      await client.query(`CREATE TRIGGER slow_ledger BEFORE INSERT ON fulfillments FOR EACH ROW EXECUTE FUNCTION slow_ledger()`);
      let settled = false;
      const inFlight = post(instance, completed(session.sessionId, session.userId)).finally(() => (settled = true));
      // the webhook is in flight: its transaction sits in the slow trigger
      await until(
        async () => (await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'`)).rows[0].n > 0,
        'the webhook to reach the slow ledger write',
        20_000,
      );
      await client.end();
      const exit = instance.stop('SIGTERM');
      const health = () =>
        fetch(`${instance.url}/api/health`).then(
          (r) => r.status,
          () => 0,
        );
      let during = await health();
      await until(async () => (during = await health()) === 0 || settled, 'the listener to close on SIGTERM', 10_000);
      expect(during).toBe(0);
      // ...while the in-flight request was still running
      expect(settled).toBe(false);
      expect(await inFlight).toBe(200);
      expect(await exit).toBe(0);
      expect(await counts(database.url, 'drain')).toMatchObject({ fulfilments: 1, complete: 1 });
    } finally {
      await instance.stop();
      await database.drop();
    }
  }, 60_000);
});
