import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import type { TestApp } from '../support/app.js';
import { bearer, me, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliverAll, eventsOf, PRICES, startStripeTestApp, TEAM_MONTHLY, teamCatalogue } from '../support/stripe-emulator.js';

/**
 * Issue 28 (part A): plan changes where the money fails or is replayed. The stored plan always follows what
 * Stripe bills; events are recorded by the local Stripe and delivered by each test when it wants them.
 */
const PLAN_OF_PRICE: Record<string, string> = { [PRICES.proMonthly]: 'pro', [PRICES.proYearly]: 'pro', [TEAM_MONTHLY]: 'team' };

describe('Plan changes where money fails', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp(teamCatalogue()));
  });
  afterAll(() => close());

  const subscriptionOf = async (user: RegisteredUser) => (await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body;
  const change = (user: RegisteredUser, body: Record<string, unknown>, key?: string) => {
    const req = request(t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken));
    return (key ? req.set('Idempotency-Key', key) : req).send(body);
  };
  /** The plan the local Stripe bills the subscription for now. */
  const billedPlan = (subscriptionId: string) => PLAN_OF_PRICE[stripe.store.subscription(subscriptionId).items.data[0].price.id];

  /** Buys a monthly plan through the service and the hosted page, then delivers every event of the payment. */
  async function subscribed(plan: string) {
    const user = await registerUser(t);
    const session = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan, interval: 'month' }).expect(201);
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(session.body.stripeSessionId)),
    );
    return { user, subscriptionId: stripe.store.sessionRecord(session.body.stripeSessionId).session.subscription as string };
  }

  describe('a replayed Idempotency-Key (item 2)', () => {
    it('team → pro (D1) → team (U1) → pro (D2) → replay U1 leaves the stored plan equal to what Stripe bills', async () => {
      const { user, subscriptionId } = await subscribed('team');
      await change(user, { plan: 'pro', interval: 'month', at: 'now' }, 'D1').expect(200);
      await change(user, { plan: 'team', interval: 'month' }, 'U1').expect(200);
      await change(user, { plan: 'pro', interval: 'month', at: 'now' }, 'D2').expect(200);
      const replay = await change(user, { plan: 'team', interval: 'month' }, 'U1').expect(200);
      const billed = billedPlan(subscriptionId);
      expect(replay.body.subscriptionPlan).toBe(billed);
      expect((await subscriptionOf(user)).subscriptionPlan).toBe(billed);
      expect((await me(t, user)).plan).toBe(billed);
      // and the webhooks that follow agree
      await deliverAll(
        t,
        stripe.store.events.filter((e) => e.type.startsWith('customer.subscription.')),
      );
      expect((await me(t, user)).plan).toBe(billedPlan(subscriptionId));
    });

    it('a retried change with the same key (same state) changes Stripe once', async () => {
      const { user, subscriptionId } = await subscribed('pro');
      const updates = () => stripe.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}`).length;
      await change(user, { plan: 'team', interval: 'month' }, 'once').expect(200);
      const after = updates();
      expect((await change(user, { plan: 'team', interval: 'month' }, 'once').expect(200)).body).toMatchObject({ plan: 'team', subscriptionPlan: 'team' });
      expect(updates()).toBe(after);
      expect(billedPlan(subscriptionId)).toBe('team');
    });
  });

  describe('the preview shows the money of the change (item 13)', () => {
    it("month → year previews what the change then charges, with Stripe's total, amount due, tax, discount and balance", async () => {
      const { user, subscriptionId } = await subscribed('pro');
      const preview = (await request(t.http).get('/api/billing/subscription/preview?plan=pro&interval=year').set(bearer(user.accessToken)).expect(200)).body;
      // the unused month is credited against a whole year, charged at once
      expect(preview).toMatchObject({ plan: 'pro', interval: 'year', prorationBehavior: 'always_invoice', tax: 0, discount: 0, appliedBalance: 0, nextRenewalAmount: 20000 });
      expect(preview.amountDue).toBe(preview.total);
      expect(preview.amountDueNow).toBe(preview.amountDue);
      expect(preview.amountDueNow).toBeGreaterThan(17900);
      expect(preview.amountDueNow).toBeLessThanOrEqual(18000);
      const request_ = stripe.requests.filter((r) => r.path === '/v1/invoices/create_preview').pop()!;
      expect(request_.body).toMatchObject({ subscription_details: { proration_behavior: 'always_invoice' } });
      await change(user, { plan: 'pro', interval: 'year' }).expect(200);
      const charged = stripe.store.invoice(stripe.store.subscription(subscriptionId).latest_invoice as string);
      expect(Math.abs(charged.amount_paid - preview.amountDueNow)).toBeLessThanOrEqual(1);
    });
  });

  describe('a change is granted only once paid (item 1)', () => {
    const customerOf = (subscriptionId: string) => stripe.store.subscription(subscriptionId).customer as string;

    it('a declined upgrade keeps the paid plan, answers 402 with the open invoice, shows pendingUpdate, and applies once paid', async () => {
      const { user, subscriptionId } = await subscribed('pro');
      stripe.setPaymentMethod(customerOf(subscriptionId), 'pm_card_chargeCustomerFail');
      const before = stripe.store.events.length;
      const res = await change(user, { plan: 'team', interval: 'month' }).expect(402);
      expect(res.body).toMatchObject({ error: 'payment_required', details: { pendingUpdate: { plan: 'team', interval: 'month' }, clientSecret: null } });
      expect(res.body.details.hostedInvoiceUrl).toMatch(/^http/);
      const update = stripe.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}`).pop()!;
      expect(update.body).toMatchObject({ payment_behavior: 'pending_if_incomplete' });
      expect(billedPlan(subscriptionId)).toBe('pro');
      await deliverAll(t, stripe.store.events.slice(before));
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      expect(await subscriptionOf(user)).toMatchObject({ plan: 'pro', subscriptionPlan: 'pro', status: 'active', pendingUpdate: { plan: 'team', interval: 'month' } });
      // a second change while this one waits for its money is refused, pointing at the same invoice
      const again = await change(user, { plan: 'team', interval: 'month' }).expect(409);
      expect(again.body.details).toMatchObject({ invoiceId: res.body.details.invoiceId });

      stripe.setPaymentMethod(customerOf(subscriptionId), 'pm_card_visa');
      const paid = eventsOf(stripe, () => stripe.payInvoice(res.body.details.invoiceId));
      expect(paid.map((e) => e.type)).toContain('customer.subscription.pending_update_applied');
      await deliverAll(t, paid);
      expect(await subscriptionOf(user)).toMatchObject({ plan: 'team', subscriptionPlan: 'team', pendingUpdate: null });
    });

    it('an upgrade that needs 3-D Secure keeps the paid plan and answers the client secret; an expired pending update grants nothing', async () => {
      const { user, subscriptionId } = await subscribed('pro');
      stripe.setPaymentMethod(customerOf(subscriptionId), 'pm_card_authenticationRequired');
      const before = stripe.store.events.length;
      const res = await change(user, { plan: 'team', interval: 'month' }).expect(402);
      expect(res.body.details.clientSecret).toEqual(expect.any(String));
      await deliverAll(t, stripe.store.events.slice(before));
      expect((await me(t, user)).plan).toBe('pro');
      await deliverAll(
        t,
        eventsOf(stripe, () => stripe.expirePendingUpdate(subscriptionId)),
      );
      expect(await subscriptionOf(user)).toMatchObject({ plan: 'pro', subscriptionPlan: 'pro', pendingUpdate: null });
    });

    it('a change while past_due or unpaid is refused with 409 and the open invoice', async () => {
      const { user, subscriptionId } = await subscribed('pro');
      // a change made elsewhere with Stripe's default payment_behavior (allow_incomplete): the new price, past_due
      stripe.setPaymentMethod(customerOf(subscriptionId), 'declined');
      const itemId = stripe.store.subscription(subscriptionId).items.data[0].id;
      await deliverAll(
        t,
        eventsOf(stripe, () => stripe.store.updateSubscription(subscriptionId, { items: [{ id: itemId, price: PRICES.proYearly }] })),
      );
      const sub = stripe.store.subscription(subscriptionId);
      expect(sub.status).toBe('past_due');
      const res = await change(user, { plan: 'team', interval: 'month' }).expect(409);
      expect(res.body.details).toMatchObject({ invoiceId: sub.latest_invoice, hostedInvoiceUrl: expect.stringMatching(/^http/) });
      await deliverAll(
        t,
        eventsOf(stripe, () => stripe.setSubscriptionStatus(subscriptionId, 'unpaid')),
      );
      await change(user, { plan: 'team', interval: 'month' }).expect(409);
      expect(billedPlan(subscriptionId)).toBe('pro');
    });
  });

  describe('with SUBSCRIPTION_PAST_DUE_GRANTS=false (item 1)', () => {
    let strict: Awaited<ReturnType<typeof startStripeTestApp>>;
    beforeAll(async () => {
      strict = await startStripeTestApp({
        emulator: {
          deliveryMode: 'record',
          prices: [
            { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000 },
            { id: TEAM_MONTHLY, interval: 'month', unitAmount: 5000 },
          ],
        },
        env: { STRIPE_PRICE_TEAM_MONTHLY: TEAM_MONTHLY, PLAN_RANK: 'pro,team,lifetime', SUBSCRIPTION_PAST_DUE_GRANTS: 'false' },
      });
    });
    afterAll(() => strict.close());

    it('a declined upgrade leaves the user on the plan they paid for', async () => {
      const user = await registerUser(strict.t);
      const session = await request(strict.t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201);
      await deliverAll(
        strict.t,
        eventsOf(strict.stripe, () => strict.stripe.completeCheckout(session.body.stripeSessionId)),
      );
      const subscriptionId = strict.stripe.store.sessionRecord(session.body.stripeSessionId).session.subscription as string;
      strict.stripe.setPaymentMethod(strict.stripe.store.subscription(subscriptionId).customer as string, 'pm_card_chargeCustomerFail');
      const before = strict.stripe.store.events.length;
      await request(strict.t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(402);
      await deliverAll(strict.t, strict.stripe.store.events.slice(before));
      expect((await request(strict.t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    });
  });

  describe('a trial is of one plan (item 3)', () => {
    let trial: Awaited<ReturnType<typeof startStripeTestApp>>;
    beforeAll(async () => {
      trial = await startStripeTestApp({
        emulator: {
          deliveryMode: 'record',
          prices: [
            { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000 },
            { id: TEAM_MONTHLY, interval: 'month', unitAmount: 5000 },
          ],
        },
        env: { STRIPE_PRICE_TEAM_MONTHLY: TEAM_MONTHLY, PLAN_RANK: 'pro,team,lifetime', STRIPE_TRIAL_DAYS_PRO: '14' },
      });
    });
    afterAll(() => trial.close());

    async function trialing() {
      const user = await registerUser(trial.t);
      const session = await request(trial.t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201);
      await deliverAll(
        trial.t,
        eventsOf(trial.stripe, () => trial.stripe.completeCheckout(session.body.stripeSessionId)),
      );
      const subscriptionId = trial.stripe.store.sessionRecord(session.body.stripeSessionId).session.subscription as string;
      expect(trial.stripe.store.subscription(subscriptionId).status).toBe('trialing');
      return { user, subscriptionId };
    }

    it('changing the plan of a pro trial to team ends the trial and charges team now', async () => {
      const { user, subscriptionId } = await trialing();
      const res = await request(trial.t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(200);
      expect(res.body).toMatchObject({ plan: 'team', status: 'active' });
      const sub = trial.stripe.store.subscription(subscriptionId);
      expect(sub.status).toBe('active');
      expect(sub.trial_end).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      const invoice = trial.stripe.store.invoice(sub.latest_invoice as string);
      expect(invoice).toMatchObject({ status: 'paid', amount_paid: 5000 });
    });

    it('when that payment fails the trial stays on pro and team is not granted', async () => {
      const { user, subscriptionId } = await trialing();
      trial.stripe.setPaymentMethod(trial.stripe.store.subscription(subscriptionId).customer as string, 'pm_card_chargeCustomerFail');
      const before = trial.stripe.store.events.length;
      await request(trial.t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(402);
      await deliverAll(trial.t, trial.stripe.store.events.slice(before));
      expect((await request(trial.t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body).toMatchObject({ plan: 'pro', subscriptionStatus: 'trialing' });
      expect(trial.stripe.store.subscription(subscriptionId).items.data[0].price.id).toBe(PRICES.proMonthly);
    });
  });
});
