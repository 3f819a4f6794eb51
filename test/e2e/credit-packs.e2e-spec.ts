import request from 'supertest';
import { refundSession } from '../../stripe-emulator/refunds.js';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import type { TestApp } from '../support/app.js';
import { bearer, createServiceKey, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { deliverAll, eventsOf, startStripeTestApp, teamCatalogue } from '../support/stripe-emulator.js';

/** Issue 31: credit packs sold through one-time Checkout Sessions, granted once and taken back when refunded. */
const PACK_PRICE = 'price_tokens_1k_once';

describe('Credit packs', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  let writeKey: string;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp(
      teamCatalogue([{ id: PACK_PRICE, interval: 'once', unitAmount: 900, product: 'prod_tokens' }], {
        PLAN_LIMITS_FREE: 'ai_tokens:100/month',
        CREDIT_PACK_TOKENS_1K: `${PACK_PRICE}:ai_tokens:1000`,
      }),
    ));
    const admin = await registerAdmin(t);
    writeKey = await createServiceKey(t, admin, ['usage:write'], 'tracker');
  });
  afterAll(() => close());

  const usageOf = async (user: RegisteredUser) => {
    const items = (await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200)).body.items as Array<Record<string, unknown>>;
    return items.find((i) => i.feature === 'ai_tokens')!;
  };
  let keys = 0;
  const track = (user: RegisteredUser, amount: number) =>
    request(t.http).post('/api/usage/track').set(bearer(writeKey)).set('Idempotency-Key', `pack-track-${++keys}`).send({ userId: user.id, feature: 'ai_tokens', amount });
  const buyPack = async (user: RegisteredUser) => {
    const session = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ pack: 'tokens_1k' }).expect(201)).body;
    const events = eventsOf(stripe, () => stripe.completeCheckout(session.stripeSessionId));
    return { session, events };
  };

  it('lists the packs, and a pack bought through Checkout adds its credits once, whichever paths deliver it', async () => {
    expect((await request(t.http).get('/api/billing/credit-packs').expect(200)).body).toEqual([{ pack: 'tokens_1k', priceId: PACK_PRICE, feature: 'ai_tokens', credits: 1000 }]);
    const user = await registerUser(t);
    const { session, events } = await buyPack(user);
    expect(session).toMatchObject({ plan: null, creditPack: 'tokens_1k', interval: 'once', mode: 'payment' });
    const sent = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').pop()!;
    expect(sent.body).toMatchObject({ mode: 'payment', line_items: [{ price: PACK_PRICE }], metadata: { pack: 'tokens_1k' } });

    // the webhook, its redelivery and the success page's confirm, at the same moment
    await Promise.all([
      deliverAll(t, events),
      deliverAll(t, events),
      request(t.http).post(`/api/billing/checkout-sessions/${session.id}/confirm`).set(bearer(user.accessToken)).expect(200),
    ]);
    expect(await usageOf(user)).toMatchObject({ limit: 100, credits: 1000, remaining: 1100 });
    // the plan is untouched: a pack is not a plan
    expect((await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body.plan).toBe('free');

    // usage past the allowance draws on the credits
    await track(user, 150).expect(200);
    expect(await usageOf(user)).toMatchObject({ used: 150, credits: 950, remaining: 950 });
  });

  it('a pack can be bought again (its credits add up), and an open checkout of it is answered again', async () => {
    const user = await registerUser(t);
    const first = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ pack: 'tokens_1k' }).expect(201)).body;
    const again = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ pack: 'tokens_1k' }).expect(201)).body;
    expect(again.id).toBe(first.id);
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(first.stripeSessionId)),
    );
    const second = await buyPack(user);
    await deliverAll(t, second.events);
    expect(await usageOf(user)).toMatchObject({ credits: 2000 });
  });

  it('a full refund takes back what is left of the pack, once; what was used stays used', async () => {
    const user = await registerUser(t);
    const { session, events } = await buyPack(user);
    await deliverAll(t, events);
    await track(user, 400).expect(200); // 100 from the allowance, 300 from the credits
    expect(await usageOf(user)).toMatchObject({ credits: 700 });
    const refund = eventsOf(stripe, () => refundSession(stripe.store, session.stripeSessionId));
    await deliverAll(t, refund);
    await deliverAll(t, refund);
    expect(await usageOf(user)).toMatchObject({ used: 400, credits: 0, remaining: 0 });
    await track(user, 1).expect(402);
    const ledger = await t.db.query<Array<{ source: string; amount: string }>>(
      `SELECT source, amount::text FROM usage_credits WHERE checkout_session_id = $1 ORDER BY created_at`,
      [session.id],
    );
    expect(ledger).toEqual([
      { source: 'purchase', amount: '1000' },
      { source: 'takeback', amount: '-700' },
    ]);
  });

  it.each([
    [{ pack: 'nope' }, 'validation_error'],
    [{ pack: 'tokens_1k', plan: 'pro', interval: 'month' }, 'validation_error'],
    [{}, 'validation_error'],
  ])('answers %j with 400 and asks Stripe for nothing', async (body, error) => {
    const user = await registerUser(t);
    const before = stripe.requests.length;
    const res = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send(body).expect(400);
    expect(res.body.error).toBe(error);
    expect(stripe.requests.length).toBe(before);
  });
});
