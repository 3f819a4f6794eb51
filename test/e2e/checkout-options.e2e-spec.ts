import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { untilValue } from '../support/until.js';
import { bearer, me, registerAdmin, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliverAll, eventsOf, PRICES, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/**
 * Issue 18: Checkout as frontend teams build it — embedded and elements sessions, promotion codes, tax, locale,
 * consent — and features to gate on. Each option is checked in the request body the SDK sent to the local Stripe.
 */
const RETURN_URL = 'https://app.example.com/checkout/return?session_id={CHECKOUT_SESSION_ID}';
const FEATURES = {
  PLAN_FEATURES_PRO: 'api_access,priority_support',
  PLAN_FEATURES_LIFETIME: 'api_access, lifetime_badge',
  PLAN_FEATURES_TEAM: 'team_seats,api_access',
};

describe('Checkout options, embedded checkout and features (issue 18)', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    t = await createTestApp({
      ...stripeEnv(stripe),
      CHECKOUT_RETURN_URL: RETURN_URL,
      CHECKOUT_ALLOW_PROMOTION_CODES: 'true',
      CHECKOUT_AUTOMATIC_TAX: 'true',
      CHECKOUT_TAX_ID_COLLECTION: 'true',
      CHECKOUT_BILLING_ADDRESS: 'required',
      CHECKOUT_TERMS_OF_SERVICE: 'required',
      // team is only granted by admins: ranked, not sold
      PLAN_RANK: 'pro,team,lifetime',
      ...FEATURES,
    });
    admin = await registerAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const create = (user: RegisteredUser, body: object, key?: string) => {
    const req = request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken));
    if (key) req.set('Idempotency-Key', key);
    return req.send(body);
  };
  const sessionPosts = () => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
  /** The body the SDK sent to create the session of this user's latest request. */
  const sentFor = (user: RegisteredUser) =>
    sessionPosts()
      .filter((r) => r.body.client_reference_id === user.id)
      .pop()!.body;
  const confirm = (user: RegisteredUser, id: string) => request(t.http).post(`/api/billing/checkout-sessions/${id}/confirm`).set(bearer(user.accessToken));
  /** Runs an emulator action and answers the events it emitted (recorded, delivered by the test). */
  const emitted = (action: () => unknown) => eventsOf(stripe, action);
  const customerOf = async (user: RegisteredUser) =>
    (await t.db.query<Array<{ stripe_customer_id: string }>>(`SELECT stripe_customer_id FROM users WHERE id = $1`, [user.id]))[0].stripe_customer_id;

  describe('UI modes', () => {
    it.each([
      ['embedded', 'embedded_page'],
      ['elements', 'elements'],
    ])('%s: Stripe gets ui_mode=%s and return_url (placeholder kept), no success_url or cancel_url; the answer has clientSecret and no url', async (uiMode, stripeName) => {
      const user = await registerUser(t);
      const res = await create(user, { plan: 'pro', interval: 'month', uiMode }).expect(201);
      const sent = sentFor(user);
      expect(sent).toMatchObject({ ui_mode: stripeName, return_url: RETURN_URL });
      expect(sent).not.toHaveProperty('success_url');
      expect(sent).not.toHaveProperty('cancel_url');

      const remote = stripe.store.sessionRecord(res.body.stripeSessionId).session;
      expect(remote.client_secret).toBeTruthy();
      expect(res.body).toMatchObject({ uiMode, url: null, clientSecret: remote.client_secret, status: 'open' });
      const [row] = await t.db.query(`SELECT ui_mode, client_secret, url FROM checkout_sessions WHERE id = $1`, [res.body.id]);
      expect(row).toEqual({ ui_mode: uiMode, client_secret: remote.client_secret, url: null });
      // the owner reads it back; nobody else sees the session at all
      expect((await request(t.http).get(`/api/billing/checkout-sessions/${res.body.id}`).set(bearer(user.accessToken)).expect(200)).body.clientSecret).toBe(remote.client_secret);
      const other = await registerUser(t);
      await request(t.http).get(`/api/billing/checkout-sessions/${res.body.id}`).set(bearer(other.accessToken)).expect(404);
      // admins see the session, never its client secret
      const adminView = (await request(t.http).get(`/api/admin/checkout-sessions/${res.body.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(adminView.uiMode).toBe(uiMode);
      expect(JSON.stringify(adminView)).not.toContain(remote.client_secret!);
    });

    it('hosted (the default): ui_mode=hosted_page with success_url and cancel_url, no return_url; the answer has url and clientSecret null', async () => {
      const user = await registerUser(t);
      const res = await create(user, { plan: 'pro', interval: 'month' }).expect(201);
      const sent = sentFor(user);
      expect(sent).toMatchObject({
        ui_mode: 'hosted_page',
        success_url: 'http://localhost:3000/checkout/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'http://localhost:3000/checkout/cancel',
      });
      expect(sent).not.toHaveProperty('return_url');
      expect(res.body).toMatchObject({ uiMode: 'hosted', url: `${stripe.url}/checkout/${res.body.stripeSessionId}`, clientSecret: null });
    });

    it('an open hosted session is not answered to an embedded request: it is expired and an embedded one is made', async () => {
      const user = await registerUser(t);
      const hosted = (await create(user, { plan: 'pro', interval: 'month' }).expect(201)).body;
      expect((await create(user, { plan: 'pro', interval: 'month' }).expect(201)).body.id).toBe(hosted.id);
      const embedded = (await create(user, { plan: 'pro', interval: 'month', uiMode: 'embedded' }).expect(201)).body;
      expect(embedded.id).not.toBe(hosted.id);
      expect(embedded.clientSecret).toBeTruthy();
      expect(stripe.store.sessionRecord(hosted.stripeSessionId).session.status).toBe('expired');
      // and the open embedded one is answered again to the next embedded request
      expect((await create(user, { plan: 'pro', interval: 'month', uiMode: 'embedded' }).expect(201)).body).toMatchObject({ id: embedded.id, clientSecret: embedded.clientSecret });
    });

    it('an Idempotency-Key used for one uiMode is a 409 for another', async () => {
      const user = await registerUser(t);
      await create(user, { plan: 'lifetime', interval: 'once', uiMode: 'embedded' }, 'order-7').expect(201);
      expect((await create(user, { plan: 'lifetime', interval: 'once' }, 'order-7').expect(409)).body.error).toBe('conflict');
    });

    it.each([[{ uiMode: 'popup' }], [{ uiMode: 'embedded_page' }], [{ locale: 'xx' }], [{ locale: 'DE' }], [{ locale: 42 }]])(
      'answers %j with 400 and sends nothing to Stripe',
      async (extra) => {
        const user = await registerUser(t);
        const before = sessionPosts().length;
        const res = await create(user, { plan: 'pro', interval: 'month', ...extra }).expect(400);
        expect(res.body.error).toBe('validation_error');
        expect(sessionPosts().length).toBe(before);
      },
    );
  });

  describe('what Stripe receives for the CHECKOUT_* options and locale', () => {
    it('allow_promotion_codes, automatic_tax[enabled] with customer_update[address]=auto and [name]=auto, tax_id_collection[enabled], billing address, terms of service', async () => {
      const user = await registerUser(t);
      await create(user, { plan: 'pro', interval: 'month', uiMode: 'embedded' }).expect(201);
      expect(sentFor(user)).toMatchObject({
        allow_promotion_codes: 'true',
        automatic_tax: { enabled: 'true' },
        customer_update: { address: 'auto', name: 'auto' },
        tax_id_collection: { enabled: 'true' },
        billing_address_collection: 'required',
        consent_collection: { terms_of_service: 'required' },
      });
    });

    it('locale: sent as the buyer chose it (any of the SDK list), absent when not chosen', async () => {
      const user = await registerUser(t);
      // each one expires before the next (an open one-time session of a plan is answered again)
      const leave = (res: request.Response) =>
        deliverAll(
          t,
          emitted(() => stripe.expireCheckout(res.body.stripeSessionId)),
        );
      await leave(await create(user, { plan: 'lifetime', interval: 'once', locale: 'de' }).expect(201));
      expect(sentFor(user).locale).toBe('de');
      await leave(await create(user, { plan: 'lifetime', interval: 'once', locale: 'es-419' }).expect(201));
      expect(sentFor(user).locale).toBe('es-419');
      await create(user, { plan: 'lifetime', interval: 'once' }).expect(201);
      expect(sentFor(user)).not.toHaveProperty('locale');
    });
  });

  describe('amounts as Stripe reports them', () => {
    it('the create answer, then a promotion code and the tax at completion reach the row and the answers; admin stats count the discount', async () => {
      const user = await registerUser(t);
      const created = (await create(user, { plan: 'lifetime', interval: 'once', uiMode: 'embedded' }).expect(201)).body;
      // no address yet: Stripe computes tax once Checkout collects it
      expect(created).toMatchObject({ amountSubtotal: 49900, amountDiscount: 0, amountTax: 0, amountTotal: 49900, currency: 'usd' });

      stripe.applyPromotionCode(created.stripeSessionId, 'welcome20');
      const events = emitted(() => stripe.completeCheckout(created.stripeSessionId));
      const remote = stripe.store.sessionRecord(created.stripeSessionId).session;
      // 20% off 499.00 is 99.80; the emulator's tax is 10% of the rest (39.92)
      expect(remote).toMatchObject({ amount_subtotal: 49900, amount_total: 43912, total_details: { amount_discount: 9980, amount_tax: 3992 } });
      await deliverAll(t, events);

      const mine = (await request(t.http).get(`/api/billing/checkout-sessions/${created.id}`).set(bearer(user.accessToken)).expect(200)).body;
      expect(mine).toMatchObject({
        status: 'complete',
        paymentStatus: 'paid',
        amountSubtotal: 49900,
        amountDiscount: 9980,
        amountTax: 3992,
        amountTotal: 43912,
        clientSecret: null,
        url: null,
      });
      const [row] = await t.db.query(`SELECT amount_subtotal, amount_discount, amount_tax, amount_total, client_secret FROM checkout_sessions WHERE id = $1`, [created.id]);
      expect(row).toEqual({ amount_subtotal: '49900', amount_discount: '9980', amount_tax: '3992', amount_total: '43912', client_secret: null });
      // Checkout saved the address it collected to the customer (customer_update[address]=auto)
      expect(stripe.store.customer(await customerOf(user)).address).toMatchObject({ country: 'US' });

      const stats = (await request(t.http).get('/api/admin/stats/checkout-sessions').set(bearer(admin.accessToken)).expect(200)).body;
      expect(stats.paidDiscounts).toEqual([{ currency: 'usd', amount: 9980, count: 1 }]);
    });
  });

  describe('fulfilment of an embedded session', () => {
    it('a paid embedded session is fulfilled once through confirm and the webhook together', async () => {
      const user = await registerUser(t);
      const session = (await create(user, { plan: 'pro', interval: 'month', uiMode: 'embedded' }).expect(201)).body;
      const events = emitted(() => stripe.completeCheckout(session.stripeSessionId));
      // the return page's confirmation and Stripe's webhooks, all at once
      const [confirmed] = await Promise.all([confirm(user, session.stripeSessionId), ...events.map((event) => deliver(t, event))]);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ id: session.id, uiMode: 'embedded', status: 'complete', paymentStatus: 'paid', plan: 'pro', clientSecret: null });
      const again = (await confirm(user, session.id).expect(200)).body;
      expect(again.fulfilledAt).not.toBeNull();
      const ledger = await t.db.query(`SELECT source FROM fulfillments WHERE checkout_session_id = $1`, [session.id]);
      expect(ledger).toHaveLength(1);
      const grants = await t.db.query(`SELECT plan FROM grants WHERE user_id = $1 AND revoked_at IS NULL`, [user.id]);
      expect(grants).toEqual([{ plan: 'pro' }]);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', features: ['api_access', 'priority_support'] });
      // the event Stripe sent carries the session's client secret: stored as received, shown to admins redacted
      const completed = events.find((e) => e.type === 'checkout.session.completed')!;
      expect(completed.data.object.client_secret).toBeTruthy();
      const stored = (await request(t.http).get(`/api/admin/webhook-events/${completed.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(stored.payload.data.object.client_secret).toBe('[redacted]');
    });
  });

  describe('features', () => {
    it('GET /api/billing/plans lists each plan with its PLAN_FEATURES_*, sorted and each once', async () => {
      const res = await request(t.http).get('/api/billing/plans').expect(200);
      expect(res.body).toEqual([
        { plan: 'lifetime', interval: 'once', priceId: PRICES.lifetime, mode: 'payment', features: ['api_access', 'lifetime_badge'] },
        { plan: 'pro', interval: 'month', priceId: PRICES.proMonthly, mode: 'subscription', features: ['api_access', 'priority_support'] },
        { plan: 'pro', interval: 'year', priceId: PRICES.proYearly, mode: 'subscription', features: ['api_access', 'priority_support'] },
      ]);
    });

    it("/api/auth/me has the features of every active grant's plan: none when free, the union after a purchase", async () => {
      const user = await registerUser(t);
      expect((await me(t, user)).features).toEqual([]);
      const session = (await create(user, { plan: 'lifetime', interval: 'once' }).expect(201)).body;
      stripe.completeCheckout(session.stripeSessionId);
      await confirm(user, session.id).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'lifetime', features: ['api_access', 'lifetime_badge'] });
      // an admin's grant of another plan adds its features (the union, not only the top plan's)
      await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(admin.accessToken)).send({ plan: 'team', reason: 'beta' }).expect(201);
      expect(await me(t, user)).toMatchObject({ plan: 'lifetime', features: ['api_access', 'lifetime_badge', 'team_seats'] });
    });

    it('a revoked admin grant removes its features at once', async () => {
      const user = await registerUser(t);
      const grant = (
        await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(admin.accessToken)).send({ plan: 'team', reason: 'trial for a partner' }).expect(201)
      ).body;
      expect(await me(t, user)).toMatchObject({ plan: 'team', features: ['api_access', 'team_seats'] });
      await request(t.http).delete(`/api/admin/users/${user.id}/grants/${grant.id}`).set(bearer(admin.accessToken)).send({ reason: 'partnership ended' }).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'free', features: [] });
    });

    it("a signed entitlements.active_entitlement_summary.updated changes /me's features (unioned with the plan's); an older one changes nothing", async () => {
      const user = await registerUser(t);
      await create(user, { plan: 'lifetime', interval: 'once' }).expect(201); // the user's Stripe customer
      const customer = await customerOf(user);

      const [first] = emitted(() => stripe.setActiveEntitlements(customer, ['beta_reports', 'api_access']));
      expect(first).toMatchObject({ type: 'entitlements.active_entitlement_summary.updated', data: { object: { object: 'entitlements.active_entitlement_summary', customer } } });
      await deliver(t, first).expect(200);
      expect((await me(t, user)).features).toEqual(['api_access', 'beta_reports']);

      await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(admin.accessToken)).send({ plan: 'pro', reason: 'support case' }).expect(201);
      expect((await me(t, user)).features).toEqual(['api_access', 'beta_reports', 'priority_support']);

      const [emptied] = emitted(() => stripe.setActiveEntitlements(customer, []));
      // an event about an older state, arriving late, is refused
      const late = { ...first, id: 'evt_late_summary_0001', created: emptied.created - 60 };
      await deliver(t, emptied).expect(200);
      await deliver(t, late).expect(200);
      expect((await me(t, user)).features).toEqual(['api_access', 'priority_support']);
      // the event is in the inbox like any other
      const [stored] = await t.db.query(`SELECT status FROM stripe_events WHERE id = $1`, [emptied.id]);
      expect(stored.status).toBe('processed');
    });

    it('a summary Stripe cut short (has_more) is completed from the Entitlements API after the commit', async () => {
      const user = await registerUser(t);
      await create(user, { plan: 'lifetime', interval: 'once' }).expect(201);
      const customer = await customerOf(user);
      const keys = Array.from({ length: 12 }, (_, i) => `feature_${String(i).padStart(2, '0')}`);
      const [event] = emitted(() => stripe.setActiveEntitlements(customer, keys));
      expect((event.data.object as Stripe.Entitlements.ActiveEntitlementSummary).entitlements).toMatchObject({ has_more: true });
      const before = stripe.requests.length;
      await deliver(t, event).expect(200);
      expect(stripe.requests.slice(before).map((r) => `${r.method} ${r.path} ${String(r.query.customer)}`)).toContain(`GET /v1/entitlements/active_entitlements ${customer}`);
      expect((await me(t, user)).features).toEqual(keys);
    });

    it('a summary for a customer no user has yet is kept and counts once the customer is linked', async () => {
      const user = await registerUser(t);
      const lone = stripe.store.createCustomer({ email: 'later@example.com' });
      await deliver(t, emitted(() => stripe.setActiveEntitlements(lone.id, ['early_access']))[0]).expect(200);
      expect((await me(t, user)).features).toEqual([]);
      await t.db.query(`UPDATE users SET stripe_customer_id = $2 WHERE id = $1`, [user.id, lone.id]);
      expect((await me(t, user)).features).toEqual(['early_access']);
    });
  });
});

/** GET /api/admin/stripe/status once the start-up check (run in the background) has finished. */
const stripeStatusOnceChecked = (t: TestApp, token: string) =>
  untilValue(
    async () => (await request(t.http).get('/api/admin/stripe/status').set(bearer(token)).expect(200)).body,
    (status) => Boolean(status.checkedAt),
    'the start-up check to finish',
  );

describe('Checkout options Stripe refuses (start-up check)', () => {
  it('CHECKOUT_AUTOMATIC_TAX without an active Stripe Tax is reported at start, and Stripe refuses the session', async () => {
    const stripe = await startEmulator({ deliveryMode: 'record', taxSettingsStatus: 'pending' });
    const t = await createTestApp({ ...stripeEnv(stripe), CHECKOUT_AUTOMATIC_TAX: 'true' });
    try {
      const admin = await registerAdmin(t);
      const status = await stripeStatusOnceChecked(t, admin.accessToken);
      expect(status.problems).toEqual([
        expect.stringMatching(/^CHECKOUT_AUTOMATIC_TAX=true, but Stripe Tax is not active on this account \(status pending, missing head_office\)/),
      ]);
      const user = await registerUser(t);
      const res = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(502);
      expect(res.body.error).toBe('stripe_error');
    } finally {
      await t.close();
      await stripe.close();
    }
  });

  it('with Stripe Tax active there is nothing to report', async () => {
    const stripe = await startEmulator({ deliveryMode: 'record' });
    const t = await createTestApp({ ...stripeEnv(stripe), CHECKOUT_AUTOMATIC_TAX: 'true' });
    try {
      const admin = await registerAdmin(t);
      const status = await stripeStatusOnceChecked(t, admin.accessToken);
      expect(status.problems).toEqual([]);
      expect(stripe.requests.some((r) => r.path === '/v1/tax/settings')).toBe(true);
    } finally {
      await t.close();
      await stripe.close();
    }
  });
});
