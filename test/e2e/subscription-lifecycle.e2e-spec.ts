import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, me, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliverAll, eventsOf, PRICES, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';
import { eventObject, subscriptionObject } from '../../stripe-emulator/objects.js';

const TEAM_MONTHLY = 'price_team_monthly';

/**
 * Lifecycle edges (issue 28, items 7, 8 and 15): what a subscription's status means for buying, for the order of
 * its states, and for Stripe Entitlements. Events are recorded by the local Stripe and delivered by each test.
 */
describe('Subscription lifecycle edges', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  beforeAll(async () => {
    stripe = await startEmulator({
      deliveryMode: 'record',
      prices: [
        { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000, nickname: 'Pro monthly' },
        { id: PRICES.proYearly, interval: 'year', unitAmount: 20000, nickname: 'Pro yearly' },
        { id: PRICES.lifetime, interval: 'once', unitAmount: 49900, nickname: 'Lifetime' },
        { id: TEAM_MONTHLY, interval: 'month', unitAmount: 5000, nickname: 'Team monthly' },
      ],
    });
    // team starts with a trial (so a test can end it unpaid); pro is paid from the first day
    t = await createTestApp({ ...stripeEnv(stripe), STRIPE_PRICE_TEAM_MONTHLY: TEAM_MONTHLY, STRIPE_TRIAL_DAYS_TEAM: '7', PLAN_RANK: 'pro,team,lifetime' });
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const checkout = (user: RegisteredUser, plan: string, interval: string) =>
    request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan, interval });
  /** Buys a plan on the local Stripe: answers the subscription's id and the events Stripe emitted, undelivered. */
  async function buy(user: RegisteredUser, plan: string, interval: string): Promise<{ subscriptionId: string; events: Stripe.Event[] }> {
    const created = (await checkout(user, plan, interval).expect(201)).body;
    const events = eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId));
    const session = events.find((e) => e.type === 'checkout.session.completed')!.data.object;
    return { subscriptionId: session.subscription as string, events };
  }

  /**
   * Checkout creates the subscription `incomplete` and activates it once the first invoice is paid, so Stripe's
   * `customer.subscription.created` says `incomplete` and is older than the paid session (the local Stripe creates it
   * active at once): the same event as Stripe sends it.
   */
  function createdIncomplete(events: Stripe.Event[]): Stripe.Event {
    const created = events.find((e) => e.type === 'customer.subscription.created')!;
    const subscription = created.data.object;
    return { ...created, data: { object: { ...subscription, status: 'incomplete' } } };
  }
  const subscriptionOf = async (user: RegisteredUser) => (await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body;

  describe('the provisional state of a paid session (item 8)', () => {
    it('an older customer.subscription.created (incomplete) delivered after the paid session leaves the user on the paid plan', async () => {
      const user = await registerUser(t);
      const { subscriptionId, events } = await buy(user, 'pro', 'month');
      await deliver(
        t,
        events.find((e) => e.type === 'checkout.session.completed')!,
      ).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });

      await deliver(t, createdIncomplete(events)).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });

      // Stripe's next state of the subscription replaces the provisional one, details and all
      await deliver(t, stripe.store.emit('customer.subscription.updated', stripe.store.subscription(subscriptionId), false)).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      expect((await subscriptionOf(user)).currentPeriodEnd).not.toBeNull();
    });

    it('a paid session delivered after the incomplete customer.subscription.created grants at once', async () => {
      const user = await registerUser(t);
      const { events } = await buy(user, 'pro', 'month');
      await deliver(t, createdIncomplete(events)).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'incomplete' });

      await deliver(
        t,
        events.find((e) => e.type === 'checkout.session.completed')!,
      ).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      // a redelivery of the incomplete state changes nothing
      await deliver(t, { ...createdIncomplete(events), id: `${createdIncomplete(events).id}_again` }).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    });
  });

  describe('unpaid (item 7)', () => {
    it('an unpaid subscription denies access but blocks a second one: 409 pointing to its open invoice, until it has ended', async () => {
      const user = await registerUser(t);
      const { subscriptionId, events } = await buy(user, 'team', 'month');
      await deliverAll(t, events);
      expect(await me(t, user)).toMatchObject({ plan: 'team', subscriptionStatus: 'trialing' });

      // the trial ends without a payment (past_due, the invoice stays open), then Stripe's retries run out: unpaid
      const failed = eventsOf(stripe, () => stripe.endTrial(subscriptionId, { paid: false }));
      const invoiceEvent = failed.find((e) => e.type === 'invoice.payment_failed')!;
      const invoice = invoiceEvent.data.object;
      // Stripe's finalized invoices carry their hosted page (the local Stripe leaves it null)
      invoice.hosted_invoice_url ??= `https://invoice.stripe.com/i/${invoice.id}`;
      await deliverAll(t, [...failed, ...eventsOf(stripe, () => stripe.setSubscriptionStatus(subscriptionId, 'unpaid'))]);
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'unpaid' });

      const before = stripe.requests.length;
      const refused = await checkout(user, 'pro', 'month').expect(409);
      expect(refused.body).toMatchObject({ error: 'conflict', details: { status: 'unpaid', hostedInvoiceUrl: invoice.hosted_invoice_url } });
      expect(refused.body.message).toMatch(/unpaid: pay its open invoice/);
      // nothing was asked of Stripe, and no session was stored
      expect(stripe.requests.length).toBe(before);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM checkout_sessions WHERE user_id = $1`, [user.id])).toEqual([{ n: 1 }]);

      // once the unpaid subscription has ended, a new one can be bought
      await deliverAll(
        t,
        eventsOf(stripe, () => stripe.setSubscriptionStatus(subscriptionId, 'canceled')),
      );
      await checkout(user, 'pro', 'month').expect(201);
    });

    it("an unpaid subscription stays the user's current one next to a newer ended one (it can still be paid)", async () => {
      const user = await registerUser(t);
      const { subscriptionId, events } = await buy(user, 'pro', 'month');
      await deliverAll(t, [...events, ...eventsOf(stripe, () => stripe.setSubscriptionStatus(subscriptionId, 'unpaid'))]);
      // a subscription of the same customer made and ended elsewhere (the Dashboard), newer than the unpaid one
      const customer = stripe.store.subscription(subscriptionId).customer as string;
      const other = subscriptionObject({ customer, status: 'canceled', created: stripe.store.subscription(subscriptionId).created + 60 });
      await deliver(t, eventObject('customer.subscription.deleted', other)).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'unpaid' });
      expect((await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body).toMatchObject({ status: 'unpaid' });
    });

    it('without a stored open invoice the 409 points to the customer portal', async () => {
      const user = await registerUser(t);
      const { subscriptionId, events } = await buy(user, 'pro', 'month');
      await deliverAll(t, [...events, ...eventsOf(stripe, () => stripe.setSubscriptionStatus(subscriptionId, 'unpaid'))]);
      const refused = await checkout(user, 'pro', 'year').expect(409);
      expect(refused.body.details).toEqual({ status: 'unpaid', hostedInvoiceUrl: null, hint: 'POST /api/billing/portal' });
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'unpaid' });
    });
  });

  describe('Stripe Entitlements follow the status policy (item 15)', () => {
    /** Buys pro and gives its customer a Stripe entitlement: answers the subscription's id. */
    async function subscribedWithEntitlement(app: TestApp, user: RegisteredUser): Promise<string> {
      const created = (await request(app.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
      const events = eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId));
      const session = events.find((e) => e.type === 'checkout.session.completed')!.data.object;
      for (const event of [...events, stripe.setActiveEntitlements(session.customer as string, ['beta_reports'])]) await deliver(app, event).expect(200);
      return session.subscription as string;
    }
    const featuresIn = async (app: TestApp, user: RegisteredUser) => (await request(app.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body;

    it('a paused subscription loses its Stripe entitlement features with its plan, and a resumed one has them again', async () => {
      const user = await registerUser(t);
      const subscriptionId = await subscribedWithEntitlement(t, user);
      expect(await featuresIn(t, user)).toMatchObject({ plan: 'pro', features: ['beta_reports'] });
      // Stripe's own summary may still list the feature: the service's status policy decides
      await deliverAll(
        t,
        eventsOf(stripe, () => stripe.pauseSubscription(subscriptionId)),
      );
      expect(await featuresIn(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'paused', features: [] });
      await deliverAll(
        t,
        eventsOf(stripe, () => stripe.resumeSubscription(subscriptionId)),
      );
      expect(await featuresIn(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active', features: ['beta_reports'] });
    });

    it('with SUBSCRIPTION_PAST_DUE_GRANTS=false a past_due subscription loses them; by default it keeps them', async () => {
      const strict = await createTestApp({ ...stripeEnv(stripe), SUBSCRIPTION_PAST_DUE_GRANTS: 'false' });
      try {
        for (const [app, keeps] of [
          [strict, false],
          [t, true],
        ] as const) {
          const user = await registerUser(app);
          const subscriptionId = await subscribedWithEntitlement(app, user);
          expect((await featuresIn(app, user)).features).toEqual(['beta_reports']);
          for (const event of eventsOf(stripe, () => stripe.setSubscriptionStatus(subscriptionId, 'past_due'))) await deliver(app, event).expect(200);
          expect(await featuresIn(app, user)).toMatchObject({ subscriptionStatus: 'past_due', plan: keeps ? 'pro' : 'free', features: keeps ? ['beta_reports'] : [] });
        }
      } finally {
        await strict.close();
      }
    });
  });
});
