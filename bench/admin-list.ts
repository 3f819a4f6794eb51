/**
 * p95 latency of GET /api/admin/checkout-sessions with filters and cursor pages, over HTTP against the
 * compiled service (`node dist/main.js`), on a database seeded by scripts/seed-sessions.ts:
 *   npm run seed:sessions -- --sessions 1000000
 *   npm run build && node dist/bench/admin-list.js [--rounds 40] [--connections 2] [--explain]
 *   node dist/bench/admin-list.js --connections 4 --autocannon 10   (npm run bench's load generator, for 10 s)
 * Uses DATABASE_URL, or else starts the embedded PostgreSQL of DATA_DIR (default ./.data) that the seed filled,
 * and runs the service against it in production mode. Not part of npm test.
 * Prints p50/p95/p99 overall and per filter set, the service's CPU time per request (less noisy than latency on a
 * shared machine) and the load average. `--explain` then prints EXPLAIN (ANALYZE, BUFFERS) of the very statement
 * the service runs (sessionListStatement) for every request timed, first and cursor pages; `--rounds 0` only explains;
 * `--explain --generic` explains the generic plan a connection's prepared statement reuses.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { sessionListStatement, type SessionListFilters } from '../src/admin/checkout-session-list.sql.js';
import { parseRange } from '../src/admin/keyset.js';
import { decodeCursor } from '../src/common/pagination/cursor.js';
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runLoad } from './lib/load.js';
import { startService } from './lib/service.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (ms: number) => Math.round(ms * 10) / 10;

/** CPU time the whole machine has spent busy (all cores, everything but idle and iowait), in milliseconds. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: 100 ticks a second
  return (ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3] - ticks[4]) * 10;
}

/** The filters the service builds from a request's query string (validation aside: the bench's are valid). */
function filtersOf(path: string): SessionListFilters {
  const params = Object.fromEntries(new URL(path, 'http://bench').searchParams) as Record<string, string | undefined>;
  const { from, to } = parseRange(params.from, params.to);
  const cursor = params.cursor ? decodeCursor(params.cursor) : null;
  return { ...params, from, to, cursor, limit: params.limit ? Number(params.limit) : 20 };
}

/** A value of the statement's as an SQL literal, for EXECUTE (the bench's values are strings, dates and numbers). */
function literal(client: pg.Client, value: unknown): string {
  return client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value));
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of each request's statement, run once before to warm the cache as the timed runs did.
 * The service runs it as a named prepared statement, which PostgreSQL plans generically after five executions when
 * that plan costs no more than the custom ones: with `generic`, the statement is PREPAREd and explained under
 * `plan_cache_mode = force_generic_plan`, the plan a connection would reuse.
 */
async function explain(databaseUrl: string, requests: Array<{ path: string }>, generic: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if (generic) await client.query('SET plan_cache_mode = force_generic_plan');
    for (const { path } of requests) {
      // the plan names matter to `unmapped` only, which the bench does not time
      const { text, values } = sessionListStatement(filtersOf(path), ['pro', 'lifetime']);
      await client.query(text, values);
      let explained = `EXPLAIN (ANALYZE, BUFFERS) ${text}`;
      if (generic) {
        await client.query(`PREPARE bench_list AS ${text}`);
        explained = `EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_list${values.length ? `(${values.map((v) => literal(client, v)).join(', ')})` : ''}`;
      }
      const plan = await client.query<{ 'QUERY PLAN': string }>(explained, generic ? [] : values);
      if (generic) await client.query('DEALLOCATE bench_list');
      console.log(`\n--- ${path}${generic ? ' (generic plan)' : ''}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 40);
  const connections = arg('connections', 2);
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dir: join(resolve(process.env.DATA_DIR ?? '.data'), 'postgres') });
  const databaseUrl = process.env.DATABASE_URL ?? embedded!.url;
  const admin = { email: 'bench-admin@example.com', password: randomBytes(12).toString('hex') };
  const service = await startService(
    { DATABASE_URL: databaseUrl, JWT_SECRET: randomBytes(32).toString('hex'), ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, STRIPE_RECOVERY_INTERVAL_SECONDS: '0' },
    await freePort(),
    120_000,
  ).catch(async (error: unknown) => {
    await embedded?.stop();
    throw error;
  });
  const url = service.url;
  try {
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const headers = { authorization: `Bearer ${accessToken}` };
    const getJson = async (path: string) => {
      const res = await fetch(`${url}${path}`, { headers });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ items: Array<{ id: string; email?: string; userId?: string }>; nextCursor: string | null }>;
    };

    const someSession = (await getJson('/api/admin/checkout-sessions?limit=1&status=complete&mode=subscription')).items[0];
    if (!someSession?.userId) throw new Error('no seeded sessions: run npm run seed:sessions first');
    const someUser = (await fetch(`${url}/api/admin/users/${someSession.userId}`, { headers }).then((r) => r.json())) as { email: string };
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const halfYearAgo = new Date(Date.now() - 182 * 86_400_000).toISOString();
    const combos = [
      '',
      'status=complete',
      'status=open',
      'paymentStatus=paid&mode=subscription',
      'mode=setup',
      'priceId=price_seed_pro_yearly',
      `userId=${someSession.userId}`,
      `email=${encodeURIComponent(someUser.email.toUpperCase())}`,
      `from=${halfYearAgo}&to=${monthAgo}`,
      `status=expired&from=${halfYearAgo}`,
      'status=complete&paymentStatus=paid&mode=payment&limit=100',
    ];
    // first page and two cursor pages of each combination
    const requests: Array<{ combo: string; path: string }> = [];
    for (const combo of combos) {
      let path = `/api/admin/checkout-sessions?${combo}`;
      for (let page = 0; page < 3; page += 1) {
        requests.push({ combo, path });
        const body = await getJson(path);
        if (!body.nextCursor) break;
        path = `/api/admin/checkout-sessions?${combo}${combo ? '&' : ''}cursor=${body.nextCursor}`;
      }
    }
    const autocannonSeconds = arg('autocannon', 0);
    if (autocannonSeconds > 0) {
      // the load generator of `npm run bench`'s admin row (far less client CPU than fetch): aggregate figures only
      let turn = 0;
      const nextRequest = () => ({ method: 'GET', path: requests[turn++ % requests.length].path, headers });
      await runLoad({ url, connections, seconds: 3, next: nextRequest });
      const [cpu, machine, load] = [service.cpuMs(), machineBusyMs(), loadavg()[0]];
      const result = await runLoad({ url, connections, seconds: autocannonSeconds, next: nextRequest });
      const perRequest = (ms: number) => round(ms / result.requests);
      const machineMs = perRequest(machineBusyMs() - machine);
      const serviceMs = perRequest(service.cpuMs() - cpu);
      console.log(JSON.stringify({ load: 'autocannon', connections, ...result, cpuMsPerRequest: { machine: machineMs, service: serviceMs }, load1m: round(load) }));
      return;
    }
    const latencies = new Map<string, number[]>();
    const loadBefore = loadavg()[0];
    const cpuBefore = service.cpuMs();
    const machineBefore = machineBusyMs();
    const benchBefore = process.cpuUsage();
    const all: number[] = [];
    let next = 0;
    const total = requests.length * rounds;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const r = requests[i % requests.length];
        const start = performance.now();
        const res = await fetch(`${url}${r.path}`, { headers });
        await res.arrayBuffer();
        const ms = performance.now() - start;
        if (!res.ok) throw new Error(`${r.path}: ${res.status}`);
        all.push(ms);
        const list = latencies.get(r.combo) ?? [];
        if (!list.length) latencies.set(r.combo, list);
        list.push(ms);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    if (!all.length) {
      // --rounds 0: only the plans
      if (process.argv.includes('--explain')) await explain(databaseUrl, requests, process.argv.includes('--generic'));
      return;
    }
    const cpuMsPerRequest = round((service.cpuMs() - cpuBefore) / all.length);
    const benchCpu = process.cpuUsage(benchBefore);
    const machineMsPerRequest = round((machineBusyMs() - machineBefore) / all.length);
    const clientMsPerRequest = round((benchCpu.user + benchCpu.system) / 1000 / all.length);
    all.sort((a, b) => a - b);
    const perCombo = Object.fromEntries(
      [...latencies].map(([combo, list]) => {
        list.sort((a, b) => a - b);
        return [
          combo || '(no filter)',
          { p50: round(percentile(list, 50)), p95: round(percentile(list, 95)), p99: round(percentile(list, 99)), max: round(list[list.length - 1]) },
        ];
      }),
    );
    console.log(
      JSON.stringify(
        {
          route: 'GET /api/admin/checkout-sessions',
          requests: all.length,
          connections,
          p50Ms: round(percentile(all, 50)),
          p95Ms: round(percentile(all, 95)),
          p99Ms: round(percentile(all, 99)),
          maxMs: round(all[all.length - 1]),
          serviceCpuMsPerRequest: cpuMsPerRequest,
          // the rest of the machine's CPU per request: PostgreSQL mostly (and anything else running)
          cpuMsPerRequest: {
            machine: machineMsPerRequest,
            service: cpuMsPerRequest,
            client: clientMsPerRequest,
            rest: round(machineMsPerRequest - cpuMsPerRequest - clientMsPerRequest),
          },
          load1m: { before: round(loadBefore), after: round(loadavg()[0]) },
          perCombo,
        },
        null,
        2,
      ),
    );
    if (process.argv.includes('--explain')) await explain(databaseUrl, requests, process.argv.includes('--generic'));
  } finally {
    await service.stop();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
