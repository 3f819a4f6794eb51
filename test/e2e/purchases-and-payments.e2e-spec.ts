import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { paymentLinkSession } from '../../stripe-emulator/payment-links.js';
import { StripeConfigCheckService } from '../../src/stripe-check/stripe-config-check.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, me, registerAdmin, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliverAll, eventsOf, PRICES, startEmulator, startStripeTestApp, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';
import { chargeFixture, disputeFixture, refundFixture } from '../support/stripe-fixtures.js';
import { eventObject, invoiceObject } from '../../stripe-emulator/objects.js';
import { payInvoice } from '../../stripe-emulator/invoice-payments.js';
import { failRefund, refundSession } from '../../stripe-emulator/refunds.js';
import { cardFee, chargeSession } from '../../stripe-emulator/charges.js';
import { HandlerRegistry } from '../../src/webhooks/handler-registry.js';

/** A one-time price no plan maps (no catalogue id, own product, no lookup_key or metadata.plan). */
const MERCH = 'price_merch_once';
/** A grandfathered monthly price of the `pro` product that the catalogue does not list. */
const PRO_LEGACY = 'price_pro_legacy_2019';

/**
 * Issue 28, items 5 and 6: purchases made outside this API (Payment Links, the Dashboard) take their plan from their
 * line items, a purchase that maps to no plan waits unfulfilled for an admin, and a failed start-up price check
 * never leaves a paying subscription without its plan.
 */
describe('Purchases from anywhere', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    stripe = await startEmulator({
      deliveryMode: 'record',
      prices: [
        { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000 },
        { id: PRICES.proYearly, interval: 'year', unitAmount: 20000 },
        { id: PRICES.lifetime, interval: 'once', unitAmount: 49900 },
        { id: MERCH, interval: 'once', unitAmount: 1500, product: 'prod_merch' },
      ],
    });
    t = await createTestApp(stripeEnv(stripe));
    admin = await registerAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const buyThroughLink = async (user: RegisteredUser, price: string) => {
    const session = paymentLinkSession(stripe.store, { price, clientReferenceId: user.id });
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(session.id)),
    );
    return session;
  };
  const rowOf = async (session: Stripe.Checkout.Session) =>
    (await t.db.query(`SELECT id, user_id, plan, fulfilled_at FROM checkout_sessions WHERE stripe_session_id = $1`, [session.id]))[0] as {
      id: string;
      user_id: string | null;
      plan: string | null;
      fulfilled_at: Date | null;
    };

  it('a Payment Link purchase with only client_reference_id grants the plan of its line items', async () => {
    const user = await registerUser(t);
    const session = await buyThroughLink(user, PRICES.lifetime);
    expect(session.metadata).toEqual({});
    expect((await me(t, user)).plan).toBe('lifetime');
    expect(await rowOf(session)).toMatchObject({ user_id: user.id, plan: 'lifetime' });
    // the service asked Stripe for the line items, since the event does not carry them
    expect(stripe.requests.some((r) => r.method === 'GET' && r.path === `/v1/checkout/sessions/${session.id}/line_items`)).toBe(true);
  });

  it('a paid purchase that maps to no plan is not fulfilled, is listed as unmapped, and a sync fulfils it once its price maps', async () => {
    const user = await registerUser(t);
    const session = await buyThroughLink(user, MERCH);
    const row = await rowOf(session);
    expect(row).toMatchObject({ user_id: user.id, plan: null, fulfilled_at: null });
    expect(await t.db.query(`SELECT 1 FROM fulfillments WHERE checkout_session_id = $1`, [row.id])).toHaveLength(0);
    expect((await me(t, user)).plan).toBe('free');
    const listed = (await request(t.http).get(`/api/admin/checkout-sessions?unmapped=true&userId=${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
    expect(listed.items.map((s: { id: string }) => s.id)).toEqual([row.id]);
    const others = (await request(t.http).get(`/api/admin/checkout-sessions?unmapped=false&userId=${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
    expect(others.items).toEqual([]);

    // the price gets its plan in Stripe (metadata.plan); the admin's sync reads the line items again and fulfils once
    stripe.store.prices.get(MERCH)!.metadata = { plan: 'lifetime' };
    const synced = (await request(t.http).post(`/api/admin/checkout-sessions/${row.id}/sync`).set(bearer(admin.accessToken)).expect(200)).body;
    expect(synced).toMatchObject({ plan: 'lifetime', fulfillments: [expect.objectContaining({ source: 'sync' })] });
    expect((await me(t, user)).plan).toBe('lifetime');
    await request(t.http).post(`/api/admin/checkout-sessions/${row.id}/sync`).set(bearer(admin.accessToken)).expect(200);
    expect(await t.db.query(`SELECT 1 FROM fulfillments WHERE checkout_session_id = $1`, [row.id])).toHaveLength(1);
    stripe.store.prices.get(MERCH)!.metadata = {};
  });

  it('at most one open one-time checkout per plan: a second tab gets the open one, so one lifetime is never paid twice', async () => {
    const user = await registerUser(t);
    const checkout = (key?: string) => {
      const req = request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken));
      return (key ? req.set('Idempotency-Key', key) : req).send({ plan: 'lifetime', interval: 'once' }).expect(201);
    };
    const [first, second] = await Promise.all([checkout('tab-1'), checkout('tab-2')]);
    expect(second.body.stripeSessionId).toBe(first.body.stripeSessionId);
    expect((await checkout()).body.stripeSessionId).toBe(first.body.stripeSessionId);
    const created = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && r.body.client_reference_id === user.id);
    expect(created).toHaveLength(1);

    // once it is paid, the plan is owned: a further checkout of it is refused, not opened
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(first.body.stripeSessionId)),
    );
    expect((await me(t, user)).plan).toBe('lifetime');
    await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'lifetime', interval: 'once' }).expect(409);
  });

  it('a session whose line items Stripe cannot list fails its event, which a later delivery applies', async () => {
    const user = await registerUser(t);
    const session = paymentLinkSession(stripe.store, { price: PRICES.lifetime, clientReferenceId: user.id });
    const events = eventsOf(stripe, () => stripe.completeCheckout(session.id));
    const completed = events.find((e) => e.type === 'checkout.session.completed')!;
    stripe.failNextRequests(10, { status: 500 });
    const failed = await deliver(t, completed);
    stripe.failNextRequests(0);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await rowOf(session)).toBeUndefined();
    await deliver(t, completed).expect(200);
    expect((await me(t, user)).plan).toBe('lifetime');
  });
});

describe('A price map that survives a failed start-up check', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  beforeAll(async () => {
    stripe = await startEmulator({
      deliveryMode: 'record',
      prices: [
        { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000 },
        { id: PRICES.proYearly, interval: 'year', unitAmount: 20000 },
        { id: PRICES.lifetime, interval: 'once', unitAmount: 49900 },
        { id: PRO_LEGACY, interval: 'month', unitAmount: 1500, product: 'prod_pro' },
      ],
    });
    // Stripe answers 500 to each catalogue price the start-up check asks for
    stripe.failNextRequests(3, { status: 500 });
    t = await createTestApp(stripeEnv(stripe));
    await t.app.get(StripeConfigCheckService).settled();
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  it('a subscription on another price of the same product still maps to its plan, and every instance remembers it', async () => {
    expect(
      t.app
        .get(StripeConfigCheckService)
        .current()
        .prices.every((p) => !p.ok && p.problem?.startsWith('could not be checked')),
    ).toBe(true);
    const user = await registerUser(t);
    const session = stripe.store.createCheckoutSession({
      mode: 'subscription',
      line_items: [{ price: PRO_LEGACY, quantity: '1' }],
      client_reference_id: user.id,
      success_url: 'https://example.com/thanks',
    });
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(session.id)),
    );
    expect((await me(t, user)).plan).toBe('pro');
    const learnt = await t.db.query(`SELECT product_id, plan FROM stripe_product_plans ORDER BY product_id`);
    expect(learnt).toEqual(expect.arrayContaining([{ product_id: 'prod_pro', plan: 'pro' }]));
  });
});

/** Issue 28, items 10 and 11: refunds that fail, every dispute status of the pinned version, and an admin's revocation. */
describe('When the money fails after the sale', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  let admin: RegisteredUser;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp({ emulator: { deliveryMode: 'record' } }));
    admin = await registerAdmin(t);
  });
  afterAll(() => close());

  let clock = Math.floor(Date.now() / 1000) + 10;
  /** Each event a second newer than the one before (Stripe's `created` has whole seconds). */
  const send = <T extends { id: string }>(type: string, object: T) => deliver(t, eventObject(type, object, { created: ++clock })).expect(200);
  async function buyLifetime(user: RegisteredUser) {
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'lifetime', interval: 'once' }).expect(201)).body;
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId)),
    );
    const [row] = await t.db.query(`SELECT stripe_payment_intent_id, amount_total FROM checkout_sessions WHERE id = $1`, [created.id]);
    return {
      id: created.id as string,
      stripeSessionId: created.stripeSessionId as string,
      paymentIntent: row.stripe_payment_intent_id as string,
      amount: Number(row.amount_total),
    };
  }
  /** Runs an action on the emulator and delivers the events it emitted, in order; answers them. */
  const emitted = async (action: () => unknown) => {
    const events = eventsOf(stripe, action);
    await deliverAll(t, events);
    return events;
  };
  const refunded = async (user: RegisteredUser, id: string) =>
    (await request(t.http).get(`/api/billing/checkout-sessions/${id}`).set(bearer(user.accessToken)).expect(200)).body.amountRefunded as number;
  const grantsOf = async (user: RegisteredUser) =>
    (await request(t.http).get(`/api/admin/users/${user.id}`).set(bearer(admin.accessToken)).expect(200)).body.grants as Array<Record<string, unknown>>;

  const revenueOf = async (currency: string) => {
    const body = (await request(t.http).get('/api/admin/stats/revenue').set(bearer(admin.accessToken)).expect(200)).body as { sessions: Array<Record<string, number | string>> };
    return body.sessions.find((l) => l.currency === currency) ?? { fees: 0, net: 0 };
  };

  it("Stripe's fee comes from the charge's balance transaction, once, and revenue's net subtracts it", async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const before = await revenueOf('usd');
    const reads = () => stripe.requests.filter((r) => r.path.startsWith('/v1/balance_transactions/')).length;
    const readsBefore = reads();
    const events = await emitted(() => chargeSession(stripe.store, purchase.stripeSessionId));
    expect(events.map((e) => e.type)).toEqual(['charge.succeeded']);
    const after = await revenueOf('usd');
    expect(Number(after.fees) - Number(before.fees)).toBe(cardFee(purchase.amount));
    expect(Number(before.net) - Number(after.net)).toBe(cardFee(purchase.amount));
    // a redelivery (and the charge's later events) read the balance transaction no second time, and count the fee once
    await deliverAll(t, events);
    expect(reads() - readsBefore).toBe(1);
    expect(Number((await revenueOf('usd')).fees) - Number(before.fees)).toBe(cardFee(purchase.amount));
  });

  it('a fee reported later (charge.updated with the balance transaction) is counted then', async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const before = await revenueOf('usd');
    const events = eventsOf(stripe, () => chargeSession(stripe.store, purchase.stripeSessionId, { balance: 'later' }));
    expect(events.map((e) => e.type)).toEqual(['charge.succeeded', 'charge.updated']);
    await deliverAll(t, events.slice(0, 1));
    expect(Number((await revenueOf('usd')).fees)).toBe(Number(before.fees));
    await deliverAll(t, events.slice(1));
    expect(Number((await revenueOf('usd')).fees) - Number(before.fees)).toBe(cardFee(purchase.amount));
  });

  it('refund.failed gives the purchase back and takes the amount off, also after the charge reported it', async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const [refund] = await emitted(() => refundSession(stripe.store, purchase.stripeSessionId));
    const chargeId = (refund.data.object as Stripe.Refund).charge as string;
    const charge = chargeFixture({ id: chargeId, amount: purchase.amount, amount_refunded: purchase.amount, refunded: true, payment_intent: purchase.paymentIntent });
    await deliver(t, eventObject('charge.refunded', charge, { created: refund.created })).expect(200);
    expect((await me(t, user)).plan).toBe('free');
    expect(await refunded(user, purchase.id)).toBe(purchase.amount);

    const failure = await emitted(() => failRefund(stripe.store, (refund.data.object as Stripe.Refund).id));
    expect(failure.map((e) => e.type)).toEqual(['refund.failed', 'refund.updated']);
    expect((await me(t, user)).plan).toBe('lifetime');
    expect(await refunded(user, purchase.id)).toBe(0);
    // a late redelivery of its success cannot bring a failed refund back
    await send('refund.updated', { ...(refund.data.object as Stripe.Refund), status: 'succeeded' });
    expect((await me(t, user)).plan).toBe('lifetime');
  });

  it('refund.updated to canceled counts a pending refund for nothing', async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const [refund] = await emitted(() => refundSession(stripe.store, purchase.stripeSessionId, { status: 'pending' }));
    expect((await me(t, user)).plan).toBe('free');
    await emitted(() => failRefund(stripe.store, (refund.data.object as Stripe.Refund).id, 'canceled'));
    expect((await me(t, user)).plan).toBe('lifetime');
    expect(await refunded(user, purchase.id)).toBe(0);
  });

  it('refund.failed is an event the service subscribes to', () => {
    expect(t.app.get(HandlerRegistry).types()).toContain('refund.failed');
  });

  it('an appealed dispute keeps the purchase suspended until the appeal is won', async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const dispute = disputeFixture({ amount: purchase.amount, payment_intent: purchase.paymentIntent, status: 'needs_response' });
    await send('charge.dispute.created', dispute);
    await send('charge.dispute.closed', { ...dispute, status: 'lost' });
    expect((await me(t, user)).plan).toBe('free');
    await send('charge.dispute.updated', { ...dispute, status: 'appeal_needs_response' });
    expect((await me(t, user)).plan).toBe('free');
    await send('charge.dispute.updated', { ...dispute, status: 'appeal_under_review' });
    expect((await me(t, user)).plan).toBe('free');
    expect(await grantsOf(user)).toContainEqual(expect.objectContaining({ source: 'purchase', active: false, revokedReason: 'dispute open' }));
    await send('charge.dispute.closed', { ...dispute, status: 'won' });
    expect((await me(t, user)).plan).toBe('lifetime');
  });

  it('an inquiry suspends while open; closed or prevented gives the purchase back', async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const inquiry = disputeFixture({ amount: purchase.amount, payment_intent: purchase.paymentIntent, status: 'warning_needs_response' });
    await send('charge.dispute.created', inquiry);
    await send('charge.dispute.updated', { ...inquiry, status: 'warning_under_review' });
    expect((await me(t, user)).plan).toBe('free');
    await send('charge.dispute.closed', { ...inquiry, status: 'warning_closed' });
    expect((await me(t, user)).plan).toBe('lifetime');
    const prevented = disputeFixture({ amount: purchase.amount, payment_intent: purchase.paymentIntent, status: 'prevented' });
    await send('charge.dispute.closed', prevented);
    expect((await me(t, user)).plan).toBe('lifetime');
  });

  it("an admin's revocation of a grant a dispute suspended is recorded and final: a won dispute does not bring it back", async () => {
    const user = await registerUser(t);
    const purchase = await buyLifetime(user);
    const dispute = disputeFixture({ amount: purchase.amount, payment_intent: purchase.paymentIntent, status: 'needs_response', reason: 'fraudulent' });
    await send('charge.dispute.created', dispute);
    const grant = (await grantsOf(user)).find((g) => g.source === 'purchase')!;
    const revoked = (
      await request(t.http)
        .delete(`/api/admin/users/${user.id}/grants/${grant.id as string}`)
        .set(bearer(admin.accessToken))
        .send({ reason: 'confirmed fraud' })
        .expect(200)
    ).body;
    expect(revoked).toMatchObject({ active: false, revokedReason: 'confirmed fraud', actorId: admin.id });
    await send('charge.dispute.closed', { ...dispute, status: 'won' });
    expect((await me(t, user)).plan).toBe('free');
    expect(await grantsOf(user)).toContainEqual(expect.objectContaining({ id: grant.id, active: false, revokedReason: 'confirmed fraud', actorId: admin.id }));
  });

  it('invoice_payment.paid links a subscription payment to its invoice: revenue subtracts its refund and lost dispute, and reports tax apart', async () => {
    const user = await registerUser(t);
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId)),
    );
    const [invoice] = await t.db.query(`SELECT stripe_invoice_id, payment_intent_id, amount_paid FROM invoices WHERE user_id = $1`, [user.id]);
    expect(invoice).toMatchObject({ payment_intent_id: null }); // the invoice event names no payment in this API version
    const paymentIntent = 'pi_subscription_payment_1';
    // a refund that comes before the link waits for it; a dispute that comes after finds the invoice at once
    await send('refund.created', refundFixture({ amount: 500, payment_intent: paymentIntent, status: 'succeeded' }));
    const paid = eventsOf(stripe, () => payInvoice(stripe.store, invoice.stripe_invoice_id, { paymentIntent }));
    expect(paid.map((e) => e.type)).toEqual(['invoice_payment.paid']);
    await deliverAll(t, paid);
    const dispute = disputeFixture({ amount: 1000, payment_intent: paymentIntent, status: 'needs_response' });
    await send('charge.dispute.created', dispute);
    await send('charge.dispute.closed', { ...dispute, status: 'lost' });
    // a second paid invoice of the subscription, with tax
    const taxed = invoiceObject({
      customer: (await t.db.query(`SELECT stripe_customer_id FROM users WHERE id = $1`, [user.id]))[0].stripe_customer_id,
      subscriptionId: (await t.db.query(`SELECT stripe_subscription_id FROM subscriptions WHERE user_id = $1`, [user.id]))[0].stripe_subscription_id,
      total: 2200,
      total_taxes: [{ amount: 200, tax_behavior: 'exclusive', tax_rate_details: null, taxability_reason: 'standard_rated', taxable_amount: 2000, type: 'tax_rate_details' }],
    });
    await send('invoice.paid', taxed);

    const revenue = (await request(t.http).get('/api/admin/stats/revenue').set(bearer(admin.accessToken)).expect(200)).body;
    const gross = Number(invoice.amount_paid) + 2000;
    expect(revenue.invoices).toEqual([{ currency: 'usd', payments: 2, gross, tax: 200, refunded: 500, disputedLost: 1000, disputedOpen: 0, fees: 0, net: gross - 500 - 1000 }]);
  });
});
