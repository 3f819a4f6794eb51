import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { HandlerRegistry } from '../../src/webhooks/handler-registry.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { runCommand } from '../support/commands.js';
import { createTestDatabase } from '../support/database.js';
import { bearer, registerUser } from '../support/factories.js';
import { buildService } from '../support/service-process.js';
import { handledEventIds, payOnEmulator, startStripeTestApp, stripeEnv } from '../support/stripe-emulator.js';
import { WEBHOOK_SECRET } from '../support/webhooks.js';

/** The JSON line a command printed last (a log line of a start-up check that finishes late may follow it). */
const lastJson = (stdout: string) =>
  JSON.parse(
    stdout
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .pop()!,
  ) as Record<string, unknown>;

/** Issue 19: the command-line tools, run as `npm run` runs them: the compiled scripts, as child processes. */
describe('Commands', () => {
  beforeAll(() => buildService(), 300_000);

  describe('stripe:recover', () => {
    let stripe: StripeEmulator;
    let t: TestApp;
    let close: () => Promise<void>;
    beforeAll(async () => ({ stripe, t, close } = await startStripeTestApp({ emulator: { deliveryMode: 'record' } })));
    afterAll(() => close());
    const env = (): Record<string, string> => ({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: t.database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
      ...stripeEnv(stripe),
    });

    it('applies the events Stripe never delivered, prints the counts as JSON, and a second run applies none', async () => {
      const user = await registerUser(t);
      const session = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body as {
        stripeSessionId: string;
      };
      const mine = handledEventIds(t, payOnEmulator(stripe, session.stripeSessionId)); // recorded, never delivered
      expect(mine.length).toBeGreaterThanOrEqual(3);
      const since = new Date(Date.now() - 10 * 60_000).toISOString();

      const first = await runCommand('scripts/stripe-recover.js', ['--since', since], env());
      expect(first).toMatchObject({ code: 0 });
      expect(lastJson(first.stdout)).toMatchObject({ recovered: expect.any(Number), failed: 0, scanned: expect.any(Number), alreadyKnown: expect.any(Number) });
      expect(lastJson(first.stdout).recovered).toBeGreaterThanOrEqual(mine.length);
      const rows = await t.db.query(`SELECT id, source, status FROM stripe_events WHERE id = ANY($1) ORDER BY id`, [mine]);
      expect(rows).toEqual(mine.map((id) => ({ id, source: 'recovery', status: 'processed' })));
      expect((await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body.plan).toBe('pro');

      const second = await runCommand('scripts/stripe-recover.js', ['--since', since], env());
      expect(second).toMatchObject({ code: 0 });
      expect(lastJson(second.stdout)).toMatchObject({ recovered: 0, failed: 0 });
    }, 60_000);

    it('refuses a malformed --since, and a missing STRIPE_SECRET_KEY, with one line and exit code 1', async () => {
      const bad = await runCommand('scripts/stripe-recover.js', ['--since', 'last tuesday'], env());
      expect(bad.code).toBe(1);
      expect(bad.stderr.trim()).toBe('--since needs an ISO date, e.g. --since 2026-11-01T00:00:00Z (got "last tuesday")');

      const withoutKey: Record<string, string> = env();
      delete withoutKey.STRIPE_SECRET_KEY;
      const keyless = await runCommand('scripts/stripe-recover.js', [], withoutKey);
      expect(keyless.code).toBe(1);
      expect(keyless.stderr.trim()).toBe('STRIPE_SECRET_KEY is not set: there is no Stripe account to recover events from');
    }, 60_000);
  });

  describe('stripe:trigger without the emulator (a signed event posted to the service)', () => {
    let t: TestApp;
    let webhookUrl: string;
    beforeAll(async () => {
      t = await createTestApp({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
      await t.app.listen(0, '127.0.0.1');
      webhookUrl = `${(await t.app.getUrl()).replace('[::1]', '127.0.0.1')}/api/webhooks/stripe`;
    });
    afterAll(async () => {
      await t.close();
    });
    const trigger = (args: string[], env: Record<string, string> = {}) =>
      runCommand('scripts/stripe-trigger.js', args, { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_TRIGGER_URL: webhookUrl, ...env });

    it('every type it offers: signed with STRIPE_WEBHOOK_SECRET, accepted (200) and stored by the service', async () => {
      // the types come from the command's own usage line, and each must be one the service handles
      const usage = await trigger([]);
      expect(usage.code).toBe(1);
      const offered = /<([^>]+)>/.exec(usage.stderr)![1].split('|');
      expect(offered.length).toBeGreaterThanOrEqual(9);
      expect(t.app.get(HandlerRegistry).types()).toEqual(expect.arrayContaining(offered));
      for (const type of offered) {
        const before = new Date(Date.now() - 1000);
        const result = await trigger([type, '--user', 'trigger@example.com']);
        expect({ type, ...result }).toMatchObject({ type, code: 0 });
        expect(result.stdout).toContain(`Sent ${type} to ${webhookUrl}: 200 {"received":true}`);
        const rows = await t.db.query<Array<{ type: string; status: string }>>(`SELECT type, status FROM stripe_events WHERE type = $1 AND received_at >= $2`, [type, before]);
        expect(rows).toHaveLength(1);
        expect(['processed', 'ignored']).toContain(rows[0].status);
      }
    }, 180_000);

    it('a wrong secret is refused by the service (400), and the command exits 1', async () => {
      const result = await trigger(['invoice.paid'], { STRIPE_WEBHOOK_SECRET: 'whsec_not_the_service_secret_0123' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(': 400 ');
      expect(result.stdout).toContain('invalid_signature');
    }, 60_000);

    it('an unknown event type, a bad --user, or nothing to sign with: one line and exit code 1', async () => {
      const unknown = await trigger(['charge.refunded']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^usage: npm run stripe:trigger -- <checkout\.session\.completed\|.*> \[--user EMAIL\] \[--thin\]\n$/);
      const badUser = await trigger(['invoice.paid', '--user', 'not-an-email']);
      expect(badUser).toMatchObject({ code: 1, stderr: '--user needs an email\n' });
      const noSecret = await runCommand('scripts/stripe-trigger.js', ['invoice.paid'], { STRIPE_TRIGGER_URL: webhookUrl });
      expect(noSecret.code).toBe(1);
      expect(noSecret.stderr).toContain('nothing to sign with');
    }, 60_000);
  });

  describe('migration:show / run / revert', () => {
    it('lists, applies and reverts migrations on DATABASE_URL', async () => {
      const database = await createTestDatabase();
      const env = { NODE_ENV: 'test', DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET };
      const migrate = (command: string) => runCommand('scripts/migrate.js', [command], env);
      try {
        expect(await migrate('show')).toMatchObject({ code: 0, stdout: 'There are pending migrations.\n' });
        const run = await migrate('run');
        expect(run).toMatchObject({ code: 0 });
        expect(run.stdout).toMatch(/^Applied: InitialSchema\d+, AdminIndexes\d+/);
        expect(await migrate('show')).toMatchObject({ code: 0, stdout: 'No pending migrations.\n' });
        expect(await migrate('run')).toMatchObject({ code: 0, stdout: 'No pending migrations.\n' });
        expect(await migrate('revert')).toMatchObject({ code: 0, stdout: 'Reverted the last migration.\n' });
        expect(await migrate('show')).toMatchObject({ code: 0, stdout: 'There are pending migrations.\n' });
        const usage = await migrate('sideways');
        expect(usage).toMatchObject({ code: 1, stderr: 'usage: migrate run | revert | show | generate <Name>\n' });
      } finally {
        await database.drop();
      }
    }, 120_000);
  });
});
