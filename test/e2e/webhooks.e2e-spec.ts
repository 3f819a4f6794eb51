import type Stripe from 'stripe';
import request from 'supertest';
import { checkoutSessionObject, eventObject, invoiceObject, priceObject, subscriptionObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertCheckoutSession, me, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliver, ROTATED_SECRET, signPayload, WEBHOOK_SECRET } from '../support/webhooks.js';

const PRO_PRICE = 'price_pro_monthly';
const proPrice = priceObject({ id: PRO_PRICE });

const env = {
  STRIPE_WEBHOOK_SECRET: `${WEBHOOK_SECRET},${ROTATED_SECRET}`,
  STRIPE_PRICE_PRO_MONTHLY: PRO_PRICE,
  STRIPE_PRICE_LIFETIME_ONCE: 'price_lifetime_once',
};

describe('Stripe webhooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(env);
  });
  afterAll(() => t.close());

  /** A user with one of our open sessions, as POST /api/billing/checkout-sessions leaves them. */
  async function openSession(options: { mode?: 'subscription' | 'payment'; plan?: string } = {}) {
    const user = await registerUser(t);
    const session = checkoutSessionObject({ mode: options.mode ?? 'subscription', client_reference_id: user.id, metadata: { userId: user.id } });
    const row = await insertCheckoutSession(t.db, {
      stripeSessionId: session.id,
      userId: user.id,
      mode: options.mode ?? 'subscription',
      plan: options.plan ?? 'pro',
      interval: session.mode === 'payment' ? 'once' : 'month',
      priceId: session.mode === 'payment' ? 'price_lifetime_once' : PRO_PRICE,
      status: 'open',
      paymentStatus: 'unpaid',
      url: session.url,
    });
    return { user, session, rowId: row.id };
  }

  function paid(session: Stripe.Checkout.Session, extra: Partial<Stripe.Checkout.Session> = {}): Stripe.Checkout.Session {
    return {
      ...session,
      status: 'complete',
      payment_status: 'paid',
      customer: 'cus_' + session.id.slice(-14),
      subscription: session.mode === 'subscription' ? 'sub_' + session.id.slice(-20) : null,
      payment_intent: session.mode === 'payment' ? 'pi_' + session.id.slice(-20) : null,
      amount_total: 2000,
      currency: 'usd',
      customer_details: { email: 'payer@example.com' } as Stripe.Checkout.Session.CustomerDetails,
      ...extra,
    };
  }

  const sessionRow = async (id: string) => (await t.db.query(`SELECT * FROM checkout_sessions WHERE stripe_session_id = $1`, [id]))[0];
  const fulfillmentsOf = (rowId: string) => t.db.query(`SELECT * FROM fulfillments WHERE checkout_session_id = $1`, [rowId]);
  const eventRow = async (id: string) => (await t.db.query(`SELECT * FROM stripe_events WHERE id = $1`, [id]))[0];

  describe('signatures', () => {
    const event = () => eventObject('checkout.session.expired', checkoutSessionObject({ status: 'expired' }));

    it.each([
      ['missing', { header: null }],
      ['malformed', { header: 'not-a-signature' }],
      ['signed with another secret', { secret: 'whsec_someone_else_entirely' }],
      ['stale (older than the tolerance)', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
    ])('refuses a %s signature with 400 invalid_signature and stores nothing', async (_, options) => {
      const e = event();
      const res = await deliver(t, e, options).expect(400);
      expect(res.body).toMatchObject({ error: 'invalid_signature' });
      expect(await eventRow(e.id)).toBeUndefined();
    });

    it('refuses a body altered after signing', async () => {
      const e = event();
      const payload = JSON.stringify(e);
      const header = signPayload(payload, WEBHOOK_SECRET);
      const res = await request(t.http)
        .post('/api/webhooks/stripe')
        .set('Content-Type', 'application/json')
        .set('Stripe-Signature', header)
        .send(payload.replace('"livemode":false', '"livemode":true'))
        .expect(400);
      expect(res.body.error).toBe('invalid_signature');
    });

    it('accepts the second of several comma-separated secrets (rotation)', async () => {
      const e = event();
      await deliver(t, e, { secret: ROTATED_SECRET }).expect(200, { received: true });
      expect((await eventRow(e.id)).status).toBe('processed');
    });

    it('refuses a signed body that is not a Stripe event', async () => {
      const res = await deliver(t, { id: 'nope', hello: 'world' }).expect(400);
      expect(res.body.error).toBe('validation_error');
    });
  });

  describe('checkout sessions', () => {
    it('fulfils a paid subscription checkout: session complete, user on the plan, one ledger entry', async () => {
      const { user, session, rowId } = await openSession();
      const e = eventObject('checkout.session.completed', paid(session));
      await deliver(t, e).expect(200, { received: true });

      const row = await sessionRow(session.id);
      expect(row).toMatchObject({ status: 'complete', payment_status: 'paid', amount_total: '2000', currency: 'usd' });
      expect(row.stripe_customer_id).toMatch(/^cus_/);
      expect(row.stripe_subscription_id).toMatch(/^sub_/);
      expect(row.fulfilled_at).not.toBeNull();
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      const [dbUser] = await t.db.query(`SELECT stripe_customer_id, stripe_subscription_id FROM users WHERE id = $1`, [user.id]);
      expect(dbUser).toEqual({ stripe_customer_id: row.stripe_customer_id, stripe_subscription_id: row.stripe_subscription_id });
      const ledger = await fulfillmentsOf(rowId);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({ source: 'webhook', event_id: e.id });
      expect(await eventRow(e.id)).toMatchObject({ status: 'processed', attempts: 1, type: 'checkout.session.completed', object_id: session.id });
    });

    it('grants a one-time purchase with the payment intent recorded', async () => {
      const { user, session } = await openSession({ mode: 'payment', plan: 'lifetime' });
      await deliver(t, eventObject('checkout.session.completed', paid(session))).expect(200);
      expect((await sessionRow(session.id)).stripe_payment_intent_id).toMatch(/^pi_/);
      expect(await me(t, user)).toMatchObject({ plan: 'lifetime', subscriptionStatus: null });
    });

    it('grants nothing for a completed but unpaid session until the delayed payment succeeds', async () => {
      const { user, session, rowId } = await openSession({ mode: 'payment', plan: 'lifetime' });
      await deliver(t, eventObject('checkout.session.completed', paid(session, { payment_status: 'unpaid' }))).expect(200);
      expect(await sessionRow(session.id)).toMatchObject({ status: 'complete', payment_status: 'unpaid', fulfilled_at: null });
      expect((await me(t, user)).plan).toBe('free');
      expect(await fulfillmentsOf(rowId)).toHaveLength(0);

      await deliver(t, eventObject('checkout.session.async_payment_succeeded', paid(session))).expect(200);
      expect((await sessionRow(session.id)).payment_status).toBe('paid');
      expect((await me(t, user)).plan).toBe('lifetime');
      expect(await fulfillmentsOf(rowId)).toHaveLength(1);
    });

    it('records a failed delayed payment and grants nothing', async () => {
      const { user, session, rowId } = await openSession({ mode: 'payment', plan: 'lifetime' });
      await deliver(t, eventObject('checkout.session.completed', paid(session, { payment_status: 'unpaid' }))).expect(200);
      await deliver(t, eventObject('checkout.session.async_payment_failed', paid(session, { payment_status: 'unpaid' }))).expect(200);
      const row = await sessionRow(session.id);
      expect(row.payment_failed_at).not.toBeNull();
      expect(row.fulfilled_at).toBeNull();
      expect((await me(t, user)).plan).toBe('free');
      expect(await fulfillmentsOf(rowId)).toHaveLength(0);
    });

    it('marks an expired session expired, and a complete one never goes back', async () => {
      const { session } = await openSession();
      await deliver(t, eventObject('checkout.session.expired', { ...session, status: 'expired' })).expect(200);
      expect((await sessionRow(session.id)).status).toBe('expired');

      const other = await openSession();
      const now = Math.floor(Date.now() / 1000);
      await deliver(t, eventObject('checkout.session.completed', paid(other.session), { created: now })).expect(200);
      await deliver(t, eventObject('checkout.session.expired', { ...other.session, status: 'expired' }, { created: now + 5 })).expect(200);
      expect((await sessionRow(other.session.id)).status).toBe('complete');
    });

    it('answers a duplicate delivery 200 and does nothing more', async () => {
      const { user, session, rowId } = await openSession();
      const e = eventObject('checkout.session.completed', paid(session));
      await deliver(t, e).expect(200);
      const before = await me(t, user);
      await deliver(t, e).expect(200, { received: true });
      expect(await me(t, user)).toEqual(before);
      expect(await fulfillmentsOf(rowId)).toHaveLength(1);
      expect((await eventRow(e.id)).attempts).toBe(1);
    });

    it('applies concurrent deliveries of one event once', async () => {
      const { session, rowId } = await openSession();
      const e = eventObject('checkout.session.completed', paid(session));
      const results = await Promise.all(Array.from({ length: 8 }, () => deliver(t, e)));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(await fulfillmentsOf(rowId)).toHaveLength(1);
      expect((await eventRow(e.id)).attempts).toBe(1);
    });

    it('fulfils once when Stripe sends two distinct events for the same change at the same moment', async () => {
      const { session, rowId } = await openSession();
      const first = eventObject('checkout.session.completed', paid(session));
      const second = eventObject('checkout.session.completed', paid(session));
      await Promise.all([deliver(t, first), deliver(t, second), deliver(t, first), deliver(t, second)]);
      const ledger = await fulfillmentsOf(rowId);
      expect(ledger).toHaveLength(1);
      expect([first.id, second.id]).toContain(ledger[0].event_id);
      expect((await eventRow(first.id)).status).toBe('processed');
      expect((await eventRow(second.id)).status).toBe('processed');
    });

    it("never moves a Stripe customer another user has, on the session or on its subscription's events: the payer gets the plan", async () => {
      const holder = await registerUser(t);
      const customer = `cus_held_${holder.id.replace(/-/g, '').slice(0, 12)}`;
      await t.db.query(`UPDATE users SET stripe_customer_id = $2 WHERE id = $1`, [holder.id, customer]);
      const { user, session } = await openSession();
      const customers = async () =>
        Object.fromEntries(
          (await t.db.query(`SELECT id, stripe_customer_id FROM users WHERE id = ANY($1)`, [[holder.id, user.id]])).map((r: { id: string; stripe_customer_id: string | null }) => [
            r.id,
            r.stripe_customer_id,
          ]),
        );
      const completed = paid(session, { customer });
      await deliver(t, eventObject('checkout.session.completed', completed)).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      expect(await customers()).toEqual({ [holder.id]: customer, [user.id]: null });

      // the subscription is the session's, so it stays the payer's; its customer is still not taken from the holder
      const subscription = subscriptionObject({ id: completed.subscription as string, customer, price: proPrice, status: 'active' });
      await deliver(t, eventObject('customer.subscription.created', subscription)).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      expect(await me(t, holder)).toMatchObject({ plan: 'free' });
      expect(await customers()).toEqual({ [holder.id]: customer, [user.id]: null });
    });
  });

  describe('sessions created outside this service', () => {
    const outside = (extra: Partial<Stripe.Checkout.Session>) => paid(checkoutSessionObject({ mode: 'payment', metadata: { plan: 'lifetime' }, payment_link: 'plink_123' }), extra);

    it.each([
      ['client_reference_id', (u: RegisteredUser) => ({ client_reference_id: u.id })],
      ['metadata.userId', (u: RegisteredUser) => ({ metadata: { userId: u.id, plan: 'lifetime' } })],
    ])('links a Payment Link session to its user through %s', async (_, link) => {
      const user = await registerUser(t);
      const session = outside(link(user));
      await deliver(t, eventObject('checkout.session.completed', session)).expect(200);
      const row = await sessionRow(session.id);
      expect(row).toMatchObject({ user_id: user.id, unmatched: false, status: 'complete', plan: 'lifetime' });
      expect((await me(t, user)).plan).toBe('lifetime');
    });

    it('links through the Stripe customer id', async () => {
      const user = await registerUser(t);
      await t.db.query(`UPDATE users SET stripe_customer_id = 'cus_known_customer' WHERE id = $1`, [user.id]);
      const session = outside({ customer: 'cus_known_customer', customer_details: null });
      await deliver(t, eventObject('checkout.session.completed', session)).expect(200);
      expect((await sessionRow(session.id)).user_id).toBe(user.id);
    });

    it('never links by the email alone (accounts are not email-verified): the session stays unmatched and grants nothing', async () => {
      const user = await registerUser(t);
      const session = outside({ customer_details: { email: user.email.toUpperCase() } as Stripe.Checkout.Session.CustomerDetails });
      await deliver(t, eventObject('checkout.session.completed', session)).expect(200);
      expect(await sessionRow(session.id)).toMatchObject({ user_id: null, unmatched: true, status: 'complete' });
      expect((await me(t, user)).plan).toBe('free');
    });

    it('keeps and flags a session that matches no user', async () => {
      const session = outside({ customer_details: { email: 'stranger@example.com' } as Stripe.Checkout.Session.CustomerDetails });
      await deliver(t, eventObject('checkout.session.completed', session)).expect(200);
      expect(await sessionRow(session.id)).toMatchObject({ user_id: null, unmatched: true, status: 'complete' });
    });
  });

  describe('subscriptions and invoices', () => {
    async function subscribedUser() {
      const user = await registerUser(t);
      const customer = `cus_${user.id.replace(/-/g, '').slice(0, 14)}`;
      await t.db.query(`UPDATE users SET stripe_customer_id = $2 WHERE id = $1`, [user.id, customer]);
      return { user, customer };
    }

    it('created → past_due → deleted moves the plan and status; a late update does not resurrect', async () => {
      const { user, customer } = await subscribedUser();
      const base = Math.floor(Date.now() / 1000);
      const sub = subscriptionObject({ customer, price: proPrice, periodEnd: base + 86400 * 30 });
      await deliver(t, eventObject('customer.subscription.created', sub, { created: base })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', currentPeriodEnd: new Date((base + 86400 * 30) * 1000).toISOString() });

      await deliver(t, eventObject('customer.subscription.updated', { ...sub, status: 'past_due' }, { created: base + 10 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'past_due' });

      await deliver(t, eventObject('customer.subscription.deleted', { ...sub, status: 'canceled' }, { created: base + 20 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled' });

      await deliver(t, eventObject('customer.subscription.updated', { ...sub, status: 'active' }, { created: base + 15 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled' });
      // same second as the deletion: the deletion still wins
      await deliver(t, eventObject('customer.subscription.updated', { ...sub, status: 'active' }, { created: base + 20 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'canceled' });
    });

    it('shows cancel-at-period-end in GET /api/auth/me and the database', async () => {
      const { user, customer } = await subscribedUser();
      const sub = subscriptionObject({ customer, price: proPrice, cancel_at_period_end: true });
      await deliver(t, eventObject('customer.subscription.updated', sub)).expect(200);
      const [row] = await t.db.query(`SELECT cancel_at_period_end, plan FROM users WHERE id = $1`, [user.id]);
      expect(row).toEqual({ cancel_at_period_end: true, plan: 'pro' });
    });

    it('invoice.payment_failed never sets past_due by itself: the status comes from the subscription (a failed proration invoice)', async () => {
      const { user, customer } = await subscribedUser();
      const base = Math.floor(Date.now() / 1000);
      const sub = subscriptionObject({ customer, price: proPrice });
      await deliver(t, eventObject('customer.subscription.created', sub, { created: base })).expect(200);
      await deliver(t, eventObject('invoice.payment_failed', invoiceObject({ customer, subscriptionId: sub.id, status: 'open' }), { created: base + 5 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      // when Stripe does move the subscription to past_due, it says so in a subscription event
      await deliver(t, eventObject('customer.subscription.updated', { ...sub, status: 'past_due' }, { created: base + 6 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'past_due' });
      await deliver(t, eventObject('invoice.paid', invoiceObject({ customer, subscriptionId: sub.id }), { created: base + 9 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'past_due' });
    });
  });

  describe('what is not applied', () => {
    it('stores an unknown event type as ignored and answers 200', async () => {
      const e = eventObject('customer.tax_id.created', { id: 'txi_123' });
      await deliver(t, e).expect(200);
      expect(await eventRow(e.id)).toMatchObject({ status: 'ignored', ignored_reason: 'no handler for customer.tax_id.created' });
    });

    it('answers a body over the size limit with 413 and stores nothing', async () => {
      const e = eventObject('checkout.session.expired', checkoutSessionObject({ metadata: { blob: 'x'.repeat(400_000) } }));
      const res = await deliver(t, e).expect(413);
      expect(res.body.error).toBe('payload_too_large');
      expect(await eventRow(e.id)).toBeUndefined();
    });
  });

  describe('failures', () => {
    it('rolls back a failing handler, keeps the event as failed with 500, and succeeds on redelivery', async () => {
      const { user, session, rowId } = await openSession();
      // the ledger insert fails: the session update before it must not survive
      await t.db.query(`CREATE FUNCTION refuse_fulfillment() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'ledger unavailable'; END $$ LANGUAGE plpgsql`);
      await t.db.query(`CREATE TRIGGER refuse_fulfillment BEFORE INSERT ON fulfillments FOR EACH ROW EXECUTE FUNCTION refuse_fulfillment()`);
      const e = eventObject('checkout.session.completed', paid(session));
      try {
        const res = await deliver(t, e).expect(500);
        expect(res.body).toMatchObject({ error: 'internal_error', message: expect.stringContaining('kept as failed') });
        expect(JSON.stringify(res.body)).not.toMatch(/ledger unavailable|INSERT|fulfillments/);
        expect(await sessionRow(session.id)).toMatchObject({ status: 'open', payment_status: 'unpaid', fulfilled_at: null });
        expect((await me(t, user)).plan).toBe('free');
        expect(await eventRow(e.id)).toMatchObject({ status: 'failed', attempts: 1 });
        expect((await eventRow(e.id)).last_error).toContain('ledger unavailable');
        await deliver(t, e).expect(500);
        expect((await eventRow(e.id)).attempts).toBe(2);
      } finally {
        await t.db.query(`DROP TRIGGER refuse_fulfillment ON fulfillments`);
        await t.db.query(`DROP FUNCTION refuse_fulfillment()`);
      }
      await deliver(t, e).expect(200);
      expect(await eventRow(e.id)).toMatchObject({ status: 'processed', attempts: 3, last_error: null });
      expect((await me(t, user)).plan).toBe('pro');
      expect(await fulfillmentsOf(rowId)).toHaveLength(1);
    });
  });
});

describe('Stripe webhooks: configuration', () => {
  it('answers 503 when no webhook secret is configured', async () => {
    const t = await createTestApp({});
    try {
      const e = eventObject('checkout.session.expired', checkoutSessionObject());
      const res = await deliver(t, e).expect(503);
      expect(res.body.error).toBe('service_unavailable');
    } finally {
      await t.close();
    }
  });

  it('ignores an event whose livemode does not match the configured key', async () => {
    const t = await createTestApp({ ...env, STRIPE_SECRET_KEY: 'sk_test_livemode_guard', STRIPE_API_URL: 'http://127.0.0.1:9' });
    try {
      const user = await registerUser(t);
      const session = checkoutSessionObject({ mode: 'payment', client_reference_id: user.id, status: 'complete', payment_status: 'paid', metadata: { plan: 'lifetime' } });
      const e = eventObject('checkout.session.completed', session, { livemode: true });
      await deliver(t, e).expect(200);
      const [row] = await t.db.query(`SELECT status, ignored_reason FROM stripe_events WHERE id = $1`, [e.id]);
      expect(row.status).toBe('ignored');
      expect(row.ignored_reason).toMatch(/livemode/);
      const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM checkout_sessions WHERE stripe_session_id = $1`, [session.id]);
      expect(count).toBe(0);
    } finally {
      await t.close();
    }
  });
});
