/**
 * Sequential latencies of the purchase flow against the local Stripe emulator (one request at a time):
 *   - POST /api/billing/checkout-sessions
 *   - the success page's POST …/confirm, from the call to the plan being visible in GET /api/auth/me
 * Run: npm run build && node dist/bench/flow-latency.js [--runs 300]
 */
import 'reflect-metadata';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../src/bootstrap.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { createStripeEmulator } from '../stripe-emulator/server.js';

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 300;
const KEY = 'sk_test_flow_latency_0123456789';

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] * 100) / 100;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flow-latency-'));
  chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ dir: join(dir, 'pg'), persistent: false, database: 'flow' });
  const stripe = await createStripeEmulator({ secretKey: KEY, deliveryMode: 'record', prices: [{ id: 'price_flow_pro', interval: 'month' }] });
  const service = await startService({
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    JWT_SECRET: 'flow-latency-secret-flow-latency-secret-0123',
    STRIPE_SECRET_KEY: KEY,
    STRIPE_API_URL: stripe.url,
    STRIPE_WEBHOOK_SECRET: 'whsec_flow_latency',
    STRIPE_PRICE_PRO_MONTHLY: 'price_flow_pro',
    STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
    METRICS_TOKEN: 'bench-metrics-token-0123456789',
    REGISTER_RATE_LIMIT_PER_IP: '1000000',
    BILLING_RATE_LIMIT_PER_USER: '1000000',
  });
  const url = service.url.replace('localhost', '127.0.0.1');
  const call = async (path: string, token?: string, body?: object) => {
    const res = await fetch(`${url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const create: number[] = [];
  const confirm: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const { accessToken } = (await call('/api/auth/register', undefined, { email: `flow${i}@example.com`, password: 'flow-password-1' })) as { accessToken: string };
      let started = performance.now();
      const session = (await call('/api/billing/checkout-sessions', accessToken, { plan: 'pro', interval: 'month' })) as { id: string; stripeSessionId: string };
      create.push(performance.now() - started);
      stripe.completeCheckout(session.stripeSessionId);
      started = performance.now();
      await call(`/api/billing/checkout-sessions/${session.stripeSessionId}/confirm`, accessToken, {});
      const me = await call('/api/auth/me', accessToken);
      confirm.push(performance.now() - started);
      if (me.plan !== 'pro') throw new Error('the plan did not change');
    }
    console.log(`${RUNS} runs, one request at a time`);
    console.log(`POST /api/billing/checkout-sessions: p50 ${pct(create, 0.5)} ms, p95 ${pct(create, 0.95)} ms`);
    console.log(`success page confirm → plan visible: p50 ${pct(confirm, 0.5)} ms, p95 ${pct(confirm, 0.95)} ms`);
  } finally {
    await service.stop();
    await stripe.close();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
