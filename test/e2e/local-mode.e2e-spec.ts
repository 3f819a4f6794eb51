import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.js';
import { runCommand } from '../support/commands.js';
import { buildService, spawnService, type ServiceProcess } from '../support/service-process.js';
import { untilValue } from '../support/until.js';

/**
 * Issue 19: `npm start` with nothing configured. No STRIPE_SECRET_KEY and no DATABASE_URL: the compiled service
 * starts the embedded PostgreSQL and the Stripe emulator beside itself, and the whole purchase works offline.
 */
describe('Local mode (no STRIPE_SECRET_KEY, no DATABASE_URL)', () => {
  let dataDir: string;
  let emulatorPort: number;
  let service: ServiceProcess;
  beforeAll(async () => {
    await buildService();
    dataDir = mkdtempSync(join(tmpdir(), 'checkout-local-mode-'));
    chmodSync(dataDir, 0o755); // under root, PostgreSQL runs as its own OS user and must reach its folder
    emulatorPort = await freePort();
    // development, as `npm start` runs: no DATABASE_URL, no Stripe variables, no JWT_SECRET (generated into DATA_DIR)
    service = await spawnService(
      { NODE_ENV: 'development', LOG_LEVEL: 'info', DATA_DIR: dataDir, JWT_SECRET: '', STRIPE_EMULATOR_PORT: String(emulatorPort) },
      { timeoutMs: 120_000 },
    );
  }, 300_000);
  // stopping is checked here, after the tests (in any order) have used the running service: a test of its own
  // could run first and stop the service under the others
  /* eslint-disable jest/no-standalone-expect */
  afterAll(async () => {
    try {
      if (!service) return;
      const port = Number(new URL(service.url).port);
      // SIGTERM: drained, then the emulator and the embedded PostgreSQL stopped, exit code 0
      expect(await service.stop()).toBe(0);
      await expect(fetch(`http://127.0.0.1:${emulatorPort}/v1/prices`)).rejects.toThrow();
      await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
  /* eslint-enable jest/no-standalone-expect */

  const api = async (path: string, init: { method?: string; token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${service.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('says so in one log line, keeps the generated key and secret in DATA_DIR, and runs its database there', () => {
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    expect(service.output()).toContain(`No STRIPE_SECRET_KEY: Stripe emulator on ${emulatorUrl}`);
    expect(service.output()).toContain('Embedded PostgreSQL started');
    const state = JSON.parse(readFileSync(join(dataDir, 'stripe-emulator.json'), 'utf8')) as { secretKey: string; webhookSecret: string; apiUrl: string };
    expect(state).toEqual({ secretKey: expect.stringMatching(/^sk_test_local/), webhookSecret: expect.stringMatching(/^whsec_local/), apiUrl: emulatorUrl });
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(true);
  });

  it('sells the example catalogue, and a purchase on the emulator page makes the user pro', async () => {
    const plans = await api('/api/billing/plans');
    expect(plans.status).toBe(200);
    expect((plans.body as unknown as Array<{ plan: string; interval: string }>).map((p) => `${p.plan}/${p.interval}`).sort()).toEqual([
      'lifetime/once',
      'pro/month',
      'pro/year',
      'team/month',
    ]);

    const email = `local-${Date.now()}@example.com`;
    const registered = await api('/api/auth/register', { method: 'POST', body: { email, password: 'correct horse battery staple' } });
    expect(registered.status).toBe(201);
    const token = registered.body.accessToken as string;
    const session = await api('/api/billing/checkout-sessions', { method: 'POST', token, body: { plan: 'pro', interval: 'month' } });
    expect(session.status).toBe(201);
    const url = session.body.url as string;
    expect(url.startsWith(`http://127.0.0.1:${emulatorPort}/checkout/`)).toBe(true);

    // the hosted page's "Pay" button: the emulator completes the session and delivers the signed webhooks
    const paid = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const me = await untilValue(
      () => api('/api/auth/me', { token }),
      (r) => r.body.plan === 'pro',
      'the plan to become pro',
      20_000,
      200,
    ).catch((error: unknown) => {
      // on a failure, the service's own log says what became of the deliveries
      process.stderr.write(`local-mode service log (last 6 kB):\n${service.output().slice(-6000)}\n`);
      throw error;
    });
    expect(me.body).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });

    // `npm run stripe:trigger` finds the running emulator through DATA_DIR: it cancels the subscription and delivers the event
    const triggered = await runCommand('scripts/stripe-trigger.js', ['customer.subscription.deleted', '--user', email], { DATA_DIR: dataDir });
    expect(triggered).toMatchObject({ code: 0 });
    expect(triggered.stdout).toMatch(/^Triggered customer\.subscription\.deleted \(evt_\w+\); the emulator delivers it signed to the service$/m);
    const after = await untilValue(
      () => api('/api/auth/me', { token }),
      (r) => r.body.plan === 'free',
      'the plan to become free',
      20_000,
      200,
    );
    expect(after.body).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled' });
  }, 90_000);
});
