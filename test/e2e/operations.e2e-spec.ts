import request from 'supertest';
import { EventRetentionService } from '../../src/recovery/event-retention.service.js';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser } from '../support/factories.js';
import { handledEventIds, payOnEmulator, startStripeTestApp } from '../support/stripe-emulator.js';
import { untilValue } from '../support/until.js';

/** Issue 19: the recovery schedule, inbox retention, and the CORS and security headers of a response. */
describe('The recovery schedule', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  // every second, as STRIPE_RECOVERY_INTERVAL_SECONDS=1 says
  beforeAll(async () => ({ stripe, t, close } = await startStripeTestApp({ emulator: { deliveryMode: 'record' }, env: { STRIPE_RECOVERY_INTERVAL_SECONDS: '1' } })));
  afterAll(() => close());

  it('applies, by itself, the events of a payment Stripe never delivered', async () => {
    const user = await registerUser(t);
    const session = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body as {
      stripeSessionId: string;
    };
    const mine = handledEventIds(t, payOnEmulator(stripe, session.stripeSessionId)); // recorded by the emulator, never delivered
    expect(mine.length).toBeGreaterThanOrEqual(3);

    // nobody calls recovery: the schedule does, within a few intervals
    const rows = await untilValue(
      () => t.db.query<Array<{ id: string; source: string; status: string }>>(`SELECT id, source, status FROM stripe_events WHERE id = ANY($1) ORDER BY id`, [mine]),
      (rows) => rows.length === mine.length && rows.every((r) => r.status === 'processed'),
      'the scheduled recovery to process the undelivered events',
      20_000,
      250,
    );
    expect(rows).toEqual(mine.map((id) => ({ id, source: 'recovery', status: 'processed' })));
    const me = await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200);
    expect(me.body.plan).toBe('pro');
  }, 40_000);
});

describe('Inbox retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_EVENT_RETENTION_DAYS: '30' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** One inbox row of the given status, received that many days ago. */
  async function event(status: 'processed' | 'ignored' | 'failed' | 'received', daysAgo: number): Promise<string> {
    const id = `evt_retention_${status}_${daysAgo}_${Math.random().toString(36).slice(2, 10)}`;
    await t.db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, object_id, payload, status, received_at)
       VALUES ($1, 'checkout.session.completed', now() - make_interval(days => $2), false, 'cs_retention', $3, $4, now() - make_interval(days => $2))`,
      [id, daysAgo, { id, object: 'event' }, status],
    );
    return id;
  }

  it('deletes processed and ignored events older than STRIPE_EVENT_RETENTION_DAYS, and keeps failed, pending and recent ones', async () => {
    const oldProcessed = await event('processed', 45);
    const oldIgnored = await event('ignored', 31);
    const oldFailed = await event('failed', 45);
    const oldReceived = await event('received', 45);
    const recentProcessed = await event('processed', 29);
    const recentIgnored = await event('ignored', 1);
    const ids = [oldProcessed, oldIgnored, oldFailed, oldReceived, recentProcessed, recentIgnored];

    const deleted = await t.app.get(EventRetentionService).purge();
    expect(deleted).toBe(2);
    const kept = (await t.db.query<Array<{ id: string }>>(`SELECT id FROM stripe_events WHERE id = ANY($1)`, [ids])).map((r) => r.id).sort();
    expect(kept).toEqual([oldFailed, oldReceived, recentProcessed, recentIgnored].sort());
    // nothing left to delete: a second run deletes none
    expect(await t.app.get(EventRetentionService).purge()).toBe(0);
  });

  it('deletes in batches until nothing old is left', async () => {
    await t.db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, payload, status, received_at)
       SELECT 'evt_retention_batch_' || g, 'invoice.paid', now() - interval '40 days', false, '{}'::jsonb, 'processed', now() - interval '40 days'
       FROM generate_series(1, 2500) g`,
    );
    expect(await t.app.get(EventRetentionService).purge()).toBe(2500);
    const [{ count }] = await t.db.query<Array<{ count: number }>>(`SELECT count(*)::int AS count FROM stripe_events WHERE id LIKE 'evt_retention_batch_%'`);
    expect(count).toBe(0);
  });
});

describe('CORS and security headers', () => {
  const ALLOWED = 'https://app.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: `${ALLOWED},https://admin.example.com` });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a preflight from an allowed origin with its origin, methods and the API headers', async () => {
    const res = await request(t.http)
      .options('/api/billing/checkout-sessions')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']?.split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'x-request-id']));
    expect(res.headers.vary).toContain('Origin');
  });

  it('names an allowed origin on responses and exposes x-request-id and retry-after; another origin gets no CORS header', async () => {
    const allowed = await request(t.http).get('/api/health').set('Origin', ALLOWED).expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers['access-control-expose-headers']?.split(',')).toEqual(['x-request-id', 'retry-after']);

    const other = await request(t.http).get('/api/health').set('Origin', 'https://evil.example.com').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(t.http).options('/api/auth/login').set('Origin', 'https://evil.example.com').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends helmet security headers on answers and errors alike, and no x-powered-by', async () => {
    for (const res of [await request(t.http).get('/api/health').expect(200), await request(t.http).get('/api/nothing-here').expect(404)]) {
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      // Swagger UI's inline script and data: images are the only exceptions
      expect(csp).toContain("script-src 'self' 'unsafe-inline'");
      expect(csp).toContain("img-src 'self' data:");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-permitted-cross-domain-policies': 'none',
      });
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+; includeSubDomains$/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('CORS in development without CORS_ORIGINS', () => {
  it('allows any origin, as the README says', async () => {
    const t = await createTestApp({ NODE_ENV: 'development' });
    try {
      const res = await request(t.http).get('/api/health').set('Origin', 'http://localhost:5173').expect(200);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    } finally {
      await t.close();
    }
  });
});
