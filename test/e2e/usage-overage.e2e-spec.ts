import request from 'supertest';
import { createMeter, meteredTotal, meterEvents } from '../../stripe-emulator/meter-events.js';
import { addSubscriptionItem } from '../../stripe-emulator/subscription-items.js';
import { StripeConfigCheckService } from '../../src/stripe-check/stripe-config-check.service.js';
import { STRIPE_CLIENT } from '../../src/stripe/stripe.client.js';
import type Stripe from 'stripe';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { MeterOutboxService } from '../../src/usage/metering/meter-outbox.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, createServiceKey, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { eventsOf, PRICES, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/** Issue 31: a plan with overage goes past its limit, and exactly the units past it reach Stripe's meter, once. */
describe("Usage: overage through Stripe's Billing Meters", () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let admin: RegisteredUser;
  let writeKey: string;
  let counter = 0;
  let env: Record<string, string>;
  let meterId: string;

  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    env = {
      ...stripeEnv(stripe),
      PLAN_LIMITS_FREE: 'ai_tokens:100/month',
      PLAN_LIMITS_PRO: 'ai_tokens:1000/month',
      PLAN_OVERAGE_PRO: 'ai_tokens',
      STRIPE_METER_AI_TOKENS: 'ai_tokens_used',
      USAGE_METER_FLUSH_SECONDS: '0',
    };
    // the meter Stripe bills overage with (the start-up check looks for it)
    meterId = createMeter(stripe.store, { display_name: 'AI tokens', event_name: 'ai_tokens_used', default_aggregation: { formula: 'sum' } }).id;
    t = await createTestApp(env);
    admin = await registerAdmin(t);
    writeKey = await createServiceKey(t, admin, ['usage:write'], 'w');
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const track = (http: TestApp['http'], userId: string, amount: number) =>
    request(http).post('/api/usage/track').set(bearer(writeKey)).set('Idempotency-Key', `o-${++counter}`).send({ userId, feature: 'ai_tokens', amount });

  async function subscriber(): Promise<{ user: RegisteredUser; customer: string }> {
    const user = await registerUser(t);
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
    for (const event of eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId))) await deliver(t, event).expect(200);
    const [row] = await t.db.query(`SELECT stripe_customer_id FROM users WHERE id = $1`, [user.id]);
    return { user, customer: row.stripe_customer_id as string };
  }
  const outbox = (userId: string) =>
    t.db.query<Array<{ value: string; status: string; batch_id: string | null }>>(`SELECT value, status, batch_id FROM usage_meter_outbox WHERE user_id = $1 ORDER BY id`, [
      userId,
    ]);

  it('past the limit a plan with overage is allowed; the units past it are written to the outbox with the track', async () => {
    const { user } = await subscriber();
    await track(t.http, user.id, 900).expect(200);
    const past = await track(t.http, user.id, 300).expect(200);
    expect(past.body).toMatchObject({ used: 1200, remaining: 0 });
    expect((await outbox(user.id)).map((r) => Number(r.value))).toEqual([200]);
    const items = (await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200)).body.items;
    expect(items[0]).toMatchObject({ overage: true, used: 1200 });
    // a plan without overage still stops at its limit
    const free = await registerUser(t);
    await track(t.http, free.id, 101).expect(402);
  });

  it('300 concurrent tracks of 5 over three instances: all allowed, exactly the 500 units past 1,000 metered, sent once by concurrent flushes', async () => {
    const second = await createTestApp(env, t.database);
    const third = await createTestApp(env, t.database);
    try {
      const { user, customer } = await subscriber();
      const instances = [t.http, second.http, third.http];
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => track(instances[i % 3], user.id, 5)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect((await outbox(user.id)).reduce((sum, r) => sum + Number(r.value), 0)).toBe(500);

      const flushes = await Promise.all([t, second, third].map((app) => app.app.get(MeterOutboxService).flush()));
      // one instance holds the lease; the others skip (or find nothing left to send)
      expect(flushes.filter((f) => f && f.sent > 0)).toHaveLength(1);
      expect(meteredTotal(stripe.store, 'ai_tokens_used', customer)).toBe(500);
      const events = meterEvents(stripe.store).filter((e) => e.payload.stripe_customer_id === customer);
      expect(events).toHaveLength(1);
      expect(events[0].identifier).toMatch(/^usage_[0-9a-f-]{36}$/);
      expect((await outbox(user.id)).every((r) => r.status === 'sent')).toBe(true);
    } finally {
      await second.close();
      await third.close();
    }
  });

  it('a batch sent again after a crash (Stripe had it, our write did not happen) is counted once', async () => {
    const service = t.app.get(MeterOutboxService);
    // what other tests of this file left pending is sent first, so the counts below are this test's own
    await service.flush();
    const { user, customer } = await subscriber();
    await track(t.http, user.id, 1030).expect(200);
    expect(await service.flush()).toMatchObject({ sent: 1 });
    // the crash: the rows look as they did before the send
    await t.db.query(`UPDATE usage_meter_outbox SET status = 'pending', sent_at = NULL WHERE user_id = $1`, [user.id]);
    expect(await service.flush()).toMatchObject({ sent: 1 });
    expect(meteredTotal(stripe.store, 'ai_tokens_used', customer)).toBe(30);
    expect(meterEvents(stripe.store).filter((e) => e.payload.stripe_customer_id === customer)).toHaveLength(1);
    expect((await outbox(user.id)).map((r) => r.status)).toEqual(['sent']);
  });

  it('an event Stripe refuses is kept as failed and shown to admins, with the metrics', async () => {
    const { user, customer } = await subscriber();
    await track(t.http, user.id, 1010).expect(200);
    // older than Stripe's 35 days: refused
    await t.db.query(`UPDATE usage_meter_outbox SET created_at = now() - interval '40 days' WHERE user_id = $1`, [user.id]);
    const flushed = await request(t.http).post('/api/admin/usage/meter-events/flush').set(bearer(admin.accessToken)).expect(200);
    expect(flushed.body).toMatchObject({ ran: true, failed: 1 });
    expect(meteredTotal(stripe.store, 'ai_tokens_used', customer)).toBe(0);
    const shown = await request(t.http).get('/api/admin/usage/meter-events?status=failed').set(bearer(admin.accessToken)).expect(200);
    expect(shown.body.failed).toMatchObject({ rows: 1, units: 10 });
    expect(shown.body.items[0]).toMatchObject({ userId: user.id, value: 10, status: 'failed', stripeCustomerId: customer, lastError: expect.stringMatching(/35 calendar days/) });
    await request(t.http).get('/api/admin/usage/meter-events?status=nope').set(bearer(admin.accessToken)).expect(400);
    const status = await request(t.http).get('/api/admin/stripe/status').set(bearer(admin.accessToken)).expect(200);
    expect(status.body.usageMeterOutbox).toEqual({ pending: { rows: 0, units: 0, oldestAgeSeconds: 0 }, failed: { rows: 1, units: 10 } });
    // kept, never resent
    expect(await t.app.get(MeterOutboxService).flush()).toMatchObject({ sent: 0, failed: 0 });
    const metrics = await request(t.http).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/usage_meter_units_total\{outcome="failed"\} 10/);
    expect(metrics.text).toMatch(/usage_meter_pending_units 0/);
  });

  it("Stripe's meter summarises what was sent for the customer, and the start-up check finds the meter", async () => {
    const { user, customer } = await subscriber();
    await track(t.http, user.id, 1042).expect(200);
    await t.app.get(MeterOutboxService).flush();
    const sdk = t.app.get<Stripe>(STRIPE_CLIENT);
    const [meter] = (await sdk.billing.meters.list({ status: 'active' })).data.filter((m) => m.event_name === 'ai_tokens_used');
    const now = Math.floor(Date.now() / 1000);
    const summaries = await sdk.billing.meters.listEventSummaries(meter.id, { customer, start_time: now - 3600, end_time: now + 3600 });
    expect(summaries.data.map((s) => s.aggregated_value)).toEqual([42]);
    const check = t.app.get(StripeConfigCheckService);
    await check.settled();
    expect(check.current().problems.filter((p) => p.includes('STRIPE_METER'))).toEqual([]);
    const other = await check.check(sdk);
    expect(other.problems.filter((p) => p.includes('STRIPE_METER'))).toEqual([]);
  });

  it("the renewal invoice bills what the meter summed at the metered price, in arrears, beside the plan's next period", async () => {
    // the team's metered price of the meter, added to the subscription (as in the Dashboard): 2 cents a token
    stripe.store.seedPrice({ id: 'price_ai_tokens_metered', interval: 'month', unitAmount: 2, meter: meterId });
    const { user } = await subscriber();
    const [{ stripe_subscription_id: subscription }] = await t.db.query(`SELECT stripe_subscription_id FROM subscriptions WHERE user_id = $1`, [user.id]);
    addSubscriptionItem(stripe.store, subscription, 'price_ai_tokens_metered');
    await track(t.http, user.id, 1000).expect(200);
    await track(t.http, user.id, 250).expect(200);
    await t.app.get(MeterOutboxService).flush();
    const paid = eventsOf(stripe, () => stripe.renewSubscription(subscription)).filter((e) => e.type === 'invoice.paid');
    expect(paid).toHaveLength(1);
    const invoice = paid[0].data.object;
    const byPrice = (price: string) => invoice.lines.data.filter((l) => l.pricing?.price_details?.price === price);
    // the 250 tokens past the plan's 1,000, billed for the period that ended
    const [usage] = byPrice('price_ai_tokens_metered');
    expect(usage).toMatchObject({ quantity: 250, amount: 500 });
    const [plan] = byPrice(PRICES.proMonthly);
    expect(usage.period.end).toBe(plan.period.start);
    expect(invoice.amount_paid).toBe(plan.amount + 500);
  });
});
