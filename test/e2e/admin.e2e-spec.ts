import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';

/** Rows are written with SQL: the admin routes only read, and this keeps each scenario's data explicit. */
interface SessionRow {
  userId?: string | null;
  stripeSessionId?: string;
  status?: string;
  paymentStatus?: string;
  mode?: string;
  priceId?: string | null;
  amountTotal?: number | null;
  currency?: string | null;
  createdAt?: string;
  stripeSubscriptionId?: string | null;
  stripePaymentIntentId?: string | null;
}

let seq = 0;
async function insertSession(t: TestApp, row: SessionRow = {}): Promise<{ id: string; stripeSessionId: string }> {
  seq += 1;
  const stripeSessionId = row.stripeSessionId ?? `cs_test_${seq}_${randomUUID().replace(/-/g, '')}`;
  const [inserted] = await t.db.query<Array<{ id: string }>>(
    `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, status, payment_status, price_id, amount_total, currency,
       stripe_subscription_id, stripe_payment_intent_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11::timestamptz, now())) RETURNING id`,
    [
      stripeSessionId,
      row.userId ?? null,
      row.mode ?? 'subscription',
      row.status ?? 'open',
      row.paymentStatus ?? 'unpaid',
      row.priceId ?? null,
      row.amountTotal ?? null,
      row.currency ?? null,
      row.stripeSubscriptionId ?? null,
      row.stripePaymentIntentId ?? null,
      row.createdAt ?? null,
    ],
  );
  return { id: inserted.id, stripeSessionId };
}

interface EventRow {
  id?: string;
  type?: string;
  objectId?: string | null;
  status?: string;
  stripeCreated?: string;
  receivedAt?: string;
  payload?: Record<string, unknown>;
  lastError?: string | null;
  attempts?: number;
}
async function insertEvent(t: TestApp, row: EventRow = {}): Promise<string> {
  seq += 1;
  const id = row.id ?? `evt_test_${seq}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const type = row.type ?? 'checkout.session.completed';
  const payload = row.payload ?? { id, object: 'event', type, data: { object: { id: row.objectId ?? null } } };
  await t.db.query(
    `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, api_version, object_id, payload, status, attempts, last_error, received_at)
     VALUES ($1, $2, $3, false, '2026-10-28.endive', $4, $5, $6, $7, $8, coalesce($9::timestamptz, now()))`,
    [
      id,
      type,
      row.stripeCreated ?? new Date().toISOString(),
      row.objectId ?? null,
      payload,
      row.status ?? 'processed',
      row.attempts ?? 1,
      row.lastError ?? null,
      row.receivedAt ?? null,
    ],
  );
  return id;
}

async function insertUser(t: TestApp, email: string, fields: { plan?: string; subscriptionStatus?: string | null; createdAt?: string } = {}): Promise<string> {
  const [row] = await t.db.query<Array<{ id: string }>>(
    `INSERT INTO users (email, password_hash, plan, subscription_status, created_at) VALUES ($1, '$argon2id$v=19$fake', $2, $3, coalesce($4::timestamptz, now())) RETURNING id`,
    [email, fields.plan ?? 'free', fields.subscriptionStatus ?? null, fields.createdAt ?? null],
  );
  return row.id;
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Admin read side', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const get = (path: string) => request(t.http).get(path).set(bearer(admin.accessToken));

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerAdmin(t);
    alice = await registerUser(t, { email: `alice-${Date.now()}@example.com` });
    bob = await registerUser(t, { email: `bob-${Date.now()}@example.com` });
  });
  afterAll(() => t.close());

  describe('access', () => {
    const routes: Array<['get' | 'post', string]> = [
      ['get', '/api/admin/checkout-sessions'],
      ['get', `/api/admin/checkout-sessions/${randomUUID()}`],
      ['post', `/api/admin/checkout-sessions/${randomUUID()}/sync`],
      ['get', '/api/admin/users'],
      ['get', `/api/admin/users/${randomUUID()}`],
      ['get', '/api/admin/webhook-events'],
      ['get', '/api/admin/webhook-events/evt_123'],
      ['post', '/api/admin/webhook-events/evt_123/replay'],
      ['get', '/api/admin/stats/checkout-sessions'],
    ];

    it.each(routes)('%s %s answers 401 without a token and 403 to a user', async (method, path) => {
      const anonymous = await request(t.http)[method](path).expect(401);
      expect(anonymous.body).toMatchObject({ error: 'unauthorized' });
      const asUser = await request(t.http)[method](path).set(bearer(alice.accessToken)).expect(403);
      expect(asUser.body).toMatchObject({ error: 'forbidden' });
    });
  });

  describe('GET /api/admin/checkout-sessions', () => {
    let ids: Record<string, string>;
    beforeAll(async () => {
      await t.db.query('DELETE FROM checkout_sessions');
      ids = {
        aliceOpen: (await insertSession(t, { userId: alice.id, status: 'open', mode: 'subscription', priceId: 'price_pro_m', createdAt: '2026-01-01T10:00:00Z' })).id,
        alicePaid: (
          await insertSession(t, {
            userId: alice.id,
            status: 'complete',
            paymentStatus: 'paid',
            mode: 'subscription',
            priceId: 'price_pro_m',
            amountTotal: 1500,
            currency: 'usd',
            createdAt: '2026-01-02T10:00:00Z',
          })
        ).id,
        bobOnce: (
          await insertSession(t, {
            userId: bob.id,
            status: 'complete',
            paymentStatus: 'paid',
            mode: 'payment',
            priceId: 'price_life',
            amountTotal: 9900,
            currency: 'eur',
            createdAt: '2026-01-03T10:00:00Z',
          })
        ).id,
        bobExpired: (await insertSession(t, { userId: bob.id, status: 'expired', mode: 'payment', priceId: 'price_life', createdAt: '2026-01-04T10:00:00Z' })).id,
        orphanSetup: (await insertSession(t, { userId: null, status: 'complete', paymentStatus: 'no_payment_required', mode: 'setup', createdAt: '2026-01-05T10:00:00Z' })).id,
      };
    });
    const list = async (query: string) =>
      (await get(`/api/admin/checkout-sessions${query}`).expect(200)).body as { items: Array<Record<string, unknown>>; nextCursor: string | null };
    const idsOf = async (query: string) => (await list(query)).items.map((i) => i.id);

    it('lists every session newest first with its user email', async () => {
      const page = await list('');
      expect(page.items.map((i) => i.id)).toEqual([ids.orphanSetup, ids.bobExpired, ids.bobOnce, ids.alicePaid, ids.aliceOpen]);
      expect(page.nextCursor).toBeNull();
      const paid = page.items.find((i) => i.id === ids.alicePaid)!;
      expect(paid).toMatchObject({
        userId: alice.id,
        userEmail: alice.email,
        status: 'complete',
        paymentStatus: 'paid',
        amountTotal: 1500,
        currency: 'usd',
        priceId: 'price_pro_m',
        fulfilledAt: null,
      });
      expect(page.items.find((i) => i.id === ids.orphanSetup)).toMatchObject({ userId: null, userEmail: null });
    });

    it.each([
      ['?status=complete', ['orphanSetup', 'bobOnce', 'alicePaid']],
      ['?status=expired', ['bobExpired']],
      ['?paymentStatus=paid', ['bobOnce', 'alicePaid']],
      ['?paymentStatus=no_payment_required', ['orphanSetup']],
      ['?mode=payment', ['bobExpired', 'bobOnce']],
      ['?mode=setup', ['orphanSetup']],
      ['?priceId=price_pro_m', ['alicePaid', 'aliceOpen']],
      ['?priceId=price_nothing', []],
      ['?from=2026-01-02&to=2026-01-04', ['bobOnce', 'alicePaid']],
      ['?from=2026-01-04T10:00:00.000Z', ['orphanSetup', 'bobExpired']],
      ['?to=2026-01-02T10:00:00Z', ['aliceOpen']],
      ['?status=complete&mode=payment&paymentStatus=paid', ['bobOnce']],
    ])('filters with %s', async (query, expected) => {
      expect(await idsOf(query)).toEqual(expected.map((k) => ids[k]));
    });

    it('filters by user id and by the user email, ignoring case', async () => {
      expect(await idsOf(`?userId=${bob.id}`)).toEqual([ids.bobExpired, ids.bobOnce]);
      expect(await idsOf(`?email=${encodeURIComponent(alice.email.toUpperCase())}`)).toEqual([ids.alicePaid, ids.aliceOpen]);
      expect(await idsOf(`?email=nobody@example.com`)).toEqual([]);
      expect(await idsOf(`?email=${encodeURIComponent(alice.email)}&status=open`)).toEqual([ids.aliceOpen]);
      expect(await idsOf(`?userId=${randomUUID()}`)).toEqual([]);
    });

    it.each([
      ['?status=paid', 'status'],
      ['?paymentStatus=PAID', 'paymentStatus'],
      ['?mode=donation', 'mode'],
      ['?userId=42', 'userId'],
      ['?email=not-an-email', 'email'],
      ['?priceId=price%27%3B--', 'priceId'],
      ['?from=yesterday', 'from'],
      ['?to=2026-13-01', 'to'],
      ['?from=-200000-01-01', 'from'],
      ['?from=2026-01-01T25:00:00Z', 'from'],
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=ten', 'limit'],
      ['?sort=asc', 'sort'],
    ])('answers 400 for %s', async (query, field) => {
      const res = await get(`/api/admin/checkout-sessions${query}`).expect(400);
      expect(res.body).toMatchObject({ error: 'validation_error' });
      expect(Object.keys(res.body.details.fields)).toContain(field);
    });

    it('answers 400 when from is after to, and for malformed cursors', async () => {
      await get('/api/admin/checkout-sessions?from=2026-02-01&to=2026-01-01').expect(400);
      for (const cursor of [
        'garbage!',
        cursorOf(['2026-01-01T00:00:00Z', 'not-a-uuid']),
        cursorOf(['not a date', randomUUID()]),
        cursorOf(['-200000-01-01T00:00:00Z', randomUUID()]),
        cursorOf({ a: 1 }),
      ]) {
        const res = await get(`/api/admin/checkout-sessions?cursor=${encodeURIComponent(cursor)}`).expect(400);
        expect(res.body).toMatchObject({ error: 'validation_error', details: { fields: { cursor: ['is malformed'] } } });
      }
    });
  });

  describe('pagination under concurrent inserts', () => {
    it('pages through every session exactly once while new ones arrive, ties on createdAt included', async () => {
      await t.db.query('DELETE FROM checkout_sessions');
      const original: string[] = [];
      // three sessions share each timestamp: the id breaks the tie
      for (let i = 0; i < 25; i += 1) {
        const minute = String(Math.floor(i / 3)).padStart(2, '0');
        original.push((await insertSession(t, { userId: alice.id, status: 'open', createdAt: `2026-03-01T10:${minute}:00Z` })).id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?status=open&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await get(`/api/admin/checkout-sessions${query}`).expect(200)).body as { items: Array<{ id: string }>; nextCursor: string | null };
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages += 1;
        // others keep buying while the admin pages: new sessions are newer than any page already served
        await insertSession(t, { userId: bob.id, status: 'open' });
        await insertSession(t, { userId: bob.id, status: 'open' });
      } while (cursor);
      expect(pages).toBe(7);
      expect(new Set(seen).size).toBe(seen.length);
      const expectedOrder = (await t.db.query<Array<{ id: string }>>(`SELECT id FROM checkout_sessions WHERE id = ANY($1) ORDER BY created_at DESC, id DESC`, [original])).map(
        (r) => r.id,
      );
      expect(seen).toEqual(expectedOrder);
    });
  });

  describe('GET /api/admin/checkout-sessions/:id', () => {
    it('shows the session, its user without secrets, its event timeline in Stripe order and its fulfilment', async () => {
      const sub = `sub_${randomUUID().replace(/-/g, '')}`;
      const session = await insertSession(t, { userId: alice.id, status: 'complete', paymentStatus: 'paid', stripeSubscriptionId: sub, amountTotal: 1500, currency: 'usd' });
      const created = await insertEvent(t, {
        type: 'checkout.session.completed',
        objectId: session.stripeSessionId,
        stripeCreated: '2026-04-01T10:00:02Z',
        receivedAt: '2026-04-01T10:00:05Z',
      });
      const subCreated = await insertEvent(t, { type: 'customer.subscription.created', objectId: sub, stripeCreated: '2026-04-01T10:00:01Z', receivedAt: '2026-04-01T10:00:09Z' });
      const invoicePayload = {
        id: 'evt_inv',
        object: 'event',
        type: 'invoice.paid',
        data: { object: { id: 'in_1', object: 'invoice', parent: { type: 'subscription_details', subscription_details: { subscription: sub } } } },
      };
      const invoicePaid = await insertEvent(t, {
        type: 'invoice.paid',
        objectId: 'in_1',
        stripeCreated: '2026-04-01T10:00:02Z',
        receivedAt: '2026-04-01T10:00:03Z',
        payload: invoicePayload,
        status: 'failed',
        lastError: 'boom',
      });
      await insertEvent(t, { type: 'checkout.session.completed', objectId: 'cs_someone_else', stripeCreated: '2026-04-01T10:00:00Z' });
      await insertEvent(t, { type: 'customer.subscription.updated', objectId: 'sub_someone_else', stripeCreated: '2026-04-01T10:00:00Z' });
      await t.db.query(`INSERT INTO fulfillments (checkout_session_id, source, event_id, at) VALUES ($1, 'webhook', $2, '2026-04-01T10:00:05.123Z')`, [session.id, created]);

      for (const id of [session.id, session.stripeSessionId, session.id.toUpperCase()]) {
        const res = await get(`/api/admin/checkout-sessions/${id}`).expect(200);
        expect(res.body).toMatchObject({ id: session.id, stripeSessionId: session.stripeSessionId, userEmail: alice.email, stripeSubscriptionId: sub });
        expect(res.body.user).toMatchObject({ id: alice.id, email: alice.email, role: 'user', plan: 'free' });
        // same Stripe second: the one received first comes first
        expect(res.body.timeline.map((e: { id: string }) => e.id)).toEqual([subCreated, invoicePaid, created]);
        expect(res.body.timeline[1]).toMatchObject({ type: 'invoice.paid', status: 'failed', lastError: 'boom', objectId: 'in_1', receivedAt: '2026-04-01T10:00:03.000Z' });
        expect(res.body.timeline[1].payload).toBeUndefined();
        expect(res.body.fulfillments).toEqual([{ at: '2026-04-01T10:00:05.123Z', source: 'webhook', eventId: created }]);
        expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/i);
      }
    });

    it('answers an unfulfilled, unlinked session with an empty timeline and no fulfilment', async () => {
      const session = await insertSession(t, { userId: null });
      const res = await get(`/api/admin/checkout-sessions/${session.id}`).expect(200);
      expect(res.body).toMatchObject({ user: null, userEmail: null, timeline: [], fulfillments: [] });
    });

    it('answers 404 for unknown ids and 400 for ids that are neither a uuid nor cs_', async () => {
      expect((await get(`/api/admin/checkout-sessions/${randomUUID()}`).expect(404)).body).toMatchObject({ error: 'not_found' });
      await get('/api/admin/checkout-sessions/cs_test_unknown').expect(404);
      expect((await get('/api/admin/checkout-sessions/12345').expect(400)).body).toMatchObject({ error: 'validation_error' });
      await get(`/api/admin/checkout-sessions/${encodeURIComponent("cs_1' OR 1=1")}`).expect(400);
    });
  });

  describe('users', () => {
    let users: Record<string, string>;
    beforeAll(async () => {
      users = {
        carol: await insertUser(t, 'carol@shop.example', { plan: 'pro', subscriptionStatus: 'active', createdAt: '2025-01-01T00:00:00Z' }),
        dave: await insertUser(t, 'dave@shop.example', { plan: 'pro', subscriptionStatus: 'past_due', createdAt: '2025-01-02T00:00:00Z' }),
        erin: await insertUser(t, 'erin_100%@other.example', { plan: 'lifetime', createdAt: '2025-01-03T00:00:00Z' }),
      };
    });
    const emails = async (query: string) => ((await get(`/api/admin/users${query}`).expect(200)).body.items as Array<{ email: string }>).map((u) => u.email);

    it('lists users newest first with plan and status, never a password hash', async () => {
      const res = await get('/api/admin/users?limit=100').expect(200);
      expect(res.body.items.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([admin.id, alice.id, bob.id, users.carol]));
      expect(res.body.items.find((u: { id: string }) => u.id === users.dave)).toMatchObject({
        email: 'dave@shop.example',
        plan: 'pro',
        subscriptionStatus: 'past_due',
        role: 'user',
      });
      const created = res.body.items.map((u: { createdAt: string }) => u.createdAt);
      expect([...created].sort().reverse()).toEqual(created);
      expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/i);
    });

    it('filters by email part (ignoring case, % taken literally), plan and subscription status', async () => {
      expect(await emails('?email=SHOP.example')).toEqual(['dave@shop.example', 'carol@shop.example']);
      expect(await emails('?email=100%25')).toEqual(['erin_100%@other.example']);
      expect(await emails('?email=%25')).toEqual(['erin_100%@other.example']);
      expect(await emails('?email=n_1')).toEqual(['erin_100%@other.example']);
      expect(await emails('?plan=pro')).toEqual(['dave@shop.example', 'carol@shop.example']);
      expect(await emails('?plan=pro&subscriptionStatus=active')).toEqual(['carol@shop.example']);
      expect(await emails('?subscriptionStatus=past_due')).toEqual(['dave@shop.example']);
      expect(await emails('?plan=gold')).toEqual([]);
    });

    it('pages through users with a cursor', async () => {
      const first = await get('/api/admin/users?email=example&limit=2').expect(200);
      expect(first.body.items).toHaveLength(2);
      const rest: string[] = [];
      let cursor: string | null = first.body.nextCursor;
      while (cursor) {
        const page = await get(`/api/admin/users?email=example&limit=2&cursor=${cursor}`).expect(200);
        rest.push(...page.body.items.map((u: { id: string }) => u.id));
        cursor = page.body.nextCursor;
      }
      const all = [...first.body.items.map((u: { id: string }) => u.id), ...rest];
      const total = (await t.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM users WHERE email LIKE '%example%'`))[0].n;
      expect(all).toHaveLength(total);
      expect(new Set(all).size).toBe(total);
    });

    it('answers 400 for bad filters and cursors', async () => {
      for (const query of ['?subscriptionStatus=happy', '?plan=PRO%20PLUS', '?role=admin', '?limit=500', `?cursor=${cursorOf(['2026-01-01T00:00:00Z', 'x'])}`]) {
        expect((await get(`/api/admin/users${query}`).expect(400)).body).toMatchObject({ error: 'validation_error' });
      }
    });

    it('shows one user with their sessions, 404 for an unknown one, 400 for a bad id', async () => {
      const s1 = await insertSession(t, { userId: users.carol, createdAt: '2026-05-01T00:00:00Z' });
      const s2 = await insertSession(t, { userId: users.carol, status: 'complete', paymentStatus: 'paid', createdAt: '2026-05-02T00:00:00Z' });
      await insertSession(t, { userId: users.dave });
      const res = await get(`/api/admin/users/${users.carol}`).expect(200);
      expect(res.body).toMatchObject({ id: users.carol, email: 'carol@shop.example', plan: 'pro', subscriptionStatus: 'active', sessionsNextCursor: null });
      expect(res.body.sessions.map((s: { id: string }) => s.id)).toEqual([s2.id, s1.id]);
      expect(res.body.sessions[0]).toMatchObject({ userEmail: 'carol@shop.example', paymentStatus: 'paid' });
      expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/i);
      await get(`/api/admin/users/${randomUUID()}`).expect(404);
      await get('/api/admin/users/not-a-uuid').expect(400);
    });
  });

  describe('webhook events', () => {
    let ev: Record<string, string>;
    beforeAll(async () => {
      await t.db.query('DELETE FROM stripe_events');
      ev = {
        a: await insertEvent(t, { type: 'checkout.session.completed', status: 'processed', receivedAt: '2026-06-01T00:00:00Z' }),
        b: await insertEvent(t, { type: 'invoice.paid', status: 'failed', lastError: 'relation exploded', attempts: 3, receivedAt: '2026-06-02T00:00:00Z' }),
        c: await insertEvent(t, { type: 'customer.subscription.updated', status: 'ignored', receivedAt: '2026-06-03T00:00:00Z' }),
        d: await insertEvent(t, { type: 'invoice.paid', status: 'processed', receivedAt: '2026-06-04T00:00:00Z' }),
        e: await insertEvent(t, {
          type: 'payment_intent.succeeded',
          status: 'received',
          receivedAt: '2026-06-05T00:00:00Z',
          payload: {
            id: 'evt_pi',
            object: 'event',
            type: 'payment_intent.succeeded',
            data: { object: { id: 'pi_1', object: 'payment_intent', client_secret: 'pi_1_secret_abcdef', amount: 100 } },
          },
        }),
      };
    });
    const eventIds = async (query: string) => ((await get(`/api/admin/webhook-events${query}`).expect(200)).body.items as Array<{ id: string }>).map((e) => e.id);

    it.each([
      ['', ['e', 'd', 'c', 'b', 'a']],
      ['?status=failed', ['b']],
      ['?status=processed', ['d', 'a']],
      ['?type=invoice.paid', ['d', 'b']],
      ['?type=invoice.paid&status=processed', ['d']],
      ['?from=2026-06-02&to=2026-06-04', ['c', 'b']],
      ['?to=2026-06-02T00:00:00.001Z', ['b', 'a']],
    ])('lists events newest received first, filtered with "%s"', async (query, expected) => {
      expect(await eventIds(query)).toEqual(expected.map((k) => ev[k]));
    });

    it('pages with a cursor over received time', async () => {
      const seen: string[] = [];
      const arrived: string[] = [];
      let cursor: string | null = null;
      try {
        do {
          const res: request.Response = await get(`/api/admin/webhook-events?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
          seen.push(...res.body.items.map((e: { id: string }) => e.id));
          cursor = res.body.nextCursor;
          arrived.push(await insertEvent(t, { receivedAt: new Date().toISOString() }));
        } while (cursor);
      } finally {
        // the other tests of this block list exactly the five events of its beforeAll, in any order of tests
        await t.db.query('DELETE FROM stripe_events WHERE id = ANY($1)', [arrived]);
      }
      expect(seen).toEqual(['e', 'd', 'c', 'b', 'a'].map((k) => ev[k]));
    });

    it('shows one event with payload, attempts and last error, secrets redacted', async () => {
      const failed = await get(`/api/admin/webhook-events/${ev.b}`).expect(200);
      expect(failed.body).toMatchObject({
        id: ev.b,
        type: 'invoice.paid',
        status: 'failed',
        attempts: 3,
        lastError: 'relation exploded',
        livemode: false,
        apiVersion: '2026-10-28.endive',
      });
      expect(failed.body.payload).toMatchObject({ object: 'event', type: 'checkout.session.completed' === failed.body.type ? 'x' : 'invoice.paid' });
      const pi = await get(`/api/admin/webhook-events/${ev.e}`).expect(200);
      expect(pi.body.payload.data.object).toEqual({ id: 'pi_1', object: 'payment_intent', client_secret: '[redacted]', amount: 100 });
      expect(JSON.stringify(pi.body)).not.toContain('pi_1_secret_abcdef');
    });

    it('answers 404 for an unknown event and 400 for bad input', async () => {
      await get('/api/admin/webhook-events/evt_unknown').expect(404);
      await get('/api/admin/webhook-events/not-an-event').expect(400);
      for (const query of [
        '?status=done',
        '?type=DROP%20TABLE',
        '?from=June',
        '?page=2',
        `?cursor=${cursorOf([1, 2])}`,
        `?cursor=${cursorOf(['+200000-01-01T00:00:00Z', 'evt_1'])}`,
      ]) {
        expect((await get(`/api/admin/webhook-events${query}`).expect(400)).body).toMatchObject({ error: 'validation_error' });
      }
    });
  });

  describe('GET /api/admin/stats/checkout-sessions', () => {
    it('counts sessions per status and sums paid amounts per currency and UTC day', async () => {
      await t.db.query('DELETE FROM checkout_sessions');
      await insertSession(t, { status: 'complete', paymentStatus: 'paid', amountTotal: 1000, currency: 'usd', createdAt: '2026-07-01T01:00:00Z' });
      await insertSession(t, { status: 'complete', paymentStatus: 'paid', amountTotal: 500, currency: 'usd', createdAt: '2026-07-01T23:59:59Z' });
      await insertSession(t, { status: 'complete', paymentStatus: 'paid', amountTotal: 700, currency: 'eur', createdAt: '2026-07-01T12:00:00Z' });
      await insertSession(t, { status: 'complete', paymentStatus: 'paid', amountTotal: 2000, currency: 'usd', createdAt: '2026-07-02T00:00:00Z' });
      await insertSession(t, { status: 'open', amountTotal: 999, currency: 'usd', createdAt: '2026-07-02T05:00:00Z' });
      await insertSession(t, { status: 'expired', createdAt: '2026-07-03T05:00:00Z' });
      await insertSession(t, { status: 'complete', paymentStatus: 'paid', amountTotal: 5000, currency: 'usd', createdAt: '2026-08-01T00:00:00Z' });

      const res = await get('/api/admin/stats/checkout-sessions?from=2026-07-01&to=2026-08-01').expect(200);
      expect(res.body).toEqual({
        from: '2026-07-01T00:00:00.000Z',
        to: '2026-08-01T00:00:00.000Z',
        total: 6,
        byStatus: { open: 1, complete: 4, expired: 1 },
        byPaymentStatus: { paid: 4, unpaid: 2, no_payment_required: 0 },
        paidTotals: [
          { currency: 'eur', amount: 700, count: 1 },
          { currency: 'usd', amount: 3500, count: 3 },
        ],
        paidByDay: [
          { day: '2026-07-01', currency: 'eur', amount: 700, count: 1 },
          { day: '2026-07-01', currency: 'usd', amount: 1500, count: 2 },
          { day: '2026-07-02', currency: 'usd', amount: 2000, count: 1 },
        ],
        paidDiscounts: [],
      });
    });

    it('defaults to the last 30 days and refuses bad or too long ranges', async () => {
      const res = await get('/api/admin/stats/checkout-sessions').expect(200);
      expect(new Date(res.body.to).getTime() - new Date(res.body.from).getTime()).toBe(30 * 86_400_000);
      await get('/api/admin/stats/checkout-sessions?from=2024-01-01&to=2026-01-01').expect(400);
      await get('/api/admin/stats/checkout-sessions?from=soon').expect(400);
      await get('/api/admin/stats/checkout-sessions?from=2026-02-01&to=2026-01-01').expect(400);
      await get('/api/admin/stats/checkout-sessions?currency=usd').expect(400);
    });
  });

  it('documents every admin route with its operation id, filters and enums', async () => {
    const doc = (await request(t.http).get('/docs-json').expect(200)).body;
    const op = (path: string, method: string) => doc.paths[path][method];
    expect(op('/api/admin/checkout-sessions', 'get').operationId).toBe('listAdminCheckoutSessions');
    expect(op('/api/admin/checkout-sessions/{id}', 'get').operationId).toBe('getAdminCheckoutSession');
    expect(op('/api/admin/users', 'get').operationId).toBe('listAdminUsers');
    expect(op('/api/admin/users/{id}', 'get').operationId).toBe('getAdminUser');
    expect(op('/api/admin/webhook-events', 'get').operationId).toBe('listWebhookEvents');
    expect(op('/api/admin/webhook-events/{id}', 'get').operationId).toBe('getWebhookEvent');
    expect(op('/api/admin/stats/checkout-sessions', 'get').operationId).toBe('getCheckoutSessionStats');
    expect(op('/api/admin/checkout-sessions/{id}/sync', 'post').operationId).toBe('syncCheckoutSession');
    expect(op('/api/admin/webhook-events/{id}/replay', 'post').operationId).toBe('replayWebhookEvent');
    const params = op('/api/admin/checkout-sessions', 'get').parameters as Array<{ name: string; in: string; schema: Record<string, unknown> }>;
    expect(params.map((p) => p.name).sort()).toEqual([
      'cursor',
      'disputed',
      'email',
      'from',
      'limit',
      'mode',
      'paymentStatus',
      'priceId',
      'status',
      'to',
      'unmapped',
      'unmatched',
      'userId',
    ]);
    const schemaOf = (name: string) => {
      const schema = params.find((p) => p.name === name)!.schema;
      return schema.$ref ? doc.components.schemas[(schema.$ref as string).split('/').pop()!] : schema;
    };
    // the enum schemas are shared with the billing routes, so only the sets of values are asserted
    expect([...schemaOf('status').enum].sort()).toEqual(['complete', 'expired', 'open']);
    expect([...schemaOf('paymentStatus').enum].sort()).toEqual(['no_payment_required', 'paid', 'unpaid']);
    expect([...schemaOf('mode').enum].sort()).toEqual(['payment', 'setup', 'subscription']);
    expect(
      op('/api/admin/users', 'get')
        .parameters.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['cursor', 'email', 'limit', 'plan', 'subscriptionStatus']);
    const eventParams = op('/api/admin/webhook-events', 'get').parameters as Array<{ name: string }>;
    expect(eventParams.map((p) => p.name).sort()).toEqual(['cursor', 'from', 'limit', 'status', 'to', 'type']);
    const detail = doc.components.schemas.AdminCheckoutSessionDetailDto;
    expect(JSON.stringify(detail)).toContain('timeline');
    expect(JSON.stringify(doc.components.schemas.AdminUserDto)).not.toMatch(/password/i);
  });
});
