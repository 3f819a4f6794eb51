import request from 'supertest';
import type { StripeEmulator } from '../../src/stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { PRICES, startEmulator, stripeEnv } from '../support/stripe-emulator.js';

describe('Billing', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  beforeAll(async () => {
    stripe = await startEmulator();
    t = await createTestApp(stripeEnv(stripe));
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const create = (user: RegisteredUser, body: object = { plan: 'pro', interval: 'month' }, key?: string) => {
    const req = request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken));
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const sessionPosts = () => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
  const rowsOf = (userId: string) => t.db.query(`SELECT * FROM checkout_sessions WHERE user_id = $1`, [userId]);

  it('GET /api/billing/plans lists the catalogue to anyone', async () => {
    const res = await request(t.http).get('/api/billing/plans').expect(200);
    expect(res.body).toEqual([
      { plan: 'lifetime', interval: 'once', priceId: PRICES.lifetime, mode: 'payment', features: [] },
      { plan: 'pro', interval: 'month', priceId: PRICES.proMonthly, mode: 'subscription', features: [] },
      { plan: 'pro', interval: 'year', priceId: PRICES.proYearly, mode: 'subscription', features: [] },
    ]);
  });

  describe('POST /api/billing/checkout-sessions', () => {
    it('creates the customer and the session in Stripe with the catalogue price, and stores the session', async () => {
      const user = await registerUser(t, { name: 'Buyer' });
      const before = stripe.requests.length;
      const res = await create(user).expect(201);
      expect(res.body).toMatchObject({
        status: 'open',
        paymentStatus: 'unpaid',
        mode: 'subscription',
        plan: 'pro',
        interval: 'month',
        amountTotal: 2000,
        currency: 'usd',
        fulfilledAt: null,
      });
      expect(res.body.stripeSessionId).toMatch(/^cs_test_/);
      expect(res.body.url).toBe(`${stripe.url}/checkout/${res.body.stripeSessionId}`);
      expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());

      const sent = stripe.requests.slice(before);
      const customer = sent.find((r) => r.path === '/v1/customers')!;
      expect(customer.body).toMatchObject({ email: user.email, name: 'Buyer', metadata: { userId: user.id } });
      const session = sent.find((r) => r.path === '/v1/checkout/sessions')!;
      const customerId = stripe.store.sessionRecord(res.body.stripeSessionId).session.customer;
      expect(session.body).toMatchObject({
        mode: 'subscription',
        customer: customerId,
        client_reference_id: user.id,
        metadata: { userId: user.id, plan: 'pro', interval: 'month' },
        line_items: [{ price: PRICES.proMonthly, quantity: '1' }],
        success_url: 'http://localhost:3000/checkout/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'http://localhost:3000/checkout/cancel',
      });
      expect(session.stripeVersion).toBe('2026-10-28.endive');

      const [row] = await rowsOf(user.id);
      expect(row).toMatchObject({
        id: res.body.id,
        stripe_session_id: res.body.stripeSessionId,
        price_id: PRICES.proMonthly,
        quantity: 1,
        status: 'open',
        stripe_customer_id: customerId,
      });
      const [dbUser] = await t.db.query(`SELECT stripe_customer_id FROM users WHERE id = $1`, [user.id]);
      expect(dbUser.stripe_customer_id).toBe(customerId);
    });

    it('uses one-time payment mode for a ONCE price and reuses the customer', async () => {
      const user = await registerUser(t);
      await create(user).expect(201);
      const res = await create(user, { plan: 'lifetime', interval: 'once' }).expect(201);
      expect(res.body).toMatchObject({ mode: 'payment', plan: 'lifetime', amountTotal: 49900 });
      const customers = [...stripe.store.customers.values()].filter((c) => c.metadata.userId === user.id);
      expect(customers).toHaveLength(1);
    });

    it.each([
      [{ plan: 'gold', interval: 'month' }],
      [{ plan: 'lifetime', interval: 'month' }],
      [{ plan: 'pro', interval: 'weekly' }],
      [{ plan: 'pro' }],
      [{ plan: 'pro', interval: 'month', priceId: 'price_cheap' }],
      [{ plan: '<script>', interval: 'month' }],
    ])('answers %j with 400 and sends nothing to Stripe', async (body) => {
      const user = await registerUser(t);
      const before = sessionPosts().length;
      const res = await create(user, body).expect(400);
      expect(res.body.error).toBe('validation_error');
      expect(sessionPosts().length).toBe(before);
      expect(await rowsOf(user.id)).toHaveLength(0);
    });

    it('needs a signed-in user', async () => {
      const res = await request(t.http).post('/api/billing/checkout-sessions').send({ plan: 'pro', interval: 'month' }).expect(401);
      expect(res.body.error).toBe('unauthorized');
    });

    it('answers a retried request with the same Idempotency-Key with the same session', async () => {
      const user = await registerUser(t);
      const first = await create(user, undefined, 'order-42').expect(201);
      const before = sessionPosts().length;
      const again = await create(user, undefined, 'order-42').expect(201);
      expect(again.body.id).toBe(first.body.id);
      expect(sessionPosts().length).toBe(before);
      expect(await rowsOf(user.id)).toHaveLength(1);
    });

    it('creates one session for concurrent requests with the same Idempotency-Key, and Stripe got that key', async () => {
      const user = await registerUser(t);
      const results = await Promise.all([1, 2, 3].map(() => create(user, undefined, 'double-click')));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(results.map((r) => r.body.stripeSessionId)).size).toBe(1);
      expect(await rowsOf(user.id)).toHaveLength(1);
      const keys = sessionPosts()
        .filter((r) => r.body.client_reference_id === user.id)
        .map((r) => r.idempotencyKey);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^checkout-/);
    });

    it('refuses an Idempotency-Key reused for another plan, and a malformed one', async () => {
      const user = await registerUser(t);
      await create(user, undefined, 'key-1').expect(201);
      expect((await create(user, { plan: 'pro', interval: 'year' }, 'key-1').expect(409)).body.error).toBe('conflict');
      expect((await create(user, undefined, 'x'.repeat(300)).expect(400)).body.error).toBe('validation_error');
    });

    it("creates exactly one Stripe customer when a user's first checkouts race", async () => {
      const user = await registerUser(t);
      const results = await Promise.all([1, 2, 3, 4].map(() => create(user)));
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      const customers = [...stripe.store.customers.values()].filter((c) => c.metadata.userId === user.id);
      expect(customers).toHaveLength(1);
      const rows = await rowsOf(user.id);
      expect(new Set(rows.map((r: { stripe_customer_id: string }) => r.stripe_customer_id))).toEqual(new Set([customers[0].id]));
    });

    it('answers 409 to a user who already has a live subscription, pointing to the plan-change route, and calls Stripe for nothing', async () => {
      const user = await registerUser(t);
      await t.db.query(`INSERT INTO subscriptions (stripe_subscription_id, user_id, status, plan, state_at) VALUES ($1, $2, 'active', 'pro', now())`, [
        `sub_${user.id.slice(0, 8)}`,
        user.id,
      ]);
      const before = stripe.requests.length;
      const res = await create(user, { plan: 'pro', interval: 'year' }).expect(409);
      expect(res.body).toMatchObject({ error: 'conflict', details: { hint: 'POST /api/billing/subscription/change' } });
      expect(stripe.requests.length).toBe(before);
      await create(user, { plan: 'lifetime', interval: 'once' }).expect(201);
    });
  });

  describe('reading sessions', () => {
    it('lists my sessions newest first with cursor pages', async () => {
      const user = await registerUser(t);
      const ids: string[] = [];
      // an open session of the same plan and UI mode would be answered again: alternating the mode makes a new one each time
      for (let i = 0; i < 5; i++) ids.push((await create(user, { plan: 'lifetime', interval: 'once', uiMode: i % 2 ? 'embedded' : 'hosted' })).body.id);
      const page1 = await request(t.http).get('/api/billing/checkout-sessions?limit=2').set(bearer(user.accessToken)).expect(200);
      expect(page1.body.items.map((s: { id: string }) => s.id)).toEqual([ids[4], ids[3]]);
      const page2 = await request(t.http).get(`/api/billing/checkout-sessions?limit=2&cursor=${page1.body.nextCursor}`).set(bearer(user.accessToken)).expect(200);
      expect(page2.body.items.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
      const page3 = await request(t.http).get(`/api/billing/checkout-sessions?limit=2&cursor=${page2.body.nextCursor}`).set(bearer(user.accessToken)).expect(200);
      expect(page3.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor', 'limit=-5', 'other=1'])('answers ?%s with 400', async (query) => {
      const user = await registerUser(t);
      const res = await request(t.http).get(`/api/billing/checkout-sessions?${query}`).set(bearer(user.accessToken)).expect(400);
      expect(res.body.error).toBe('validation_error');
    });

    it("reads my own session by either id, and never another user's", async () => {
      const owner = await registerUser(t);
      const other = await registerUser(t);
      const created = (await create(owner).expect(201)).body;
      await request(t.http).get(`/api/billing/checkout-sessions/${created.id}`).set(bearer(owner.accessToken)).expect(200);
      const byStripe = await request(t.http).get(`/api/billing/checkout-sessions/${created.stripeSessionId}`).set(bearer(owner.accessToken)).expect(200);
      expect(byStripe.body.id).toBe(created.id);
      for (const id of [created.id, created.stripeSessionId, 'not-an-id', '00000000-0000-0000-0000-000000000000']) {
        const res = await request(t.http).get(`/api/billing/checkout-sessions/${id}`).set(bearer(other.accessToken)).expect(404);
        expect(res.body.error).toBe('not_found');
      }
      const list = await request(t.http).get('/api/billing/checkout-sessions').set(bearer(other.accessToken)).expect(200);
      expect(list.body.items).toEqual([]);
    });
  });

  describe('portal and subscription', () => {
    it('answers 409 for the portal before any checkout, then a portal URL for the customer', async () => {
      const user = await registerUser(t);
      expect((await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(409)).body.error).toBe('conflict');
      await create(user).expect(201);
      const res = await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(201);
      expect(res.body.url).toMatch(new RegExp(`^${stripe.url}/portal/bps_`));
      const sent = stripe.requests.filter((r) => r.path === '/v1/billing_portal/sessions').pop()!;
      expect(sent.body).toMatchObject({ return_url: 'http://localhost:3000/' });
    });

    it('GET /api/billing/subscription shows the plan as the webhooks left it', async () => {
      const user = await registerUser(t);
      expect((await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body).toEqual({
        plan: 'free',
        subscriptionPlan: null,
        interval: null,
        status: null,
        currentPeriodEnd: null,
        cancelAtPeriodEnd: false,
        cancelAt: null,
        trialEnd: null,
        pausedCollection: null,
        actionRequired: null,
        pendingUpdate: null,
        scheduledChange: null,
      });
    });
  });

  describe('when Stripe fails', () => {
    it("answers 502 stripe_error with a stable message (Stripe's own is for admins and logs) and writes nothing", async () => {
      const user = await registerUser(t);
      await create(user, { plan: 'lifetime', interval: 'once' }).expect(201); // the customer exists, so the next call is the session
      stripe.failNextRequests(1, { status: 400, type: 'invalid_request_error', message: 'No such price: price_pro_monthly' });
      const res = await create(user).expect(502);
      expect(res.body).toMatchObject({ error: 'stripe_error', message: 'Stripe could not carry out this request; contact support if it keeps happening' });
      expect(JSON.stringify(res.body)).not.toContain('No such price');
      expect(await rowsOf(user.id)).toHaveLength(1);
    });

    it('answers 503 service_unavailable when Stripe cannot be reached, after the SDK retries, and writes nothing', async () => {
      const user = await registerUser(t);
      // every try fails: the first and STRIPE_MAX_NETWORK_RETRIES (1) more
      stripe.failNextRequests(2, { drop: true });
      const res = await create(user).expect(503);
      expect(res.body.error).toBe('service_unavailable');
      expect(await rowsOf(user.id)).toHaveLength(0);
      const [dbUser] = await t.db.query(`SELECT stripe_customer_id FROM users WHERE id = $1`, [user.id]);
      expect(dbUser.stripe_customer_id).toBeNull();
    });
  });
});

describe('Billing without Stripe configuration', () => {
  it('answers 503 stripe_not_configured', async () => {
    const t = await createTestApp({ STRIPE_PRICE_PRO_MONTHLY: PRICES.proMonthly });
    try {
      const user = await registerUser(t);
      const res = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(503);
      expect(res.body.error).toBe('stripe_not_configured');
      await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(503);
    } finally {
      await t.close();
    }
  });

  it('answers 502 without key material when Stripe rejects the key', async () => {
    const stripe = await startEmulator();
    const t = await createTestApp({ ...stripeEnv(stripe), STRIPE_SECRET_KEY: 'sk_test_wrong_key_abcdef123' });
    try {
      const user = await registerUser(t);
      const res = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(502);
      expect(res.body.error).toBe('stripe_error');
      expect(JSON.stringify(res.body)).not.toContain('sk_test_wrong_key');
    } finally {
      await t.close();
      await stripe.close();
    }
  });
});
