/**
 * `npm run bench`: starts PostgreSQL and the compiled service in production mode, drives each workload
 * for a fixed time, measures the database-only limit of the webhook work, checks the final state, and
 * writes bench/results.json and bench/RESULTS.md.
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { ARGON2_PARAMS } from '../src/auth/password.service.js';
import type { AppConfig } from '../src/config/app-config.js';
import { PlanCatalogueService } from '../src/entitlements/plan-catalogue.service.js';
import { runDbLimit, warmDbLimit } from './lib/db-limit.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { heapUsedMiB, startService, type BenchService, type ProcessUsage } from './lib/service.js';
import { startPeer } from './lib/peer.js';
import { completedDelivery, type SignedDelivery } from './lib/webhook-events.js';
import { startCheckoutBackend } from './lib/checkout-backend.js';
import { compareUsageTrack, createWriteKey, seedTrackers, shareOfLimit, USAGE_TRACK_ENV, type UsageTrackComparison } from './usage-track.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** the limit, the service and the peer are measured in turn this many times, SECONDS each */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
/** the growth run: this many events already in the inbox, for this long */
const INBOX_EVENTS = Number(process.env.BENCH_INBOX_EVENTS ?? 1_000_000);
const GROWTH_SECONDS = Number(process.env.BENCH_GROWTH_SECONDS ?? 60);
const ADMIN_ROWS = Number(process.env.BENCH_ADMIN_ROWS ?? 1_000_000);
const WEBHOOK_SESSIONS = Number(process.env.BENCH_WEBHOOK_SESSIONS ?? 300_000);
/** `BENCH_ONLY=webhooks`: only the webhook comparison (limit, service, peer) and its check, printed, no files */
const WEBHOOKS_ONLY = process.env.BENCH_ONLY === 'webhooks';
const SECRET = 'whsec_bench_secret_0123456789abcdef';
const PEER_VERSION = ((): string => {
  try {
    return (JSON.parse(readFileSync('node_modules/@supabase/stripe-sync-engine/package.json', 'utf8')) as { version: string }).version;
  } catch {
    return '(not installed)';
  }
})();
/** other work on the machine shows here: numbers taken while it is high are noisy */
const LOAD_BEFORE = loadavg()
  .map((l) => l.toFixed(2))
  .join(', ');
const PRICE = 'price_bench_pro_monthly';
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };

interface Row {
  workload: string;
  result: LoadResult | null;
  note: string;
}

async function seedWebhookSessions(db: pg.Client): Promise<void> {
  await db.query(
    `INSERT INTO users (email, password_hash, stripe_customer_id)
     SELECT 'payer' || g || '@bench.test', 'not-a-hash', 'cus_' || lpad(g::text, 20, '0') FROM generate_series(1, $1) g`,
    [WEBHOOK_SESSIONS],
  );
  await db.query(
    `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, status, payment_status, url, created_at)
     SELECT 'cs_test_bench_' || lpad(g::text, 20, '0'), u.id, 'subscription', 'pro', 'month', $1, 'open', 'unpaid', 'https://checkout.stripe.com/x', now() - interval '2 years'
     FROM generate_series(1, $2) g JOIN users u ON u.email = 'payer' || g || '@bench.test'`,
    [PRICE, WEBHOOK_SESSIONS],
  );
}

/** 1,000,000 sessions spread over a year, 50,000 users, every status, mode and payment status. */
async function seedAdminSessions(db: pg.Client): Promise<void> {
  await db.query(`INSERT INTO users (email, password_hash) SELECT 'member' || g || '@bench.test', 'not-a-hash' FROM generate_series(1, 50000) g`);
  await db.query(
    `WITH members AS (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE email LIKE 'member%@bench.test')
     INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, status, payment_status, amount_total, currency, created_at)
     SELECT 'cs_test_seed_' || g,
            m.id,
            -- the mode independent of the status below (g / 4, not g), so that every filter set finds rows, as in a real history
            CASE WHEN (g / 4) % 4 = 0 THEN 'payment' ELSE 'subscription' END, 'pro', 'month',
            CASE WHEN g % 3 = 0 THEN 'price_yearly' ELSE $1 END,
            (ARRAY['open','complete','complete','expired'])[1 + g % 4],
            (ARRAY['unpaid','paid','paid','unpaid'])[1 + g % 4],
            2000, 'usd', now() - (g || ' seconds')::interval * 31
     FROM generate_series(1, $2) g JOIN members m ON m.n = 1 + g % 50000`,
    [PRICE, ADMIN_ROWS],
  );
  // a table of a million rows in service has been vacuumed: hint bits set, visibility map and statistics current, and
  // no autovacuum of the bulk load running beside the measurement
  await db.query('VACUUM (ANALYZE) checkout_sessions, users');
  await db.query('CHECKPOINT');
}

/** `fresh().body`'s event with its ids replaced, stored as processed: an inbox of `INBOX_EVENTS` past events over 80 days. */
async function seedInbox(db: pg.Client, template: string): Promise<void> {
  const event = JSON.parse(template) as { id: string; data: { object: { id: string } } };
  const batch = 100_000;
  for (let from = 1; from <= INBOX_EVENTS; from += batch) {
    await db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, api_version, object_id, payload, source, status, attempts, received_at, processed_at)
       SELECT 'evt_seed_' || g, 'checkout.session.completed', t, false, '2026-10-28.endive', 'cs_seed_' || g,
              replace(replace($1, $2, 'evt_seed_' || g), $3, 'cs_seed_' || g)::jsonb, 'webhook', 'processed', 1, t, t
       FROM generate_series($4::int, $5::int) g, LATERAL (SELECT now() - interval '80 days' * (g::float / $6)) AS a(t)`,
      [template, event.id, event.data.object.id, from, Math.min(INBOX_EVENTS, from + batch - 1), INBOX_EVENTS],
    );
  }
}

/** The catalogue the benchmark configures, for the database-only limit's statements. */
function benchPlans(): PlanCatalogueService {
  return new PlanCatalogueService({
    billing: { catalogue: [{ plan: 'pro', interval: 'month', priceId: PRICE, mode: 'subscription' }], planRank: ['pro'] },
  } as unknown as AppConfig);
}

/** The machine's busy and total CPU time so far (/proc/stat, clock ticks). */
function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = values.map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU time (user + system, ms) of one PostgreSQL instance: its postmaster (with its exited children) and its live processes. */
function postgresCpuMs(dataDir: string): number {
  const postmaster = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0].trim();
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      if (pid !== postmaster && fields[1] !== postmaster) continue;
      ticks += Number(fields[11]) + Number(fields[12]) + (pid === postmaster ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch {
      // the process ended while being read
    }
  }
  return ticks * 10;
}

/**
 * CPU per event over the slices it measures (`measure`, as often as needed): of one process, of PostgreSQL, of this
 * load generator, and the whole machine's share.
 */
function usageMeter(process: ProcessUsage | null, postgresDir: string) {
  const read = () => {
    const self = globalThis.process.cpuUsage();
    return { cpu: process?.cpuMs() ?? 0, postgres: postgresCpuMs(postgresDir), self: (self.user + self.system) / 1000, machine: machineTicks() };
  };
  const sum = { cpu: 0, postgres: 0, self: 0, busy: 0, total: 0 };
  return {
    async measure<T>(run: () => Promise<T>): Promise<T> {
      const before = read();
      try {
        return await run();
      } finally {
        const after = read();
        sum.cpu += after.cpu - before.cpu;
        sum.postgres += after.postgres - before.postgres;
        sum.self += after.self - before.self;
        sum.busy += after.machine.busy - before.machine.busy;
        sum.total += after.machine.total - before.machine.total;
      }
    },
    done(events: number) {
      const per = (ms: number) => Math.round((events ? ms / events : 0) * 100) / 100;
      const [cpuMsPerEvent, postgresMsPerEvent, loadMsPerEvent] = [per(sum.cpu), per(sum.postgres), per(sum.self)];
      const busy = sum.busy / Math.max(1, sum.total);
      return {
        cpuMsPerEvent,
        postgresMsPerEvent,
        loadMsPerEvent,
        machineBusy: Math.round(busy * 1000) / 10,
        note: `CPU per event: ${cpuMsPerEvent.toFixed(2)} ms in its process, ${postgresMsPerEvent.toFixed(2)} ms in PostgreSQL, ${loadMsPerEvent.toFixed(2)} ms in the load generator; machine ${(busy * 100).toFixed(0)}% busy`,
      };
    },
  };
}

/**
 * One workload measured in several slices, taken in turn with the others (this machine's speed drifts within
 * minutes): the rate over all of them, the median of their p50s and the worst of their p99s.
 */
function combined(slices: LoadResult[]): LoadResult {
  const requests = slices.reduce((n, r) => n + r.requests, 0);
  const seconds = slices.reduce((n, r) => n + (r.perSecond ? r.requests / r.perSecond : 0), 0);
  const p50s = slices.map((r) => r.p50Ms).sort((a, b) => a - b);
  return {
    requests,
    perSecond: Math.round((requests / Math.max(seconds, 1e-9)) * 10) / 10,
    p50Ms: p50s[Math.floor((p50s.length - 1) / 2)],
    p99Ms: Math.max(...slices.map((r) => r.p99Ms)),
    errors: slices.reduce((n, r) => n + r.errors, 0),
    non2xx: slices.reduce((n, r) => n + r.non2xx, 0),
  };
}

const rates = (slices: LoadResult[]) => `slices ${slices.map((r) => r.perSecond).join(', ')}/s`;

async function json<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Transactions committed in the connected database so far. */
async function commits(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0].n);
}

function cycle<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'checkout-bench-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as its own OS user under root
  const database = await startEmbeddedPostgres({ dir: join(dir, 'pg'), persistent: false, database: 'bench' });
  const checkout = await startCheckoutBackend({ priceId: PRICE, webhookSecret: SECRET });
  const port = 3900 + Math.floor(Math.random() * 50);
  const service = await startService(
    {
      DATABASE_URL: database.url,
      JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-bench-jwt-secret',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_PRICE_PRO_MONTHLY: PRICE,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      // the bench measures capacity: the per-client throttles (docs/security.md) would answer 429 instead
      LOGIN_RATE_LIMIT_PER_IP: '1000000',
      LOGIN_RATE_LIMIT_PER_EMAIL: '1000000',
      LOGIN_RATE_LIMIT_ALL_PER_IP: '1000000',
      LOGIN_RATE_LIMIT_ALL_PER_EMAIL: '1000000',
      REGISTER_RATE_LIMIT_PER_IP: '1000000',
      CHECKOUT_RATE_LIMIT_PER_USER: '1000000',
      DATABASE_POOL_SIZE: String(CONNECTIONS),
      STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
      ...USAGE_TRACK_ENV,
      ...checkout.env,
    },
    port,
  );
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const rows: Row[] = [];
  try {
    process.stdout.write('seeding…\n');
    await seedWebhookSessions(db);
    await db.query('ANALYZE');

    // 1 and 2: webhook ingest, unique events then 30% duplicates, for seeded open sessions
    let nextSession = 1;
    const sessionOf = (n: number) => `cs_test_bench_${String(n).padStart(20, '0')}`;
    const userIds = new Map<string, string>(
      (
        (await db.query(`SELECT stripe_session_id, user_id FROM checkout_sessions WHERE stripe_session_id LIKE 'cs_test_bench_%'`)).rows as Array<{
          stripe_session_id: string;
          user_id: string;
        }>
      ).map((r) => [r.stripe_session_id, r.user_id]),
    );
    const fresh = (): SignedDelivery => {
      const id = sessionOf(nextSession++);
      return completedDelivery(id, userIds.get(id)!, SECRET);
    };
    const sent: SignedDelivery[] = [];
    const recorded = (): SignedDelivery => {
      const d = fresh();
      sent.push(d);
      return d;
    };
    const post = (d: SignedDelivery) => ({
      method: 'POST',
      path: '/api/webhooks/stripe',
      headers: { 'content-type': 'application/json', 'stripe-signature': d.signature },
      body: d.body,
    });
    await db.query('CHECKPOINT');
    const limitWork = () => {
      const d = recorded();
      return { eventId: d.eventId, sessionId: d.sessionId, payload: d.body };
    };
    // the peer: @supabase/stripe-sync-engine on a fresh PostgreSQL of the same version, same events, same load
    const peerDatabase = await startEmbeddedPostgres({ dir: join(dir, 'peer-pg'), persistent: false, database: 'peer' });
    let peer: BenchService | null = null;
    let peerError = '';
    // a second try on another port: once in a run, the peer started but never answered its health check for 60 s
    for (let attempt = 1; attempt <= 2 && !peer; attempt++) {
      try {
        peer = await startPeer({ DATABASE_URL: peerDatabase.url, STRIPE_WEBHOOK_SECRET: SECRET, POOL_SIZE: String(CONNECTIONS) }, await freePort());
        peerError = '';
      } catch (error) {
        peerError = String(error).slice(0, 200);
        process.stdout.write(`the peer did not start (try ${attempt} of 2): ${peerError}\n`);
      }
    }
    const limitSlices: LoadResult[] = [];
    const uniqueSlices: LoadResult[] = [];
    const peerSlices: LoadResult[] = [];
    const limitUsage = usageMeter(null, join(dir, 'pg'));
    const uniqueUsage = usageMeter(service, join(dir, 'pg'));
    const peerUsage = usageMeter(peer, join(dir, 'peer-pg'));
    let uniqueCommits = 0;
    let uniqueMemory = { rss: 0, heap: 0 };
    try {
      // warm-ups (plans, JIT, pools), not measured
      await warmDbLimit(database.url, CONNECTIONS, 2, limitWork, benchPlans());
      await runLoad({ url: service.url, connections: CONNECTIONS, seconds: 2, next: () => post(recorded()) });
      if (peer) await runLoad({ url: peer.url, connections: CONNECTIONS, seconds: 2, next: () => post(fresh()) });
      uniqueMemory = { rss: service.rssMiB(), heap: await heapUsedMiB(service.url) };
      // the three in turn, ROUNDS times, so that a drift of the machine's speed falls on each alike
      for (let round = 1; round <= ROUNDS; round++) {
        process.stdout.write(`round ${round} of ${ROUNDS}: database-only limit, webhook ingest, peer…\n`);
        const slice = await limitUsage.measure(() => runDbLimit(database.url, CONNECTIONS, SECONDS, limitWork, benchPlans()));
        limitSlices.push({ ...slice, requests: slice.transactions, errors: 0, non2xx: 0 });
        const commitsBefore = await commits(db);
        uniqueSlices.push(await uniqueUsage.measure(() => runLoad({ url: service.url, connections: CONNECTIONS, seconds: SECONDS, next: () => post(recorded()) })));
        // stats reach pg_stat_database within a second or so of each commit
        await new Promise((resolve) => setTimeout(resolve, 1500));
        uniqueCommits += (await commits(db)) - commitsBefore;
        if (peer && !peerError) {
          const url = peer.url;
          try {
            peerSlices.push(await peerUsage.measure(() => runLoad({ url, connections: CONNECTIONS, seconds: SECONDS, next: () => post(fresh()) })));
          } catch (error) {
            // the peer is a comparison: its failure is reported in its row, and the service's run goes on
            peerError = String(error).slice(0, 200);
          }
        }
      }
    } finally {
      await peer?.stop();
      await peerDatabase.stop();
    }
    const limitAll = combined(limitSlices);
    const limit = { transactions: limitAll.requests, perSecond: limitAll.perSecond, p50Ms: limitAll.p50Ms, p99Ms: limitAll.p99Ms };
    const limitCpu = limitUsage.done(limit.transactions);
    const unique = combined(uniqueSlices);
    const uniqueCpu = uniqueUsage.done(unique.requests);
    const uniqueMemoryEnd = { rss: service.rssMiB(), heap: await heapUsedMiB(service.url), kept: WEBHOOKS_ONLY ? await heapKeptOrNaN(service) : NaN };
    const eventsPerCommit = unique.requests / Math.max(1, uniqueCommits);
    rows.push({
      workload: 'webhook ingest, unique events',
      result: unique,
      note: `${CONNECTIONS} connections; ${rates(uniqueSlices)}; ${uniqueCpu.note}; ${eventsPerCommit.toFixed(2)} events per transaction (group commit); RSS ${uniqueMemory.rss} → ${uniqueMemoryEnd.rss} MiB, V8 heap in use ${uniqueMemory.heap} → ${uniqueMemoryEnd.heap} MiB${WEBHOOKS_ONLY ? ` (${uniqueMemoryEnd.kept} MiB after a full GC)` : ''}`,
    });
    const peerAll = combined(peerSlices);
    const peerRow: Row =
      peer && !peerError
        ? {
            workload: `peer: @supabase/stripe-sync-engine ${PEER_VERSION}, unique events`,
            result: peerAll,
            note: `${CONNECTIONS} connections; ${rates(peerSlices)}; ${peerUsage.done(peerAll.requests).note}`,
          }
        : { workload: '@supabase/stripe-sync-engine, unique events', result: null, note: `could not run: ${peerError}` };

    const withDuplicates = await runLoad({
      url: service.url,
      connections: CONNECTIONS,
      seconds: SECONDS,
      next: () => {
        if (sent.length && Math.random() < 0.3) return post(sent[Math.floor(Math.random() * sent.length)]);
        return post(recorded());
      },
    });
    rows.push({ workload: 'webhook ingest, 30% duplicates', result: withDuplicates, note: 'duplicates answered 200, no effect' });

    // correctness: Stripe redelivers what was cut off or failed, so every event sent is delivered once more
    // (a duplicate for most), then every unique event must have been applied exactly once
    const redelivery = await runLoad({ url: service.url, connections: CONNECTIONS, amount: sent.length, next: cycle(sent.map(post)) });
    const uniqueSent = new Set(sent.map((d) => d.sessionId)).size;
    const { rows: check } = await db.query<{ fulfillments: number; complete: number; processed: number; pro: number }>(
      `SELECT (SELECT count(*)::int FROM fulfillments) AS fulfillments,
              (SELECT count(*)::int FROM checkout_sessions WHERE stripe_session_id LIKE 'cs_test_bench_%' AND status = 'complete') AS complete,
              (SELECT count(*)::int FROM stripe_events WHERE status = 'processed') AS processed,
              (SELECT count(*)::int FROM users WHERE email LIKE 'payer%' AND plan = 'pro') AS pro`,
    );
    const verified = redelivery.non2xx === 0 && redelivery.errors === 0 && check[0].fulfillments === uniqueSent && check[0].complete === uniqueSent && check[0].pro === uniqueSent;
    rows.push(peerRow);
    if (WEBHOOKS_ONLY) {
      process.stdout.write(`${JSON.stringify({ limit, limitCpu, rows, check: check[0], uniqueSent, verified }, null, 2)}\n`);
      return;
    }

    process.stdout.write('seeding the admin sessions…\n');
    await seedAdminSessions(db);

    // 3: checkout sessions against the local Stripe server
    const admin = await json<{ accessToken: string }>(`${service.url}/api/auth/login`, { method: 'POST', body: JSON.stringify(ADMIN) });
    const buyer = await json<{ accessToken: string }>(`${service.url}/api/auth/register`, {
      method: 'POST',
      body: JSON.stringify({ email: 'buyer@bench.test', password: 'bench-password-1' }),
    });
    // buyers, each with one checkout at a time (the service serialises a user's checkouts): the first makes the
    // session in Stripe, the next ones are answered the same open session
    const buyers = [buyer.accessToken];
    for (let i = 1; i < 64; i++) {
      const { accessToken } = await json<{ accessToken: string }>(`${service.url}/api/auth/register`, {
        method: 'POST',
        body: JSON.stringify({ email: `buyer${i}@bench.test`, password: 'bench-password-1' }),
      });
      buyers.push(accessToken);
    }
    const nextBuyer = cycle(buyers);
    if (checkout.available) {
      const checkoutLoad = await runLoad({
        url: service.url,
        connections: CONNECTIONS,
        seconds: SECONDS,
        next: () => ({
          method: 'POST',
          path: '/api/billing/checkout-sessions',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${nextBuyer()}` },
          body: JSON.stringify({ plan: 'pro', interval: 'month' }),
        }),
      });
      rows.push({ workload: 'POST /api/billing/checkout-sessions', result: checkoutLoad, note: `${checkout.note}; ${buyers.length} buyers in turn` });
    } else {
      rows.push({ workload: 'POST /api/billing/checkout-sessions', result: null, note: checkout.note });
    }

    // 4: admin list with filters and cursor pages over 1,000,000 sessions
    const auth = { authorization: `Bearer ${admin.accessToken}` };
    const [{ id: someUser, email: someEmail }] = (await db.query<{ id: string; email: string }>(`SELECT id, email FROM users WHERE email = 'member777@bench.test'`)).rows;
    const filters = [
      'status=complete',
      'paymentStatus=paid&mode=subscription',
      `userId=${someUser}`,
      `email=${encodeURIComponent(someEmail)}`,
      `priceId=${PRICE}&status=open`,
      `from=${new Date(Date.now() - 90 * 86400_000).toISOString()}&to=${new Date(Date.now() - 30 * 86400_000).toISOString()}`,
      'mode=payment&status=complete',
    ];
    const paths: string[] = [];
    for (const filter of filters) {
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const path: string = `/api/admin/checkout-sessions?limit=20&${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        paths.push(path);
        const body: { nextCursor: string | null } = await json(`${service.url}${path}`, { headers: auth });
        cursor = body.nextCursor;
        if (!cursor) break;
      }
    }
    const nextPath = cycle(paths);
    // an admin dashboard, not a crowd: a few concurrent readers
    const adminList = await runLoad({ url: service.url, connections: 4, seconds: SECONDS, next: () => ({ method: 'GET', path: nextPath(), headers: auth }) });
    rows.push({
      workload: 'GET /api/admin/checkout-sessions (filters, cursor pages)',
      result: adminList,
      note: `4 connections; ${filters.length} filter sets × 5 pages; ${ADMIN_ROWS.toLocaleString('en')} + ${WEBHOOK_SESSIONS.toLocaleString('en')} sessions`,
    });
    // the same reads while Stripe's webhooks arrive (4 more connections of fresh checkout.session.completed events)
    const [adminBusy, webhooksBeside] = await Promise.all([
      runLoad({ url: service.url, connections: 4, seconds: SECONDS, next: () => ({ method: 'GET', path: nextPath(), headers: auth }) }),
      runLoad({ url: service.url, connections: 4, seconds: SECONDS, next: () => post(fresh()) }),
    ]);
    rows.push({
      workload: 'GET /api/admin/checkout-sessions while webhooks arrive',
      result: adminBusy,
      note: `4 connections beside 4 of webhook ingest (${webhooksBeside.perSecond} events/s, p99 ${webhooksBeside.p99Ms} ms, ${webhooksBeside.errors} errors)`,
    });

    // 5: login, bound by argon2id
    const login = await runLoad({
      url: service.url,
      connections: 4,
      seconds: SECONDS,
      next: () => ({
        method: 'POST',
        path: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'buyer@bench.test', password: 'bench-password-1' }),
      }),
    });
    rows.push({ workload: 'POST /api/auth/login', result: login, note: `argon2id m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism}` });

    // 6: POST /api/usage/track beside its database-only limit (bench/usage-track.ts), one user and 1,000 users
    const usageTrack: UsageTrackComparison[] = await compareUsageTrack({
      serviceUrl: service.url,
      databaseUrl: database.url,
      key: await createWriteKey(service.url, admin.accessToken),
      userIds: await seedTrackers(database.url),
      seconds: SECONDS,
      rounds: Math.min(ROUNDS, 2),
      connections: CONNECTIONS,
    });
    for (const c of usageTrack) {
      rows.push({
        workload: `POST /api/usage/track, ${c.workload}`,
        result: c.service,
        note: `${CONNECTIONS} connections, unique Idempotency-Keys; ${c.tracksPerCommit} tracks per commit; ${shareOfLimit(c)} of its database-only limit (${c.limit.perSecond}/s, p99 ${c.limit.p99Ms} ms: one key row and one conditional update per transaction, pg)`,
      });
      rows.push({ workload: `database-only limit of a track, ${c.workload}`, result: c.limit, note: `${CONNECTIONS} connections, pg, one transaction per track` });
    }

    // cost as the work grows: the same webhook workload with a full inbox and 1.3 M sessions, for longer
    process.stdout.write(`seeding ${INBOX_EVENTS.toLocaleString('en')} inbox events…\n`);
    await seedInbox(db, fresh().body);
    await db.query('ANALYZE');
    await db.query('CHECKPOINT');
    const grown: SignedDelivery[] = [];
    await runLoad({ url: service.url, connections: CONNECTIONS, seconds: 2, next: () => post(fresh()) });
    const rssStart = service.rssMiB();
    const heapStart = await heapUsedMiB(service.url);
    const growthUsage = usageMeter(service, join(dir, 'pg'));
    const growth = await growthUsage.measure(() =>
      runLoad({
        url: service.url,
        connections: CONNECTIONS,
        seconds: GROWTH_SECONDS,
        next: () => {
          const d = fresh();
          grown.push(d);
          return post(d);
        },
      }),
    );
    const growthCpu = growthUsage.done(growth.requests);
    const rssEnd = service.rssMiB();
    const heapEnd = await heapUsedMiB(service.url);
    // the peak before the heap snapshot below, which needs memory of its own
    const peakRss = service.peakRssMiB();
    const heapKept = await heapKeptOrNaN(service);
    const { rows: inbox } = await db.query<{ events: number; sessions: number }>(
      `SELECT (SELECT count(*)::int FROM stripe_events) AS events, (SELECT count(*)::int FROM checkout_sessions) AS sessions`,
    );
    rows.push({
      workload: 'webhook ingest, unique events, full inbox',
      result: growth,
      note: `${CONNECTIONS} connections, ${GROWTH_SECONDS} s; ${inbox[0].events.toLocaleString('en')} events in the inbox, ${inbox[0].sessions.toLocaleString('en')} sessions at the end; RSS ${rssStart} → ${rssEnd} MiB, V8 heap in use ${heapStart} → ${heapEnd} MiB (${heapKept} MiB after a full GC); ${growthCpu.note}`,
    });
    const { rows: grownCheck } = await db.query<{ fulfilled: number }>(
      `SELECT count(*)::int AS fulfilled FROM fulfillments f JOIN checkout_sessions s ON s.id = f.checkout_session_id WHERE s.stripe_session_id = ANY($1)`,
      [grown.map((d) => d.sessionId)],
    );
    const grownOk = growth.non2xx === 0 && growth.errors === 0 && grownCheck[0].fulfilled === grown.length;

    const ratio = unique.perSecond / limit.perSecond;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
    const results = {
      date: new Date().toISOString(),
      machine,
      secondsPerWorkload: SECONDS,
      connections: CONNECTIONS,
      rows,
      dbLimit: limit,
      webhookToLimitRatio: ratio,
      usageTrack: usageTrack.map((c) => ({ workload: c.workload, limit: c.limit, service: c.service, toLimitRatio: c.service.perSecond / c.limit.perSecond })),
      peerToLimitRatio: peerRow.result ? peerRow.result.perSecond / limit.perSecond : null,
      growthToEmptyRatio: growth.perSecond / unique.perSecond,
      rssMiB: { growthStart: rssStart, growthEnd: rssEnd },
      heapUsedMiB: { growthStart: heapStart, growthEnd: heapEnd, growthEndAfterFullGc: heapKept },
      peakRssMiB: peakRss,
      cpu: { unique: uniqueCpu, growth: growthCpu },
      verified: { ...check[0], uniqueSent, ok: verified, growth: { sent: grown.length, fulfilled: grownCheck[0].fulfilled, ok: grownOk } },
    };
    writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
    const table = [
      '| workload | requests/s | p50 ms | p99 ms | errors / non-2xx | note |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...rows.map((r) =>
        r.result
          ? `| ${r.workload} | ${r.result.perSecond} | ${r.result.p50Ms} | ${r.result.p99Ms} | ${r.result.errors} / ${r.result.non2xx} | ${r.note} |`
          : `| ${r.workload} | – | – | – | – | ${r.note} |`,
      ),
      `| database-only limit of the webhook work (pg, same statements) | ${limit.perSecond} | ${limit.p50Ms} | ${limit.p99Ms} | – | ${CONNECTIONS} connections; ${rates(limitSlices)}; ${limitCpu.note} |`,
    ].join('\n');
    const ofLimit = (r: LoadResult | null) => (r ? `${((r.perSecond / limit.perSecond) * 100).toFixed(0)}%` : '–');
    const comparison = [
      '| webhook ingest, unique `checkout.session.completed` | events/s | p50 ms | p99 ms | of the limit |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| database-only limit (the service's statements, pg) | ${limit.perSecond} | ${limit.p50Ms} | ${limit.p99Ms} | 100% |`,
      `| this service | ${unique.perSecond} | ${unique.p50Ms} | ${unique.p99Ms} | ${ofLimit(unique)} |`,
      peerRow.result
        ? `| ${peerRow.workload.replace(', unique events', '').replace('peer: ', '')} | ${peerRow.result.perSecond} | ${peerRow.result.p50Ms} | ${peerRow.result.p99Ms} | ${ofLimit(peerRow.result)} |`
        : `| peer | – | – | – | ${peerRow.note} |`,
      `| this service, full inbox (${GROWTH_SECONDS} s) | ${growth.perSecond} | ${growth.p50Ms} | ${growth.p99Ms} | ${ofLimit(growth)} |`,
    ].join('\n');
    const summary =
      `# Benchmark results\n\n${results.date} on ${machine}; ${SECONDS} s per workload; load average before the run ${LOAD_BEFORE}.\n\n${comparison}\n\n${table}\n\n` +
      `- Webhook ingest reaches **${(ratio * 100).toFixed(0)}%** of the database-only rate; with ${INBOX_EVENTS.toLocaleString('en')} more events in the inbox, ${((results.growthToEmptyRatio - 1) * 100).toFixed(1)}% against the empty run.\n` +
      `- RSS of the service at the start and end of the ${GROWTH_SECONDS} s run: ${rssStart} → ${rssEnd} MiB; peak **${peakRss} MiB**; V8 heap in use ${heapStart} → ${heapEnd} MiB, ${heapKept} MiB after a full GC.\n` +
      `- Final state: ${uniqueSent} unique sessions paid, ${check[0].fulfillments} fulfilments, ${check[0].complete} sessions complete, ${check[0].pro} users on pro: ${verified ? 'every unique event applied exactly once' : 'MISMATCH'}; full-inbox run: ${grownCheck[0].fulfilled} of ${grown.length} fulfilled once${grownOk ? '' : ' (MISMATCH)'}.\n`;
    writeFileSync('bench/RESULTS.md', summary);
    process.stdout.write(`\n${summary}`);
    if (!verified || !grownOk) process.exitCode = 1;
  } finally {
    await db.end();
    await service.stop();
    await checkout.stop();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/** The heap after a full collection, or NaN when the snapshot fails (it needs memory and time of its own): the rates stand without it. */
async function heapKeptOrNaN(service: { heapAfterFullGcMiB(): Promise<number> }): Promise<number> {
  return service.heapAfterFullGcMiB().catch((error: unknown) => {
    console.error(`heap after a full GC not measured: ${String(error)}`);
    return NaN;
  });
}
