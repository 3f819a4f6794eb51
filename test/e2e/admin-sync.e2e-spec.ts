import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import type { TestApp } from '../support/app.js';
import { bearer, me, registerAdmin, type RegisteredUser, registerUser } from '../support/factories.js';
import { startStripeTestApp } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/**
 * The webhook of a paid checkout never came (the emulator records events instead of delivering them):
 * an admin's sync reads the session from Stripe and repairs everything the webhook would have done.
 */
describe('Admin sync of a session whose webhook never came', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  let admin: RegisteredUser;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp({ emulator: { deliveryMode: 'record' } }));
    admin = await registerAdmin(t);
  });
  afterAll(() => close());

  /** The user starts a checkout through the billing route, as the frontend does. */
  async function openSubscriptionCheckout(user: RegisteredUser) {
    const res = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201);
    return { stripeSessionId: res.body.stripeSessionId as string, rowId: res.body.id as string };
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
    expect((await me(t, user)).plan).toBe('free');

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
    expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    // one read of the session, with its subscription expanded
    expect(stripe.requests.map((r) => [r.method, r.path, r.query])).toEqual([['GET', `/v1/checkout/sessions/${stripeSessionId}`, { expand: ['subscription'] }]]);

    // a second sync changes nothing: still one grant, at the same time
    const again = await request(t.http).post(`/api/admin/checkout-sessions/${stripeSessionId}/sync`).set(bearer(admin.accessToken)).expect(200);
    expect(again.body.fulfillments).toEqual(synced.body.fulfillments);
    expect(again.body.fulfilledAt).toBe(synced.body.fulfilledAt);
    expect(await t.db.query('SELECT source FROM fulfillments WHERE checkout_session_id = $1', [rowId])).toEqual([{ source: 'sync' }]);

    // the late webhooks finally arrive: they land in the timeline and grant nothing more
    const recorded = stripe.store.events.filter(
      (e) => JSON.stringify(e.data.object).includes(stripeSessionId) || JSON.stringify(e.data.object).includes(synced.body.stripeSubscriptionId),
    );
    expect(recorded.map((e) => e.type)).toContain('checkout.session.completed');
    for (const event of recorded) await deliver(t, event).expect(200);
    const after = await request(t.http).get(`/api/admin/checkout-sessions/${rowId}`).set(bearer(admin.accessToken)).expect(200);
    expect(after.body.fulfillments).toEqual(synced.body.fulfillments);
    expect(after.body.timeline.map((e: { id: string }) => e.id).sort()).toEqual(recorded.map((e) => e.id).sort());
    expect(after.body.timeline.every((e: { status: string }) => e.status === 'processed' || e.status === 'ignored')).toBe(true);
  });

  it('answers 503 when Stripe cannot be reached, and changes nothing', async () => {
    const user = await registerUser(t);
    const { stripeSessionId, rowId } = await openSubscriptionCheckout(user);
    stripe.completeCheckout(stripeSessionId);
    // every try fails: the first and STRIPE_MAX_NETWORK_RETRIES (1) more
    stripe.failNextRequests(2, { drop: true });
    const res = await request(t.http).post(`/api/admin/checkout-sessions/${rowId}/sync`).set(bearer(admin.accessToken)).expect(503);
    expect(res.body).toMatchObject({ error: 'service_unavailable' });
    const [row] = await t.db.query<Array<Record<string, unknown>>>('SELECT status, payment_status, fulfilled_at FROM checkout_sessions WHERE id = $1', [rowId]);
    expect(row).toEqual({ status: 'open', payment_status: 'unpaid', fulfilled_at: null });
    expect((await me(t, user)).plan).toBe('free');
  });
});
