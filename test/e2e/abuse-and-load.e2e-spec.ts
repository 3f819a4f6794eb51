/**
 * Issue 29: what one ordinary account can do to everyone else with the shipped defaults. Each test names the abuse,
 * runs the app with the defaults of the limit it tests (the other files lift them), and asserts counts, ratios or
 * orders of events, never wall-clock thresholds.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startService } from '../../src/bootstrap.js';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { baseTestEnv, createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { logStatements } from '../support/statement-log.js';
import { deliverAll, eventsOf, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { until } from '../support/until.js';
import { deliver } from '../support/webhooks.js';

/** The issue-29 limits at their shipped defaults (baseTestEnv lifts them for the other files). */
const DEFAULT_LIMITS = {
  CHECKOUT_RATE_LIMIT_PER_USER: undefined,
  SUBSCRIPTION_PREVIEW_RATE_LIMIT_PER_USER: undefined,
  SUBSCRIPTION_RATE_LIMIT_PER_USER: undefined,
  LOGIN_RATE_LIMIT_ALL_PER_IP: undefined,
  LOGIN_RATE_LIMIT_ALL_PER_EMAIL: undefined,
  CHECKOUT_QUEUE_PER_USER: undefined,
};

const checkout = (t: TestApp, user: RegisteredUser, body: Record<string, unknown> = { plan: 'pro', interval: 'month' }) =>
  request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send(body);
const countBy = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('Abuse: the routes that call Stripe', () => {
  let stripe: StripeEmulator;
  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
  });
  afterAll(() => stripe.close());

  it('a burst of 80 checkouts from one user (alternating plans and UI modes) gets 429s, reaches Stripe at most 40 times and leaves at most 3 open sessions', async () => {
    const t = await createTestApp({ ...stripeEnv(stripe), ...DEFAULT_LIMITS });
    try {
      const user = await registerUser(t);
      const before = stripe.requests.length;
      const bodies = [
        { plan: 'pro', interval: 'month', uiMode: 'hosted' },
        { plan: 'lifetime', interval: 'once', uiMode: 'embedded' },
        { plan: 'pro', interval: 'year', uiMode: 'elements' },
      ];
      const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => checkout(t, user, bodies[i % bodies.length])));
      const statuses = countBy(answers.map((r) => r.status));
      expect(statuses[429]).toBeGreaterThanOrEqual(70);
      expect((statuses[201] ?? 0) + (statuses[429] ?? 0)).toBe(80);
      for (const refused of answers.filter((r) => r.status === 429)) {
        expect(refused.body).toMatchObject({ error: 'rate_limited' });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(stripe.requests.length - before).toBeLessThanOrEqual(40);
      const [{ open }] = await t.db.query(`SELECT count(*)::int AS open FROM checkout_sessions WHERE user_id = $1 AND status = 'open'`, [user.id]);
      expect(open).toBeLessThanOrEqual(3);
    } finally {
      await t.close();
    }
  });

  it('CHECKOUT_MAX_OPEN_SESSIONS_PER_USER: one more open session expires the oldest in Stripe first', async () => {
    const t = await createTestApp({ ...stripeEnv(stripe), CHECKOUT_MAX_OPEN_SESSIONS_PER_USER: '1' });
    try {
      const user = await registerUser(t);
      // a subscription and a one-time purchase: two scopes, each of which would keep its own open session without the cap
      const first = await checkout(t, user, { plan: 'pro', interval: 'month' }).expect(201);
      const second = await checkout(t, user, { plan: 'lifetime', interval: 'once' }).expect(201);
      const rows = await t.db.query<Array<{ stripe_session_id: string; status: string }>>(
        `SELECT stripe_session_id, status FROM checkout_sessions WHERE user_id = $1 ORDER BY created_at, id`,
        [user.id],
      );
      expect(rows).toEqual([
        { stripe_session_id: first.body.stripeSessionId, status: 'expired' },
        { stripe_session_id: second.body.stripeSessionId, status: 'open' },
      ]);
      expect(stripe.store.sessionRecord(first.body.stripeSessionId as string).session.status).toBe('expired');
    } finally {
      await t.close();
    }
  });

  /** A subscriber of pro monthly who asks for 20 previews of pro yearly at once (each a Stripe call): the answers, pending. */
  async function previewFlood(t: TestApp) {
    const flooder = await registerUser(t);
    const session = await checkout(t, flooder).expect(201);
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(session.body.stripeSessionId as string)),
    );
    return Array.from({ length: 20 }, () =>
      request(t.http)
        .get('/api/billing/subscription/preview?plan=pro&interval=year')
        .set(bearer(flooder.accessToken))
        .then((r) => r),
    );
  }
  it("another user's checkout succeeds during one user's preview flood: the flooder holds at most STRIPE_MAX_CONCURRENCY_PER_USER of the shared slots", async () => {
    const gate = await startGatedStripe(stripe.url, (req) => (req.url ?? '').startsWith('/v1/invoices/create_preview'));
    const logged = { warn: [] as string[], error: [] as string[] };
    const logger = {
      log: () => undefined,
      warn: (message: unknown) => logged.warn.push(String(message)),
      error: (message: unknown) => logged.error.push(String(message)),
    };
    // no SDK retry: a refusal is final, so the counts below do not depend on when the gate opens
    const t = await createTestApp({ ...stripeEnv(stripe), STRIPE_API_URL: gate.url, STRIPE_MAX_NETWORK_RETRIES: '0', ...DEFAULT_LIMITS }, undefined, { logger });
    try {
      const previews = await previewFlood(t);
      // the flooder's share (4 of STRIPE_MAX_CONCURRENCY's 16) is parked in the gated Stripe; every other preview was refused at once
      await until(() => gate.parked() >= 4, 'the flooder to fill its share');
      const bystander = await registerUser(t);
      const answer = await checkout(t, bystander, { plan: 'lifetime', interval: 'once' });
      expect(answer.status).toBe(201);
      expect(gate.parked()).toBe(4);
      gate.release();
      // the others were refused at once with the busy 503
      const answers = await Promise.all(previews);
      expect(countBy(answers.map((r) => r.status))).toEqual({ 200: 4, 503: 16 });
      expect(gate.maxParked()).toBe(4);
      // the busy 503s are warnings, at most one a second: a flood does not flood the log with errors
      expect(logged.error.filter((line) => line.includes('503'))).toEqual([]);
      const busyWarnings = logged.warn.filter((line) => line.includes('503 service_unavailable'));
      expect(busyWarnings.length).toBeGreaterThanOrEqual(1);
      expect(busyWarnings.length).toBeLessThan(16);
    } finally {
      gate.release();
      await t.close();
      await gate.close();
    }
  });

  it('the control: without a per-user share (STRIPE_MAX_CONCURRENCY_PER_USER=16) the same flood takes every slot and the other user gets 503', async () => {
    const gate = await startGatedStripe(stripe.url, (req) => (req.url ?? '').startsWith('/v1/invoices/create_preview'));
    const t = await createTestApp({ ...stripeEnv(stripe), STRIPE_API_URL: gate.url, STRIPE_MAX_NETWORK_RETRIES: '0', ...DEFAULT_LIMITS, STRIPE_MAX_CONCURRENCY_PER_USER: '16' });
    try {
      const previews = await previewFlood(t);
      await until(() => gate.parked() >= 16, 'the flooder to fill every slot');
      const bystander = await registerUser(t);
      expect((await checkout(t, bystander, { plan: 'lifetime', interval: 'once' })).body).toMatchObject({ error: 'service_unavailable' });
      gate.release();
      await Promise.all(previews);
    } finally {
      gate.release();
      await t.close();
      await gate.close();
    }
  });

  it('change, cancel and resume share SUBSCRIPTION_RATE_LIMIT_PER_USER; preview has its own', async () => {
    const t = await createTestApp({ ...stripeEnv(stripe), ...DEFAULT_LIMITS, SUBSCRIPTION_RATE_LIMIT_PER_USER: '3', SUBSCRIPTION_PREVIEW_RATE_LIMIT_PER_USER: '2' });
    try {
      const user = await registerUser(t);
      const post = (path: string, body: Record<string, unknown> = {}) => request(t.http).post(`/api/billing/subscription/${path}`).set(bearer(user.accessToken)).send(body);
      // no subscription: each answers 409 without Stripe, but the throttle counts the request first
      const answers = [await post('cancel', { atPeriodEnd: true }), await post('resume'), await post('change', { plan: 'pro', interval: 'year' }), await post('resume')];
      expect(answers.map((r) => r.status)).toEqual([409, 409, 409, 429]);
      const previews = [];
      for (let i = 0; i < 3; i++) previews.push((await request(t.http).get('/api/billing/subscription/preview?plan=pro&interval=year').set(bearer(user.accessToken))).status);
      expect(previews).toEqual([409, 409, 429]);
    } finally {
      await t.close();
    }
  });
});

describe('Load: the checkout lease does not poll', () => {
  let stripe: StripeEmulator;
  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
  });
  afterAll(() => stripe.close());

  it("150 concurrent checkouts of one user, all queued, cost fewer than 2,000 statements, and another user's requests finish before the queue drains", async () => {
    const t = await createTestApp({ ...stripeEnv(stripe), CHECKOUT_RATE_LIMIT_PER_USER: '1000', CHECKOUT_QUEUE_PER_USER: '150', CHECKOUT_QUEUE_WAIT_MS: '120000' });
    try {
      const flooder = await registerUser(t);
      const other = await registerUser(t);
      const log = logStatements(t.db);
      const before = log.statements.length;
      let done = 0;
      const events: string[] = [];
      const flood = Array.from({ length: 150 }, () =>
        checkout(t, flooder).then((r) => {
          done += 1;
          if (done === 1 || done === 150) events.push(`flood ${done}`);
          return r.status;
        }),
      );
      await until(() => done >= 1, 'the first checkout of the flood', 60_000);
      await checkout(t, other, { plan: 'lifetime', interval: 'once' }).expect(201);
      await request(t.http).get('/api/billing/checkout-sessions').set(bearer(other.accessToken)).expect(200);
      events.push('other user');
      const statuses = countBy(await Promise.all(flood));
      // every checkout of the flood got its turn and was answered the one open session
      expect(statuses).toEqual({ 201: 150 });
      expect(events).toEqual(['flood 1', 'other user', 'flood 150']);
      const statements = log.statements.length - before;
      expect(statements).toBeLessThan(2000);
      const leaseStatements = log.statements.slice(before).filter((q) => q.includes('checkout_lease_until')).length;
      console.log(`150 queued checkouts of one user: ${statements} statements in all, ${leaseStatements} of them about the lease`);
      const [{ sessions }] = await t.db.query(`SELECT count(*)::int AS sessions FROM checkout_sessions WHERE user_id = $1`, [flooder.id]);
      expect(sessions).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('a full queue answers 429 at once: while one checkout waits on Stripe, CHECKOUT_QUEUE_PER_USER (5) more wait and the rest are refused', async () => {
    const gate = await startGatedStripe(stripe.url, (req) => req.method === 'POST' && (req.url ?? '').startsWith('/v1/checkout/sessions'));
    const t = await createTestApp({ ...stripeEnv(stripe), STRIPE_API_URL: gate.url, CHECKOUT_QUEUE_PER_USER: undefined });
    try {
      const user = await registerUser(t);
      const first = checkout(t, user).then((r) => r);
      await until(() => gate.parked() === 1, 'the first checkout to reach Stripe');
      let settled = 0;
      const more = Array.from({ length: 8 }, () => checkout(t, user).then((r) => (settled++, r)));
      // three are refused while the first still waits on Stripe: the order of events, not a duration
      await until(() => settled >= 3, 'the refusals');
      expect(gate.parked()).toBe(1);
      gate.release();
      const answers = [await first, ...(await Promise.all(more))];
      expect(countBy(answers.map((r) => r.status))).toEqual({ 201: 6, 429: 3 });
      expect(new Set(answers.filter((r) => r.status === 201).map((r) => r.body.id as string)).size).toBe(1);
    } finally {
      gate.release();
      await t.close();
      await gate.close();
    }
  });
});

describe('Abuse: logins', () => {
  let t: TestApp;
  // each test counts from a fresh database: both share one client address
  beforeEach(async () => {
    t = await createTestApp(DEFAULT_LIMITS);
  });
  afterEach(() => t.close());

  const login = (user: RegisteredUser) => request(t.http).post('/api/auth/login').send({ email: user.email, password: user.password });

  it('a hundred successful logins in a row to one account: ten succeed (LOGIN_RATE_LIMIT_ALL_PER_EMAIL), the rest answer 429; live refresh tokens stay at REFRESH_TOKENS_PER_USER, the oldest revoked', async () => {
    const user = await registerUser(t);
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await login(user)).status);
    expect(countBy(statuses)).toEqual({ 200: 10, 429: 90 });
    const [{ live }] = await t.db.query(`SELECT count(*)::int AS live FROM refresh_tokens WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()`, [
      user.id,
    ]);
    expect(live).toBe(10);
    // the registration's session was the oldest of eleven: revoked
    await request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
  });

  it('successful logins from one address are throttled across accounts at LOGIN_RATE_LIMIT_ALL_PER_IP (60 a minute)', async () => {
    const users: RegisteredUser[] = [];
    for (let i = 0; i < 8; i++) users.push(await registerUser(t));
    const statuses: number[] = [];
    for (let round = 0; round < 9; round++) for (const user of users) statuses.push((await login(user)).status);
    // 72 successful logins (9 per account, under the per-account limit) from one address: the first 60 pass
    expect(countBy(statuses)).toEqual({ 200: 60, 429: 12 });
  });
});

describe('Edges: tokens and signatures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_WEBHOOK_SECRET: 'whsec_test_primary_secret_0123456789' });
  });
  afterAll(() => t.close());

  it('an access token without exp, or with an exp beyond JWT_ACCESS_TTL, is refused; a normal one works', async () => {
    const user = await registerUser(t);
    const [{ token_version: ver }] = await t.db.query(`SELECT token_version FROM users WHERE id = $1`, [user.id]);
    const claims = { sub: user.id, role: 'user', ver };
    const forever = jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const tooLong = jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: '30d' });
    const fine = jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', expiresIn: '10m' });
    await request(t.http).get('/api/auth/me').set(bearer(forever)).expect(401);
    await request(t.http).get('/api/auth/me').set(bearer(tooLong)).expect(401);
    await request(t.http).get('/api/auth/me').set(bearer(fine)).expect(200);
  });

  it('a webhook signed 400 s in the future is refused like one 400 s old; one signed now is accepted', async () => {
    const event = { id: 'evt_future_1', object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_x', object: 'customer' } } };
    const now = Math.floor(Date.now() / 1000);
    expect((await deliver(t, event, { timestamp: now + 400 })).body).toMatchObject({ error: 'invalid_signature' });
    expect((await deliver(t, event, { timestamp: now - 400 })).body).toMatchObject({ error: 'invalid_signature' });
    expect((await deliver(t, event, { timestamp: now })).body.error).not.toBe('invalid_signature');
  });

  it('every column a page cursor orders on has at most millisecond precision, which the cursor carries in full (no row skipped)', async () => {
    const paged = [
      ['checkout_sessions', 'created_at'],
      ['users', 'created_at'],
      ['invoices', 'created_at'],
      ['stripe_events', 'received_at'],
    ];
    for (const [table, column] of paged) {
      const [{ precision }] = await t.db.query(`SELECT datetime_precision AS precision FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, [
        table,
        column,
      ]);
      expect({ table, precision }).toEqual({ table, precision: 3 });
    }
  });
});

describe('Slow clients', () => {
  it('a connection that never finishes its headers is closed after HTTP_HEADERS_TIMEOUT_MS; past HTTP_MAX_CONNECTIONS a new one is closed at once', async () => {
    const database = await createTestDatabase();
    const env = { ...baseTestEnv(database.url), PORT: '0', HOST: '127.0.0.1', HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_MAX_CONNECTIONS: '3' };
    const service = await startService(env);
    const sockets: Socket[] = [];
    try {
      const { port } = new URL(service.url);
      const open = () => {
        const socket = connect(Number(port), '127.0.0.1');
        const state = { closed: false, data: '' };
        socket.on('data', (chunk: Buffer) => (state.data += chunk.toString('latin1')));
        socket.on('close', () => (state.closed = true));
        socket.on('error', () => undefined);
        sockets.push(socket);
        return { socket, state };
      };
      const slow = open();
      slow.socket.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      await until(() => slow.state.closed, 'the slow client to be closed', 15_000);
      expect(slow.state.data).toMatch(/^HTTP\/1\.1 408/);

      const held = [open(), open(), open()];
      for (const h of held) h.socket.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\n');
      const extra = open();
      await until(() => extra.state.closed, 'the connection past the cap to be closed', 15_000);
      expect(extra.state.data).toBe('');
    } finally {
      for (const socket of sockets) socket.destroy();
      await service.stop();
      await database.drop();
      rmSync(service.config.dataDir, { recursive: true, force: true });
    }
  });
});

describe('The embedded development PostgreSQL', () => {
  it('listens only on its Unix socket, in a folder only its user can open, with a generated password kept beside it; EMBEDDED_POSTGRES_TCP adds TCP with that password', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'pg-socket-'));
    // under root the cluster runs as a created postgres user, which must reach its folder
    chmodSync(parent, 0o755);
    const dir = join(parent, 'pg');
    const canConnect = async (connectionString: string) => {
      const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    let db = await startEmbeddedPostgres({ dir, database: 'sock', persistent: true });
    try {
      const password = readFileSync(`${dir}-password`, 'utf8').trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(statSync(`${dir}-password`).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(db.url).toContain(`?host=${encodeURIComponent(dir)}`);
      expect(db.tcpUrl).toBeUndefined();
      expect(await canConnect(db.url)).toBe(true);
      const port = new URL(db.url).port;
      // nothing on TCP: neither the old postgres/postgres nor the real password gets in
      expect(await canConnect(`postgres://postgres:${password}@127.0.0.1:${port}/sock`)).toBe(false);
      await db.stop();
      db = await startEmbeddedPostgres({ dir, database: 'sock', tcp: true, port: Number(port) });
      expect(readFileSync(`${dir}-password`, 'utf8').trim()).toBe(password);
      expect(await canConnect(db.tcpUrl!)).toBe(true);
      expect(await canConnect(`postgres://postgres:postgres@127.0.0.1:${port}/sock`)).toBe(false);

      // a cluster from before (superuser password `postgres`, no password file) gets a generated password at its next start
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`ALTER ROLE postgres PASSWORD 'postgres'`);
      await admin.end();
      await db.stop();
      rmSync(`${dir}-password`);
      db = await startEmbeddedPostgres({ dir, database: 'sock', tcp: true, port: Number(port) });
      const renewed = readFileSync(`${dir}-password`, 'utf8').trim();
      expect(renewed).not.toBe(password);
      expect(await canConnect(db.url)).toBe(true);
      expect(await canConnect(`postgres://postgres:postgres@127.0.0.1:${port}/sock`)).toBe(false);
    } finally {
      await db.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A proxy in front of the emulator that parks the requests `hold` picks until `release()`; the rest pass through. */
async function startGatedStripe(
  target: string,
  hold: (req: IncomingMessage) => boolean,
): Promise<{ url: string; parked(): number; maxParked(): number; release(): void; close(): Promise<void> }> {
  const parked: Array<() => void> = [];
  let maxParked = 0;
  let open = false;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', target);
    const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server: Server = createServer((req, res) => {
    if (!open && hold(req)) {
      req.pause();
      parked.push(() => {
        forward(req, res);
      });
      maxParked = Math.max(maxParked, parked.length);
    } else forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    parked: () => parked.length,
    maxParked: () => maxParked,
    release: () => {
      open = true;
      for (const go of parked.splice(0)) go();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
