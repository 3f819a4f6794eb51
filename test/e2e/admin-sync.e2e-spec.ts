import request from 'supertest';
import { createStripeEmulator, type StripeEmulator } from '../../src/stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { WEBHOOK_SECRET } from '../support/webhooks.js';

const SECRET_KEY = 'sk_test_admin_sync_emulator_0123456789';
const PRO_MONTHLY = 'price_pro_monthly_sync';

/**
 * The webhook of a paid checkout never came (the emulator records events instead of delivering them):
 * an admin's sync reads the session from Stripe and repairs everything the webhook would have done.
 */
describe('Admin sync of a session whose webhook never came', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    stripe = await createStripeEmulator({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, deliveryMode: 'record', prices: [{ id: PRO_MONTHLY, interval: 'month' }] });
    t = await createTestApp({ STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_URL: stripe.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY: PRO_MONTHLY });
    admin = await registerAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const me = async (user: RegisteredUser) => (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body;

  /** A session created on Stripe for `user`, with our row as checkout creation leaves it. */
  async function openSubscriptionCheckout(user: RegisteredUser) {
    const session = stripe.store.createCheckoutSession({
      mode: 'subscription',
      success_url: 'http://localhost:3000/checkout/success?session_id={CHECKOUT_SESSION_ID}',
      line_items: [{ price: PRO_MONTHLY, quantity: '1' }],
      client_reference_id: user.id,
      metadata: { userId: user.id, plan: 'pro', interval: 'month' },
    });
    const [row] = (await t.db.query(
      `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, url, amount_total, currency)
       VALUES ($1, $2, 'subscription', 'pro', 'month', $3, $4, $5, $6) RETURNING id`,
      [session.id, user.id, PRO_MONTHLY, session.url, session.amount_total, session.currency],
    )) as Array<{ id: string }>;
    return { stripeSessionId: session.id, rowId: row.id };
  }

  it('brings the session to complete, gives the user the plan and records one fulfilment from sync', async () => {
    const user = await registerUser(t);
    const { stripeSessionId, rowId } = await openSubscriptionCheckout(user);
    const completed = stripe.completeCheckout(stripeSessionId);
    await stripe.waitForDeliveries();
    expect(completed.status).toBe('complete');

    // nothing arrived: our side still thinks the checkout is open
    const before = await request(t.http).get(`/api/admin/checkout-sessions/${stripeSessionId}`).set(bearer(admin.accessToken)).expect(200);
    expect(before.body).toMatchObject({ status: 'open', paymentStatus: 'unpaid', fulfilledAt: null, fulfillments: [], timeline: [] });
    expect((await me(user)).plan).toBe('free');

    stripe.requests.length = 0;
    const synced = await request(t.http).post(`/api/admin/checkout-sessions/${rowId}/sync`).set(bearer(admin.accessToken)).expect(200);
    expect(synced.body).toMatchObject({
      id: rowId,
      stripeSessionId,
      status: 'complete',
      paymentStatus: 'paid',
      userId: user.id,
      stripeSubscriptionId: expect.stringMatching(/^sub_/),
      stripeCustomerId: expect.stringMatching(/^cus_/),
    });
    expect(synced.body.fulfilledAt).not.toBeNull();
    expect(synced.body.fulfillments).toEqual([{ at: expect.any(String), source: 'sync', eventId: null }]);
    expect(synced.body.user).toMatchObject({ id: user.id, plan: 'pro', subscriptionStatus: 'active' });
    expect(await me(user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    // one read of the session, with its subscription expanded
    expect(stripe.requests.map((r) => [r.method, r.path, r.query])).toEqual([['GET', `/v1/checkout/sessions/${stripeSessionId}`, { expand: ['subscription'] }]]);

    // a second sync changes nothing: still one grant, at the same time
    const again = await request(t.http).post(`/api/admin/checkout-sessions/${stripeSessionId}/sync`).set(bearer(admin.accessToken)).expect(200);
    expect(again.body.fulfillments).toEqual(synced.body.fulfillments);
    expect(again.body.fulfilledAt).toBe(synced.body.fulfilledAt);
    expect(await t.db.query('SELECT source FROM fulfillments WHERE checkout_session_id = $1', [rowId])).toEqual([{ source: 'sync' }]);
  });

  it('answers 503 when Stripe cannot be reached, and changes nothing', async () => {
    const user = await registerUser(t);
    const { stripeSessionId, rowId } = await openSubscriptionCheckout(user);
    stripe.completeCheckout(stripeSessionId);
    stripe.failNextRequests(3, { drop: true });
    const res = await request(t.http).post(`/api/admin/checkout-sessions/${rowId}/sync`).set(bearer(admin.accessToken)).expect(503);
    expect(res.body).toMatchObject({ error: 'service_unavailable' });
    const [row] = (await t.db.query('SELECT status, payment_status, fulfilled_at FROM checkout_sessions WHERE id = $1', [rowId])) as Array<Record<string, unknown>>;
    expect(row).toEqual({ status: 'open', payment_status: 'unpaid', fulfilled_at: null });
    expect((await me(user)).plan).toBe('free');
  });
});
