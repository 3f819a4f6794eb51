import { createHmac } from 'node:crypto';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { startEmulator, stripeEnv } from '../support/stripe-emulator.js';

const INJECTIONS = ["' OR '1'='1", "'; DROP TABLE users; --", '<script>alert(1)</script>', '${jndi:ldap://x}', '../../etc/passwd', '\u0000', '{"$gt":""}'];

/** Requests an attacker would try: each gets the contract's error shape and changes nothing. */
describe('Hostile input', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let admin: RegisteredUser;
  let aliceSession: { id: string; stripeSessionId: string };

  beforeAll(async () => {
    stripe = await startEmulator();
    t = await createTestApp(stripeEnv(stripe));
    alice = await registerUser(t);
    bob = await registerUser(t);
    admin = await registerAdmin(t);
    aliceSession = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(alice.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  async function snapshot() {
    const [row] = await t.db.query(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM checkout_sessions)::int AS sessions, (SELECT count(*) FROM stripe_events)::int AS events,
              (SELECT count(*) FROM fulfillments)::int AS fulfilments, (SELECT string_agg(plan || role, ',' ORDER BY id) FROM users) AS plans`,
    );
    return row;
  }
  const expectError = (res: request.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: code, requestId: expect.any(String), message: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/QueryFailedError|SELECT |INSERT |\sat .+\.js:\d+/);
  };

  it('bodies: oversized, deeply nested, not JSON, wrong types', async () => {
    const before = await snapshot();
    expectError(
      await request(t.http)
        .post('/api/auth/register')
        .send({ email: 'a@example.com', password: 'x'.repeat(300_000) }),
      413,
      'payload_too_large',
    );
    const nested = `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
    expectError(
      await request(t.http).post('/api/auth/register').set('Content-Type', 'application/json').send(`{"email":"a@example.com","password":"password123","name":${nested}}`),
      400,
      'validation_error',
    );
    expectError(await request(t.http).post('/api/auth/login').set('Content-Type', 'text/plain').send('email=a&password=b'), 400, 'validation_error');
    expectError(await request(t.http).post('/api/auth/login').set('Content-Type', 'application/json').send('[1,2,3]'), 400, 'validation_error');
    expectError(await request(t.http).post('/api/auth/login').set('Content-Type', 'application/json').send('null'), 400, 'validation_error');
    expectError(
      await request(t.http)
        .post('/api/auth/register')
        .send({ email: ['a@example.com'], password: { $ne: 1 } }),
      400,
      'validation_error',
    );
    for (const key of ['__proto__', 'constructor']) {
      const body = `{"plan":"pro","interval":"month","${key}":{"admin":true,"prototype":{"role":"admin"}}}`;
      expectError(
        await request(t.http).post('/api/billing/checkout-sessions').set(bearer(alice.accessToken)).set('Content-Type', 'application/json').send(body),
        400,
        'validation_error',
      );
    }
    expect(await snapshot()).toEqual(before);
  });

  it('huge headers are refused by the HTTP server before reaching the app', async () => {
    const res = await request(t.http)
      .get('/api/health')
      .set('X-Big', 'x'.repeat(20_000))
      .catch((e: { status?: number }) => e);
    expect(res.status).toBe(431);
  });

  it.each(INJECTIONS)('SQL and script text %j in every string field is stored as text or refused, never executed', async (text) => {
    const before = await snapshot();
    expectError(await request(t.http).post('/api/auth/login').send({ email: text, password: text }), 400, 'validation_error');
    const reg = await request(t.http)
      .post('/api/auth/register')
      .send({ email: `safe${Date.now()}${Math.random().toString(36).slice(2, 6)}@example.com`, password: 'password123', name: text.replace('\u0000', '') || 'x' });
    expect([201, 400]).toContain(reg.status);
    for (const path of [`/api/billing/checkout-sessions/${encodeURIComponent(text)}`, `/api/admin/checkout-sessions/${encodeURIComponent(text)}`]) {
      const res = await request(t.http).get(path).set(bearer(admin.accessToken));
      expect([400, 404]).toContain(res.status);
    }
    const filtered = await request(t.http)
      .get(`/api/admin/users?email=${encodeURIComponent(text)}`)
      .set(bearer(admin.accessToken));
    expect([200, 400]).toContain(filtered.status);
    const after = await snapshot();
    expect(after.sessions).toBe(before.sessions);
    expect(after.users - before.users).toBeLessThanOrEqual(1);
    expect((await t.db.query(`SELECT to_regclass('users') IS NOT NULL AS ok`))[0].ok).toBe(true);
  });

  it.each([
    ['a homoglyph domain', 'user@exаmple.com'], // Cyrillic а
    ['a right-to-left mark', 'user\u200f@example.com'],
    ['a NUL byte', 'us\u0000er@example.com'],
    ['a zero-width space', 'us\u200ber@example.com'],
    ['no domain dot', 'user@localhost'],
    ['an overlong local part', `${'a'.repeat(65)}@example.com`],
  ])('an email with %s is refused at registration', async (_, email) => {
    const before = await snapshot();
    expectError(await request(t.http).post('/api/auth/register').send({ email, password: 'password123' }), 400, 'validation_error');
    expect(await snapshot()).toEqual(before);
  });

  it.each(['limit=-1', 'limit=0', 'limit=1e9', 'limit=99999999999999999999', 'limit=1.5', 'cursor=%00', `cursor=${'A'.repeat(600)}`, 'limit[]=1'])(
    'pagination ?%s answers 400 on every list route',
    async (query) => {
      for (const [path, token] of [
        ['/api/billing/checkout-sessions', alice.accessToken],
        ['/api/admin/checkout-sessions', admin.accessToken],
        ['/api/admin/users', admin.accessToken],
        ['/api/admin/webhook-events', admin.accessToken],
      ] as const) {
        expectError(await request(t.http).get(`${path}?${query}`).set(bearer(token)), 400, 'validation_error');
      }
    },
  );

  it('forged tokens get 401 everywhere; a user token gets 403 on admin routes', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forge = (payload: object, secret: string) => {
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
      return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
    };
    const exp = Math.floor(Date.now() / 1000) + 600;
    const tokens = [
      forge({ sub: alice.id, role: 'admin', exp }, 'not-the-secret-not-the-secret-not-the-secret'),
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: alice.id, role: 'admin', exp })}.`,
      alice.accessToken.slice(0, -4) + 'AAAA',
      forge({ sub: alice.id, role: 'superuser', exp }, TEST_JWT_SECRET),
    ];
    for (const token of tokens) {
      expectError(await request(t.http).get('/api/admin/users').set(bearer(token)), 401, 'unauthorized');
      expectError(await request(t.http).get('/api/auth/me').set(bearer(token)), 401, 'unauthorized');
    }
    expectError(await request(t.http).get('/api/admin/users').set(bearer(alice.accessToken)), 403, 'forbidden');
    expectError(await request(t.http).post(`/api/admin/checkout-sessions/${aliceSession.id}/sync`).set(bearer(bob.accessToken)), 403, 'forbidden');
  });

  it("another user's ids on every route answer 404 and change nothing", async () => {
    const before = await snapshot();
    for (const id of [aliceSession.id, aliceSession.stripeSessionId]) {
      expectError(await request(t.http).get(`/api/billing/checkout-sessions/${id}`).set(bearer(bob.accessToken)), 404, 'not_found');
      expectError(await request(t.http).post(`/api/billing/checkout-sessions/${id}/confirm`).set(bearer(bob.accessToken)), 404, 'not_found');
    }
    await request(t.http).post('/api/auth/logout').set(bearer(bob.accessToken)).send({ refreshToken: alice.refreshToken }).expect(204);
    await request(t.http).post('/api/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(200);
    const mine = await request(t.http).get('/api/billing/checkout-sessions').set(bearer(bob.accessToken)).expect(200);
    expect(mine.body.items).toEqual([]);
    const after = await snapshot();
    expect({ ...after, plans: undefined }).toEqual({ ...before, plans: undefined });
  });
});
