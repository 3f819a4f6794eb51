import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { eventObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, me, registerAdmin, type RegisteredUser, registerUser } from '../support/factories.js';
import { eventsOf, PRICES, startStripeTestApp } from '../support/stripe-emulator.js';
import { chargeFixture, customerFixture, deletedCustomerFixture, disputeFixture, invoiceFixture, refundFixture } from '../support/stripe-fixtures.js';
import { deliver } from '../support/webhooks.js';

/**
 * Issue 15: money that moves after checkout (refunds, disputes, invoices), customers that Stripe deletes, and
 * purchases that match no account. Payloads start from Stripe's published example objects.
 */
describe('After the sale: refunds, disputes, invoices, customers and safe linking', () => {
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
  /** Each delivered event is a second newer than the one before (Stripe's `created` has whole seconds). */
  const send = <T extends { id: string }>(type: string, object: T, created = ++clock) => deliver(t, eventObject(type, object, { created })).expect(200);
  const emitted = (action: () => unknown) => eventsOf(stripe, action);
  async function buy(user: RegisteredUser, plan: string, interval: string) {
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan, interval }).expect(201)).body;
    for (const event of emitted(() => stripe.completeCheckout(created.stripeSessionId))) await deliver(t, event).expect(200);
    const [row] = await t.db.query(`SELECT * FROM checkout_sessions WHERE id = $1`, [created.id]);
    return {
      id: created.id as string,
      paymentIntent: row.stripe_payment_intent_id as string | null,
      customer: row.stripe_customer_id as string,
      amount: Number(row.amount_total),
      subscription: row.stripe_subscription_id as string | null,
    };
  }
  const session = async (user: RegisteredUser, id: string) => (await request(t.http).get(`/api/billing/checkout-sessions/${id}`).set(bearer(user.accessToken)).expect(200)).body;

  describe('refunds', () => {
    it('two partial refunds add up, and redelivering them (or the charge) adds nothing', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'lifetime', 'once');
      const first = refundFixture({ amount: 5000, payment_intent: purchase.paymentIntent, status: 'succeeded' });
      const second = refundFixture({ amount: 7000, payment_intent: purchase.paymentIntent, status: 'pending' });
      await send('refund.created', first);
      await send('refund.created', second);
      expect((await session(user, purchase.id)).amountRefunded).toBe(12000);
      await send('refund.updated', { ...second, status: 'succeeded' });
      // redeliveries and the charge's own total, in any order, count nothing twice
      await send('refund.created', first);
      await send('charge.refunded', chargeFixture({ amount: purchase.amount, amount_refunded: 12000, payment_intent: purchase.paymentIntent, refunded: false }));
      await send('refund.created', second, clock - 5);
      const after = await session(user, purchase.id);
      expect(after.amountRefunded).toBe(12000);
      // a partial refund leaves the purchase granted
      expect((await me(t, user)).plan).toBe('lifetime');
      const rows = await t.db.query(`SELECT stripe_refund_id, status FROM refunds WHERE payment_intent_id = $1 ORDER BY amount`, [purchase.paymentIntent]);
      expect(rows).toEqual([
        { stripe_refund_id: first.id, status: 'succeeded' },
        { stripe_refund_id: second.id, status: 'succeeded' },
      ]);
    });

    it('a full refund of lifetime returns the user to their next-best grant; the subscription keeps its own', async () => {
      const user = await registerUser(t);
      await buy(user, 'pro', 'month');
      const lifetime = await buy(user, 'lifetime', 'once');
      expect((await me(t, user)).plan).toBe('lifetime');
      await send('charge.refunded', chargeFixture({ amount: lifetime.amount, amount_refunded: lifetime.amount, refunded: true, payment_intent: lifetime.paymentIntent }));
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      expect((await session(user, lifetime.id)).amountRefunded).toBe(lifetime.amount);
      const detail = (await request(t.http).get(`/api/admin/users/${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(detail.grants).toContainEqual(expect.objectContaining({ source: 'purchase', plan: 'lifetime', active: false, revokedReason: 'refunded in full' }));
    });

    it('a refund that arrives before its checkout session is counted once the session is applied', async () => {
      const user = await registerUser(t);
      const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'lifetime', interval: 'once' }).expect(201)).body;
      const events = emitted(() => stripe.completeCheckout(created.stripeSessionId));
      const paymentIntent = stripe.store.sessionRecord(created.stripeSessionId).session.payment_intent as string;
      await send('charge.refunded', chargeFixture({ amount: 49900, amount_refunded: 49900, refunded: true, payment_intent: paymentIntent }));
      for (const event of events) await deliver(t, event).expect(200);
      expect((await session(user, created.id)).amountRefunded).toBe(49900);
      expect((await me(t, user)).plan).toBe('free');
    });
  });

  describe('disputes', () => {
    it('an open dispute suspends the purchase, winning it restores it', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'lifetime', 'once');
      const dispute = disputeFixture({ amount: purchase.amount, payment_intent: purchase.paymentIntent, status: 'needs_response', reason: 'fraudulent' });
      await send('charge.dispute.created', dispute);
      expect((await me(t, user)).plan).toBe('free');
      const detail = (await request(t.http).get(`/api/admin/checkout-sessions/${purchase.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(detail.disputes).toEqual([expect.objectContaining({ id: dispute.id, status: 'needs_response', reason: 'fraudulent', amount: purchase.amount })]);
      const listed = (await request(t.http).get(`/api/admin/checkout-sessions?disputed=true&userId=${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(listed.items.map((s: { id: string }) => s.id)).toEqual([purchase.id]);
      await send('charge.dispute.updated', { ...dispute, status: 'under_review' });
      expect((await me(t, user)).plan).toBe('free');
      await send('charge.dispute.closed', { ...dispute, status: 'won' });
      expect((await me(t, user)).plan).toBe('lifetime');
      // a late "needs_response" cannot reopen a closed dispute
      await send('charge.dispute.updated', { ...dispute, status: 'needs_response' }, clock - 10);
      expect((await me(t, user)).plan).toBe('lifetime');
    });

    it('a lost dispute keeps the purchase revoked', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'lifetime', 'once');
      const dispute = disputeFixture({ amount: purchase.amount, payment_intent: purchase.paymentIntent, status: 'needs_response' });
      await send('charge.dispute.created', dispute);
      await send('charge.dispute.closed', { ...dispute, status: 'lost' });
      expect((await me(t, user)).plan).toBe('free');
      const detail = (await request(t.http).get(`/api/admin/users/${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(detail.grants).toContainEqual(expect.objectContaining({ source: 'purchase', active: false, revokedReason: 'dispute lost' }));
      expect(detail.disputes).toEqual([expect.objectContaining({ id: dispute.id, status: 'lost', amount: purchase.amount, checkoutSessionId: purchase.id })]);
    });
  });

  describe('invoices', () => {
    it('GET /api/billing/invoices lists an invoice after invoice.paid, newest first with cursor pages', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'pro', 'month');
      const base = Math.floor(Date.now() / 1000);
      const invoices = [0, 1, 2].map((i) =>
        invoiceFixture({
          customer: purchase.customer,
          status: 'paid',
          amount_due: 2000,
          amount_paid: 2000,
          number: `INV-${i}`,
          created: base + 10 + i,
          hosted_invoice_url: `https://invoice.stripe.com/i/test_${i}`,
          invoice_pdf: `https://pay.stripe.com/invoice/test_${i}/pdf`,
          parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: null, subscription: purchase.subscription! } },
        }),
      );
      for (const invoice of invoices) await send('invoice.paid', invoice);
      const page1 = (await request(t.http).get('/api/billing/invoices?limit=2').set(bearer(user.accessToken)).expect(200)).body;
      // the checkout's own first invoice (delivered by buy) is the oldest
      expect(page1.items.map((i: { number: string }) => i.number)).toEqual(['INV-2', 'INV-1']);
      expect(page1.items[0]).toMatchObject({
        status: 'paid',
        amountDue: 2000,
        amountPaid: 2000,
        amountRefunded: 0,
        currency: 'usd',
        hostedInvoiceUrl: 'https://invoice.stripe.com/i/test_2',
        invoicePdf: 'https://pay.stripe.com/invoice/test_2/pdf',
      });
      const page2 = (await request(t.http).get(`/api/billing/invoices?limit=2&cursor=${page1.nextCursor}`).set(bearer(user.accessToken)).expect(200)).body;
      expect(page2.items[0].number).toBe('INV-0');
      const other = await registerUser(t);
      expect((await request(t.http).get('/api/billing/invoices').set(bearer(other.accessToken)).expect(200)).body.items).toEqual([]);
      await request(t.http).get('/api/billing/invoices?cursor=forged').set(bearer(user.accessToken)).expect(400);
    });

    it('a payment that needs the customer (3-D Secure) shows its hosted URL on GET /api/billing/subscription until it is paid', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'pro', 'month');
      const renewal = emitted(() => stripe.renewSubscription(purchase.subscription!));
      for (const event of renewal.filter((e) => e.type.startsWith('customer.subscription'))) await deliver(t, event).expect(200);
      const latest = stripe.store.subscription(purchase.subscription!).latest_invoice as string;
      const invoice = { ...stripe.store.invoice(latest), status: 'open', amount_paid: 0, hosted_invoice_url: 'https://invoice.stripe.com/i/needs_3ds' } as Stripe.Invoice;
      await send('invoice.payment_action_required', invoice);
      const sub = (await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body;
      expect(sub.actionRequired).toEqual({ hostedInvoiceUrl: 'https://invoice.stripe.com/i/needs_3ds' });
      await send('invoice.paid', { ...invoice, status: 'paid', amount_paid: invoice.amount_due });
      expect((await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body.actionRequired).toBeNull();
    });
  });

  describe('customers', () => {
    it('customer.deleted forgets the customer: the portal answers 409 until a new checkout, which works', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'lifetime', 'once');
      await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(201);
      stripe.store.customers.delete(purchase.customer);
      await send('customer.deleted', deletedCustomerFixture(purchase.customer));
      expect((await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(409)).body.error).toBe('conflict');
      const next = await buy(user, 'pro', 'month');
      expect(next.customer).not.toBe(purchase.customer);
      expect(stripe.store.customers.has(next.customer)).toBe(true);
      await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(201);
    });

    it('a checkout against a customer Stripe no longer knows creates a new customer once and works, with an Idempotency-Key too', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'lifetime', 'once');
      // deleted in the Dashboard, and its customer.deleted never arrived
      stripe.store.customers.delete(purchase.customer);
      // Stripe keeps its resource_missing answer under the first key: the second try (another customer) needs another key
      const checkout = () =>
        request(t.http)
          .post('/api/billing/checkout-sessions')
          .set(bearer(user.accessToken))
          .set('idempotency-key', 'after-a-deleted-customer')
          .send({ plan: 'pro', interval: 'month' });
      const res = await checkout().expect(201);
      expect((await checkout().expect(201)).body.stripeSessionId).toBe(res.body.stripeSessionId);
      const [row] = await t.db.query(`SELECT stripe_customer_id, previous_stripe_customer_id FROM users WHERE id = $1`, [user.id]);
      expect(row.previous_stripe_customer_id).toBe(purchase.customer);
      expect(row.stripe_customer_id).not.toBe(purchase.customer);
      expect(stripe.store.sessionRecord(res.body.stripeSessionId).session.customer).toBe(row.stripe_customer_id);
      expect([...stripe.store.customers.values()].filter((c) => c.metadata.userId === user.id)).toHaveLength(1);
    });

    it('customer.updated keeps the new email on the session rows, never on the account', async () => {
      const user = await registerUser(t);
      const purchase = await buy(user, 'lifetime', 'once');
      await send('customer.updated', customerFixture({ id: purchase.customer, email: 'Someone.Else@Example.com' }));
      expect((await me(t, user)).email).toBe(user.email.toLowerCase());
      const [row] = await t.db.query(`SELECT customer_email FROM checkout_sessions WHERE id = $1`, [purchase.id]);
      expect(row.customer_email).toBe('someone.else@example.com');
    });
  });

  describe('safe linking', () => {
    it('a Payment Link purchase matched only by email stays unmatched; the admin link fulfils it once', async () => {
      const user = await registerUser(t);
      const remote = stripe.store.createCheckoutSession({
        mode: 'payment',
        line_items: [{ price: PRICES.lifetime, quantity: '1' }],
        success_url: 'https://example.com/ok',
        customer_email: user.email,
        metadata: { plan: 'lifetime' },
      });
      for (const event of emitted(() => stripe.completeCheckout(remote.id))) await deliver(t, event).expect(200);
      const [row] = await t.db.query(`SELECT id, user_id, unmatched FROM checkout_sessions WHERE stripe_session_id = $1`, [remote.id]);
      expect(row).toMatchObject({ user_id: null, unmatched: true });
      expect((await me(t, user)).plan).toBe('free');
      const unmatched = (await request(t.http).get('/api/admin/checkout-sessions?unmatched=true').set(bearer(admin.accessToken)).expect(200)).body;
      expect(unmatched.items.map((s: { id: string }) => s.id)).toContain(row.id);

      const link = () =>
        request(t.http)
          .post(`/api/admin/checkout-sessions/${remote.id}/link`)
          .set(bearer(admin.accessToken))
          .send({ userId: user.id, reason: 'buyer proved the address by a support ticket' });
      const [a, b] = await Promise.all([link(), link()]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body).toMatchObject({
        userId: user.id,
        unmatched: false,
        linkedBy: admin.id,
        linkReason: 'buyer proved the address by a support ticket',
        fulfillments: [expect.objectContaining({ source: 'sync' })],
      });
      expect((await me(t, user)).plan).toBe('lifetime');
      expect(await t.db.query(`SELECT 1 FROM fulfillments WHERE checkout_session_id = $1`, [row.id])).toHaveLength(1);
      const other = await registerUser(t);
      await request(t.http).post(`/api/admin/checkout-sessions/${remote.id}/link`).set(bearer(admin.accessToken)).send({ userId: other.id, reason: 'wrong person' }).expect(409);
      await request(t.http).post(`/api/admin/checkout-sessions/${remote.id}/link`).set(bearer(user.accessToken)).send({ userId: user.id, reason: 'self-service' }).expect(403);
    });
  });

  it('stores the events it ignores trimmed to what the event log shows: no card or address details', async () => {
    const event = eventObject('payment_method.attached', {
      id: 'pm_123',
      object: 'payment_method',
      card: { last4: '4242', exp_year: 2030 },
      billing_details: { address: { line1: '1 Main St' } },
    } as { id: string });
    await deliver(t, event).expect(200);
    const [row] = await t.db.query(`SELECT status, payload FROM stripe_events WHERE id = $1`, [event.id]);
    expect(row.status).toBe('ignored');
    expect(JSON.stringify(row.payload)).not.toMatch(/4242|Main St/);
    expect(row.payload).toMatchObject({ id: event.id, type: 'payment_method.attached', data: { object: { id: 'pm_123', object: 'payment_method' } } });
  });
});

describe('Revenue that adds up', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_PRICE_LIFETIME_ONCE: PRICES.lifetime });
    admin = await registerAdmin(t);
  });
  afterAll(() => t.close());

  it('per currency, net is gross minus refunds minus lost disputes, for sessions and invoices, and open disputes are shown beside it', async () => {
    const user = await registerUser(t);
    const session = async (amount: number, currency: string, refunded = 0) =>
      (
        await t.db.query(
          `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, status, payment_status, amount_total, currency, amount_refunded)
           VALUES ('cs_seed_' || md5(random()::text), $1, 'payment', 'lifetime', 'complete', 'paid', $2, $3, $4) RETURNING id`,
          [user.id, amount, currency, refunded],
        )
      )[0].id as string;
    const dispute = (target: { session?: string; invoice?: string }, amount: number, currency: string, status: string) =>
      t.db.query(
        `INSERT INTO disputes (stripe_dispute_id, amount, currency, status, checkout_session_id, invoice_id, state_at, stripe_created_at) VALUES ('dp_' || md5(random()::text), $1, $2, $3, $4, $5, now(), now())`,
        [amount, currency, status, target.session ?? null, target.invoice ?? null],
      );
    const s1 = await session(49900, 'usd', 10000);
    await session(49900, 'usd');
    const s3 = await session(30000, 'eur');
    await dispute({ session: s1 }, 39900, 'usd', 'lost');
    await dispute({ session: s3 }, 30000, 'eur', 'needs_response');
    // unpaid and subscription-mode sessions are not revenue (a subscription's money is its invoices)
    await t.db.query(
      `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, status, payment_status, amount_total, currency) VALUES ('cs_seed_unpaid', $1, 'payment', 'open', 'unpaid', 99999, 'usd'), ('cs_seed_sub', $1, 'subscription', 'complete', 'paid', 2000, 'usd')`,
      [user.id],
    );
    const [invoice] = await t.db.query(
      `INSERT INTO invoices (stripe_invoice_id, user_id, status, amount_due, amount_paid, amount_refunded, currency, created_at) VALUES ('in_seed_1', $1, 'paid', 2000, 2000, 500, 'usd', now()), ('in_seed_2', $1, 'open', 2000, 0, 0, 'usd', now()) RETURNING id`,
      [user.id],
    );
    await dispute({ invoice: invoice.id }, 1500, 'usd', 'lost');

    const res = (await request(t.http).get('/api/admin/stats/revenue').set(bearer(admin.accessToken)).expect(200)).body;
    expect(res.sessions).toEqual([
      { currency: 'eur', payments: 1, gross: 30000, tax: 0, refunded: 0, disputedLost: 0, disputedOpen: 30000, fees: 0, net: 30000 },
      { currency: 'usd', payments: 2, gross: 99800, tax: 0, refunded: 10000, disputedLost: 39900, disputedOpen: 0, fees: 0, net: 99800 - 10000 - 39900 },
    ]);
    expect(res.invoices).toEqual([{ currency: 'usd', payments: 1, gross: 2000, tax: 0, refunded: 500, disputedLost: 1500, disputedOpen: 0, fees: 0, net: 0 }]);
    expect(res.total).toEqual([
      { currency: 'eur', payments: 1, gross: 30000, tax: 0, refunded: 0, disputedLost: 0, disputedOpen: 30000, fees: 0, net: 30000 },
      { currency: 'usd', payments: 3, gross: 101800, tax: 0, refunded: 10500, disputedLost: 41400, disputedOpen: 0, fees: 0, net: 101800 - 10500 - 41400 },
    ]);
    const past = (await request(t.http).get('/api/admin/stats/revenue?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z').set(bearer(admin.accessToken)).expect(200)).body;
    expect(past.total).toEqual([]);
    await request(t.http).get('/api/admin/stats/revenue').set(bearer(user.accessToken)).expect(403);
  });
});
