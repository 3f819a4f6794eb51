/**
 * `node dist/bench/profile-webhooks.js [out-dir]`: a CPU profile of the service under the webhook workload. Starts
 * an embedded PostgreSQL and the compiled service with `node --cpu-prof`, seeds open sessions, drives unique
 * signed `checkout.session.completed` events for BENCH_SECONDS (default 10) at BENCH_CONNECTIONS (default 8),
 * stops the service (which writes the profile) and prints the top frames by self time, and the time by package.
 */
import 'reflect-metadata';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { spawn } from 'node:child_process';
import { waitUntilHealthy } from '../scripts/lib/service-process.js';
import { runLoad } from './lib/load.js';
import { completedDelivery } from './lib/webhook-events.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECRET = 'whsec_bench_secret_0123456789abcdef';
const PRICE = 'price_bench_pro_monthly';
const SESSIONS = 50_000;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Self time by frame and by package (node_modules/<name>, node: internals, the service's own code), of the samples
 * in the last `windowSeconds` before the process stopped (the load, not the start-up), as shares of the busy time.
 */
export function summarise(file: string, windowSeconds: number, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  let at = profile.startTime;
  const from = profile.endTime - (windowSeconds + 0.5) * 1e6;
  const to = profile.endTime - 0.5e6;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (at >= from && at <= to) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, count] of hits) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += count;
    if (functionName === '(idle)') {
      idle += count;
      continue;
    }
    const inModules = url.includes('node_modules/') ? url.split('node_modules/').pop()! : null;
    const where = inModules ?? url.replace(/^file:\/\/.*?\/dist\//, 'dist/');
    const key = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    frames.set(key, (frames.get(key) ?? 0) + count);
    const pkg = inModules
      ? inModules
          .split('/')
          .slice(0, inModules.startsWith('@') ? 2 : 1)
          .join('/')
      : url.startsWith('node:')
        ? 'node: internals'
        : url
          ? 'the service'
          : functionName || '(native)';
    packages.set(pkg, (packages.get(pkg) ?? 0) + count);
  }
  const busy = total - idle;
  const pct = (n: number) => `${((n / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`${total} samples in the last ${windowSeconds} s; idle ${((idle / total) * 100).toFixed(1)}%; shares below are of the busy time`, '', 'top frames by self time:'];
  for (const [key, count] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(count)}  ${key}`);
  lines.push('', 'self time by package:');
  for (const [key, count] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(count)}  ${key}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'bench/profile');
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'checkout-profile-'));
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ dir: join(dir, 'pg'), persistent: false, database: 'profile' });
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  try {
    await db.query('SELECT 1');
    const port = 4300 + Math.floor(Math.random() * 50);
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: String(CONNECTIONS),
      JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-bench-jwt-secret',
      METRICS_TOKEN: 'bench-metrics-token-0123456789',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_PRICE_PRO_MONTHLY: PRICE,
      STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
      HOST: '127.0.0.1',
      PORT: String(port),
    };
    // --cpu-prof is not allowed in NODE_OPTIONS: the flags go on the command line; the profile is written on exit
    const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${out}`, 'dist/main.js'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const service = { url: `http://127.0.0.1:${port}` };
    await waitUntilHealthy(service.url, child, 60_000);
    try {
      await db.query(
        `INSERT INTO users (email, password_hash, stripe_customer_id) SELECT 'payer' || g || '@bench.test', 'not-a-hash', 'cus_' || lpad(g::text, 20, '0') FROM generate_series(1, $1) g`,
        [SESSIONS],
      );
      const { rows } = await db.query<{ sid: string; uid: string }>(
        `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, status, payment_status, url)
         SELECT 'cs_test_bench_' || lpad(g::text, 20, '0'), u.id, 'subscription', 'pro', 'month', $1, 'open', 'unpaid', 'https://checkout.stripe.com/x'
         FROM generate_series(1, $2) g JOIN users u ON u.email = 'payer' || g || '@bench.test' RETURNING stripe_session_id AS sid, user_id AS uid`,
        [PRICE, SESSIONS],
      );
      let next = 0;
      const post = () => {
        const row = rows[next++ % rows.length];
        const d = completedDelivery(row.sid, row.uid, SECRET);
        return { method: 'POST', path: '/api/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': d.signature }, body: d.body };
      };
      // one delivery first: a workload that only fails would profile the error path
      const probe = post();
      const answer = await fetch(`${service.url}${probe.path}`, { method: 'POST', headers: probe.headers, body: probe.body });
      if (!answer.ok) throw new Error(`the service answered ${answer.status}: ${await answer.text()}`);
      await runLoad({ url: service.url, connections: CONNECTIONS, seconds: 2, next: post });
      const result = await runLoad({ url: service.url, connections: CONNECTIONS, seconds: SECONDS, next: post });
      process.stdout.write(`${result.perSecond} events/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}\n`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const profiles = readdirSync(out)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(out, f));
    const newest = profiles.sort().pop();
    if (newest) process.stdout.write(`\n${newest}\n${summarise(newest, SECONDS + 2)}\n`);
  } finally {
    await db.end();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('profile-webhooks.js')) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
