import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, createServiceKey, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { eventsOf, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/** Issue 31: periods follow the granting subscription; a renewal starts a new one, a plan change keeps the counter. */
describe('Usage: periods, renewals and plan changes', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let admin: RegisteredUser;
  let writeKey: string;
  let counter = 0;

  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    t = await createTestApp({ ...stripeEnv(stripe), PLAN_LIMITS_FREE: 'ai_tokens:100/month', PLAN_LIMITS_PRO: 'ai_tokens:1000/month,projects:10' });
    admin = await registerAdmin(t);
    writeKey = await createServiceKey(t, admin, ['usage:write'], 'w');
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const track = (userId: string, amount: number) =>
    request(t.http).post('/api/usage/track').set(bearer(writeKey)).set('Idempotency-Key', `p-${++counter}`).send({ userId, feature: 'ai_tokens', amount });
  const tokens = async (user: RegisteredUser) =>
    (await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200)).body.items.find((i: { feature: string }) => i.feature === 'ai_tokens');

  async function subscribe(user: RegisteredUser): Promise<string> {
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
    for (const event of eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId))) await deliver(t, event).expect(200);
    const [row] = await t.db.query(`SELECT stripe_subscription_id FROM checkout_sessions WHERE id = $1`, [created.id]);
    return row.stripe_subscription_id as string;
  }
  const periodEnd = async (subscriptionId: string) =>
    ((await t.db.query(`SELECT current_period_end FROM subscriptions WHERE stripe_subscription_id = $1`, [subscriptionId]))[0].current_period_end as Date).toISOString();

  it("buying a plan raises the limit at once and keeps the period's usage; the period becomes the subscription's", async () => {
    const user = await registerUser(t);
    await track(user.id, 80).expect(200);
    await track(user.id, 30).expect(402);
    const subscription = await subscribe(user);
    const after = await tokens(user);
    expect(after).toMatchObject({ limit: 1000, used: 80, remaining: 920, period: 'month', resetsAt: await periodEnd(subscription) });
    await track(user.id, 30).expect(200);
    expect((await tokens(user)).used).toBe(110);
  });

  it('a renewal (customer.subscription.updated with the next period) starts a new period; the old one stays readable', async () => {
    const user = await registerUser(t);
    const subscription = await subscribe(user);
    const firstEnd = await periodEnd(subscription);
    await track(user.id, 700).expect(200);
    const renewal = eventsOf(stripe, () => stripe.renewSubscription(subscription));
    for (const event of renewal.filter((e) => e.type === 'customer.subscription.updated')) await deliver(t, event).expect(200);
    expect(await periodEnd(subscription)).not.toBe(firstEnd);
    expect(await tokens(user)).toMatchObject({ used: 0, remaining: 1000, resetsAt: await periodEnd(subscription) });
    const next = await track(user.id, 5).expect(200);
    expect(next.body).toMatchObject({ used: 5, resetsAt: await periodEnd(subscription) });
    const view = await request(t.http).get(`/api/admin/users/${user.id}/usage`).set(bearer(admin.accessToken)).expect(200);
    expect(view.body.periods).toEqual([expect.objectContaining({ feature: 'ai_tokens', periodEnd: firstEnd, used: 700 })]);
  });

  it("a renewal's invoice.paid (subscription_cycle) that comes first starts the new period too", async () => {
    const user = await registerUser(t);
    const subscription = await subscribe(user);
    const firstEnd = await periodEnd(subscription);
    await track(user.id, 900).expect(200);
    const renewal = eventsOf(stripe, () => stripe.renewSubscription(subscription));
    const paid = renewal.filter((e) => e.type === 'invoice.paid');
    expect(paid).toHaveLength(1);
    await deliver(t, paid[0]).expect(200);
    expect(await periodEnd(subscription)).toBe(firstEnd);
    const fresh = await track(user.id, 900).expect(200);
    expect(fresh.body.used).toBe(900);
    expect(new Date(fresh.body.resetsAt).getTime()).toBeGreaterThan(new Date(firstEnd).getTime());
    // the subscription's own update, later, is the same period: no second reset
    for (const event of renewal.filter((e) => e.type === 'customer.subscription.updated')) await deliver(t, event).expect(200);
    expect((await track(user.id, 50).expect(200)).body.used).toBe(950);
  });
});
