/**
 * `npm run bench:usage`: `POST /api/usage/track` of the compiled service against the database-only limit of the same
 * work (per track: one idempotency row and one conditional counter update, one transaction, `pg`), in one run, taken
 * in turn. Two workloads: one user (every track waits on the same counter row) and many users. Unique idempotency keys.
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { startService } from './lib/service.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const USERS = 1000;
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };

/** What the service needs for this workload: one limited feature, far above what a run can use. */
export const USAGE_TRACK_ENV = { PLAN_LIMITS_FREE: 'ai_tokens:1000000000/month', USAGE_METER_FLUSH_SECONDS: '0' };

/** One workload's figures: the database-only limit and the service, each the mean of the rounds. */
export interface UsageTrackComparison {
  workload: string;
  /** tracks the service committed per transaction (PostgreSQL's commit count over its rounds): the group commit at work */
  tracksPerCommit: number;
  limit: LoadResult;
  service: LoadResult;
}

async function json<T>(url: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers = { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) };
  const res = await fetch(url, { ...init, headers });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** The limit: what a track must do at the least, as the service does it (the key first, then the conditional update). */
async function dbLimit(url: string, userIds: string[], seconds: number, connections = CONNECTIONS): Promise<LoadResult> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  let n = 0;
  const latencies: number[] = [];
  const until = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      const i = n++;
      const started = performance.now();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO usage_idempotency_keys (user_id, feature, key, amount) VALUES ($1, 'ai_tokens', $2, 1) ON CONFLICT DO NOTHING`, [
          userIds[i % userIds.length],
          `limit-${i}-${until}`,
        ]);
        await client.query(`UPDATE usage_counters SET used = used + 1, updated_at = now() WHERE user_id = $1 AND feature = 'ai_tokens' AND used + 1 <= 1000000000`, [
          userIds[i % userIds.length],
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      latencies.push(performance.now() - started);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - start) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
  return { requests: latencies.length, perSecond: Math.round((latencies.length / elapsed) * 10) / 10, p50Ms: at(0.5), p99Ms: at(0.99), errors: 0, non2xx: 0 };
}

/** A service key with `usage:write`, made through the admin API. */
export async function createWriteKey(serviceUrl: string, adminToken: string): Promise<string> {
  const { key } = await json<{ key: string }>(`${serviceUrl}/api/admin/api-keys`, {
    method: 'POST',
    token: adminToken,
    body: JSON.stringify({ name: 'bench', scopes: ['usage:write'] }),
  });
  return key;
}

/** `count` users made directly (registration is argon2id, not what is measured); answers their ids. */
export async function seedTrackers(url: string, count = USERS): Promise<string[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (email, password_hash) SELECT 'tracker' || g || '-' || $2 || '@bench.test', 'not-a-hash' FROM generate_series(1, $1) g RETURNING id`,
      [count, Date.now()],
    );
    return rows.map((r) => r.id);
  } finally {
    await db.end();
  }
}

/**
 * `POST /api/usage/track` against its database-only limit, taken in turn, `rounds` times each: one user (every track
 * waits on the same counter row) and all `userIds`. Unique idempotency keys. The service must run with USAGE_TRACK_ENV.
 */
export async function compareUsageTrack(options: {
  serviceUrl: string;
  databaseUrl: string;
  key: string;
  userIds: string[];
  seconds: number;
  rounds: number;
  connections: number;
}): Promise<UsageTrackComparison[]> {
  const { serviceUrl, databaseUrl, key, userIds, seconds, rounds, connections } = options;
  let seq = 0;
  const run = Date.now();
  const track = (users: string[]) => () => {
    const i = seq++;
    return {
      method: 'POST',
      path: '/api/usage/track',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `bench-${run}-${i}` },
      body: JSON.stringify({ userId: users[i % users.length], feature: 'ai_tokens', amount: 1 }),
    };
  };
  // warm both: the counter rows exist, statements are planned, the JIT has run
  await runLoad({ url: serviceUrl, connections, seconds: 3, next: track(userIds) });
  await dbLimit(databaseUrl, userIds, 2, connections);
  const comparisons: UsageTrackComparison[] = [];
  for (const [workload, users] of [
    ['one user', userIds.slice(0, 1)],
    [`${userIds.length.toLocaleString('en')} users`, userIds],
  ] as const) {
    const service: LoadResult[] = [];
    const limit: LoadResult[] = [];
    let committed = 0;
    for (let round = 0; round < rounds; round++) {
      limit.push(await dbLimit(databaseUrl, [...users], seconds, connections));
      const before = await commits(databaseUrl);
      service.push(await runLoad({ url: serviceUrl, connections, seconds, next: track([...users]) }));
      committed += (await commits(databaseUrl)) - before;
    }
    const tracked = service.reduce((n, r) => n + r.requests, 0);
    comparisons.push({ workload, limit: meanOf(limit), service: meanOf(service), tracksPerCommit: Math.round((tracked / Math.max(1, committed)) * 100) / 100 });
  }
  return comparisons;
}

/** Transactions committed in the database so far (PostgreSQL's statistics, flushed by each backend at least once a second). */
async function commits(url: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number(rows[0].n);
  } finally {
    await db.end();
  }
}

/** The mean rate and latencies of several rounds; errors and non-2xx summed. */
function meanOf(results: LoadResult[]): LoadResult {
  const mean = (f: (r: LoadResult) => number) => Math.round((results.reduce((s, r) => s + f(r), 0) / results.length) * 10) / 10;
  return {
    requests: results.reduce((n, r) => n + r.requests, 0),
    perSecond: mean((r) => r.perSecond),
    p50Ms: mean((r) => r.p50Ms),
    p99Ms: mean((r) => r.p99Ms),
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  };
}

/** The share of the limit, as the table prints it. */
export function shareOfLimit(c: UsageTrackComparison): string {
  return `${Math.round((c.service.perSecond / c.limit.perSecond) * 100)}%`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-usage-'));
  // PostgreSQL runs as its own OS user when started as root: it must reach its folder
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ dir: join(dir, 'pg'), persistent: false, database: 'bench' });
  const service = await startService(
    {
      DATABASE_URL: database.url,
      JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-bench-jwt-secret',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_RATE_LIMIT_PER_IP: '1000000',
      LOGIN_RATE_LIMIT_ALL_PER_IP: '1000000',
      LOGIN_RATE_LIMIT_ALL_PER_EMAIL: '1000000',
      DATABASE_POOL_SIZE: String(CONNECTIONS),
      STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
      ...USAGE_TRACK_ENV,
    },
    3950 + Math.floor(Math.random() * 40),
  );
  try {
    const admin = await json<{ accessToken: string }>(`${service.url}/api/auth/login`, { method: 'POST', body: JSON.stringify(ADMIN) });
    const key = await createWriteKey(service.url, admin.accessToken);
    const userIds = await seedTrackers(database.url);
    const comparisons = await compareUsageTrack({ serviceUrl: service.url, databaseUrl: database.url, key, userIds, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS });
    console.log(`usage track bench: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each, load before ${loadavg()[0].toFixed(2)}`);
    console.log('| workload | DB-only limit (tracks/s) | service (tracks/s, share of limit) | p99 limit / service | tracks per commit | failed |');
    console.log('| --- | ---: | ---: | --- | ---: | ---: |');
    for (const c of comparisons) {
      console.log(
        `| ${c.workload} | ${c.limit.perSecond} | ${c.service.perSecond} (${shareOfLimit(c)}) | ${c.limit.p99Ms} / ${c.service.p99Ms} ms | ${c.tracksPerCommit} | ${c.service.errors + c.service.non2xx} |`,
      );
    }
  } finally {
    await service.stop();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// run as `node dist/bench/usage-track.js`; bench/run.ts imports its pieces
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
