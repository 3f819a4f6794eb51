import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';

describe('Chart aggregates: GET /api/admin/stats/revenue/daily and /api/admin/stats/webhooks', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerAdmin(t);
  });
  afterAll(() => t.close());
  const get = (path: string, token = admin.accessToken) => request(t.http).get(path).set(bearer(token));

  it('revenue per UTC day and currency: gross, refunded, lost disputes and net, summed in SQL, oldest first', async () => {
    const user = await registerUser(t);
    const session = async (amount: number, currency: string, createdAt: string, refunded = 0) =>
      (
        await t.db.query(
          `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, status, payment_status, amount_total, currency, amount_refunded, created_at)
           VALUES ('cs_day_' || md5(random()::text), $1, 'payment', 'lifetime', 'complete', 'paid', $2, $3, $4, $5) RETURNING id`,
          [user.id, amount, currency, refunded, createdAt],
        )
      )[0].id as string;
    const lost = await session(10000, 'usd', '2026-03-01T01:00:00Z', 2000);
    await session(5000, 'usd', '2026-03-01T23:59:59Z');
    await session(7000, 'eur', '2026-03-01T12:00:00Z');
    await session(3000, 'usd', '2026-03-03T00:00:00Z');
    await session(9999, 'usd', '2026-03-05T00:00:00Z'); // outside [from, to)
    await t.db.query(
      `INSERT INTO disputes (stripe_dispute_id, amount, currency, status, checkout_session_id, state_at, stripe_created_at) VALUES ('dp_day_1', 4000, 'usd', 'lost', $1, now(), now())`,
      [lost],
    );
    await t.db.query(
      `INSERT INTO invoices (stripe_invoice_id, user_id, status, amount_due, amount_paid, amount_refunded, currency, created_at) VALUES ('in_day_1', $1, 'paid', 2000, 2000, 0, 'usd', '2026-03-03T10:00:00Z')`,
      [user.id],
    );

    const res = (await get('/api/admin/stats/revenue/daily?from=2026-03-01&to=2026-03-05').expect(200)).body;
    expect(res).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-05T00:00:00.000Z',
      days: [
        { day: '2026-03-01', currency: 'eur', payments: 1, gross: 7000, refunded: 0, disputedLost: 0, fees: 0, net: 7000 },
        { day: '2026-03-01', currency: 'usd', payments: 2, gross: 15000, refunded: 2000, disputedLost: 4000, fees: 0, net: 9000 },
        { day: '2026-03-03', currency: 'usd', payments: 2, gross: 5000, refunded: 0, disputedLost: 0, fees: 0, net: 5000 },
      ],
    });
    await get('/api/admin/stats/revenue/daily?from=2025-01-01&to=2026-03-01').expect(400);
    await get('/api/admin/stats/revenue/daily', user.accessToken).expect(403);
  });

  it('webhook health: events per minute by outcome with their lag, and the failed backlog of any age', async () => {
    await t.db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, payload, status, received_at, processed_at) VALUES
         ('evt_h1', 'invoice.paid', '2026-04-01T10:00:00Z', false, '{}', 'processed', '2026-04-01T10:00:01Z', '2026-04-01T10:00:01.100Z'),
         ('evt_h2', 'invoice.paid', '2026-04-01T10:00:00Z', false, '{}', 'processed', '2026-04-01T10:00:30Z', '2026-04-01T10:00:30.200Z'),
         ('evt_h3', 'invoice.paid', '2026-04-01T10:00:00Z', false, '{}', 'failed', '2026-04-01T10:00:40Z', NULL),
         ('evt_h4', 'customer.created', '2026-04-01T10:02:00Z', false, '{}', 'ignored', '2026-04-01T10:02:05Z', '2026-04-01T10:02:05Z'),
         ('evt_h5', 'invoice.paid', '2026-01-01T00:00:00Z', false, '{}', 'failed', '2026-01-01T00:00:01Z', NULL)`,
    );
    const res = (await get('/api/admin/stats/webhooks?from=2026-04-01T10:00:00Z&to=2026-04-01T11:00:00Z').expect(200)).body;
    expect(res.minutes).toEqual([
      { minute: '2026-04-01T10:00:00.000Z', processed: 2, failed: 1, ignored: 0, received: 0, lagP95Ms: expect.any(Number), processingP95Ms: expect.any(Number) },
      { minute: '2026-04-01T10:02:00.000Z', processed: 0, failed: 0, ignored: 1, received: 0, lagP95Ms: null, processingP95Ms: null },
    ]);
    // percentile_cont interpolates between 1,100 and 30,200 ms of lag, and 100 and 200 ms of processing
    expect(res.minutes[0].lagP95Ms).toBeGreaterThan(28_000);
    expect(res.minutes[0].lagP95Ms).toBeLessThanOrEqual(30_200);
    expect(res.minutes[0].processingP95Ms).toBeGreaterThan(100);
    expect(res.minutes[0].processingP95Ms).toBeLessThanOrEqual(200);
    expect(res.backlog).toMatchObject({ failed: 2, oldestFailedAt: '2026-01-01T00:00:01.000Z', stuck: 0 });
    await get('/api/admin/stats/webhooks?from=2026-04-01T00:00:00Z&to=2026-04-03T00:00:00Z').expect(400);
  });

  it('the default window is the last hour', async () => {
    const res = (await get('/api/admin/stats/webhooks').expect(200)).body;
    expect(new Date(res.to).getTime() - new Date(res.from).getTime()).toBe(3_600_000);
  });
});

describe('The console at /admin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'admin-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Admin</title><script type="module" src="/admin/assets/app-1.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html and hashed assets under a CSP without inline scripts or eval', async () => {
    const t = await createTestApp({ ADMIN_CONSOLE_DIR: dir });
    try {
      for (const path of ['/admin', '/admin/']) {
        const page = await request(t.http).get(path).expect(200);
        expect(page.text).toContain('<title>Admin</title>');
        expect(page.headers['cache-control']).toBe('no-cache');
        const csp = String(page.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        expect(csp).not.toContain('unsafe-eval');
        expect(csp).toContain("frame-ancestors 'none'");
      }
      const asset = await request(t.http).get('/admin/assets/app-1.js').expect(200);
      expect(asset.headers['cache-control']).toContain('immutable');
      expect(asset.headers['content-type']).toContain('javascript');
      expect((await request(t.http).get('/admin/assets/missing.js').expect(404)).body).toMatchObject({ error: 'not_found' });
      // the API keeps its own policy (Swagger UI needs its inline script)
      expect((await request(t.http).get('/api/health').expect(200)).headers['content-security-policy']).toContain("'unsafe-inline'");
    } finally {
      await t.close();
    }
  });

  it('ADMIN_CONSOLE_ENABLED=false: nothing at /admin', async () => {
    const t = await createTestApp({ ADMIN_CONSOLE_DIR: dir, ADMIN_CONSOLE_ENABLED: 'false' });
    try {
      expect((await request(t.http).get('/admin').expect(404)).text).not.toContain('<title>Admin</title>');
      await request(t.http).get('/admin/assets/app-1.js').expect(404);
    } finally {
      await t.close();
    }
  });

  it('a build that is missing answers 404 and names the command', async () => {
    const t = await createTestApp({ ADMIN_CONSOLE_DIR: join(dir, 'nothing-here') });
    try {
      expect((await request(t.http).get('/admin').expect(404)).body.message).toContain('npm run build');
    } finally {
      await t.close();
    }
  });
});
