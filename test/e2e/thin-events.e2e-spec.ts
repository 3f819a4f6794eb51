import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { thinNotification } from '../../stripe-emulator/webhook-delivery.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, me, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliverWebhooksTo, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/** Thin event notifications (v2 `object: "v2.core.event"` naming a `related_object`) on the same webhook route. */
describe('Thin events', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    t = await createTestApp(stripeEnv(stripe));
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  async function paidSession(user: RegisteredUser) {
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'lifetime', interval: 'once' }).expect(201)).body;
    const before = stripe.store.events.length;
    stripe.completeCheckout(created.stripeSessionId);
    const completed = stripe.store.events.slice(before).find((e) => e.type === 'checkout.session.completed')!;
    return { id: created.id as string, completed };
  }
  const ledger = (sessionId: string) => t.db.query(`SELECT source, event_id FROM fulfillments WHERE checkout_session_id = $1`, [sessionId]);

  it('a thin notification applies the same change as its snapshot, and both together fulfil once', async () => {
    const user = await registerUser(t);
    const { id, completed } = await paidSession(user);
    const thin = thinNotification(completed);
    const fetches = stripe.requests.length;
    await deliver(t, thin).expect(200);
    // the SDK fetched the related object from Stripe
    expect(stripe.requests.slice(fetches).map((r) => `${r.method} ${r.path}`)).toContain(
      `GET /v1/checkout/sessions/${completed.data.object && (completed.data.object as { id: string }).id}`,
    );
    expect((await me(t, user)).plan).toBe('lifetime');
    await deliver(t, completed).expect(200);
    await deliver(t, thin).expect(200);
    // the thin delivery was stored under the id of the snapshot event it names (snapshot_event): one row for the change
    expect(await ledger(id)).toEqual([{ source: 'webhook', event_id: completed.id }]);
    const [row] = await t.db.query(`SELECT type, status FROM stripe_events WHERE id = $1`, [completed.id]);
    expect(row).toEqual({ type: 'checkout.session.completed', status: 'processed' });
  });

  it('refuses a thin notification with a bad signature and stores nothing', async () => {
    const user = await registerUser(t);
    const { completed } = await paidSession(user);
    const thin = thinNotification(completed);
    const res = await deliver(t, thin, { secret: 'whsec_not_the_right_one_0123456789' }).expect(400);
    expect(res.body.error).toBe('invalid_signature');
    expect(await t.db.query(`SELECT 1 FROM stripe_events WHERE id = $1`, [thin.id])).toHaveLength(0);
  });

  it('the local Stripe can deliver thin notifications end to end', async () => {
    const live = await startEmulator({ eventFormat: 'thin' });
    const app = await createTestApp(stripeEnv(live));
    try {
      await deliverWebhooksTo(app, live);
      const user = await registerUser(app);
      const created = (await request(app.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
      live.completeCheckout(created.stripeSessionId);
      await live.waitForDeliveries();
      const body = (await request(app.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body;
      expect(body).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      const types = (await app.db.query(`SELECT type FROM stripe_events ORDER BY type`)).map((r: { type: string }) => r.type);
      expect(types).toEqual(expect.arrayContaining(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']));
    } finally {
      await app.close();
      await live.close();
    }
  });
});
