import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { CheckoutSessionApplier } from '../../src/entitlements/checkout-session.applier.js';
import { GrantsService } from '../../src/entitlements/grants.service.js';
import { SubscriptionApplier } from '../../src/entitlements/subscription.applier.js';
import { eventObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, me, registerAdmin, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliverAll, eventsOf, PRICES, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { until } from '../support/until.js';
import { deliver } from '../support/webhooks.js';

/**
 * Issue 14: what a user owns is exactly what Stripe says, through a grants ledger. Events are recorded by the
 * local Stripe and delivered by each test in the order it chooses (signed like Stripe's).
 */
const TEAM_MONTHLY = 'price_team_monthly';
const PRO_PRODUCT = 'prod_pro';
/** Another price of the pro product, not in the catalogue (a new or grandfathered price) */
const PRO_GRANDFATHERED = 'price_pro_grandfathered';
/** A price the catalogue does not know, whose lookup_key names the team plan */
const TEAM_BY_LOOKUP_KEY = 'price_team_lookup';
/** A price nothing maps to a plan */
const STRAY = 'price_stray';

describe('Entitlements: grants, one live subscription, and the subscription lifecycle', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    stripe = await startEmulator({
      deliveryMode: 'record',
      prices: [
        { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000, product: PRO_PRODUCT },
        { id: PRICES.proYearly, interval: 'year', unitAmount: 20000, product: PRO_PRODUCT },
        { id: TEAM_MONTHLY, interval: 'month', unitAmount: 5000, product: 'prod_team' },
        { id: PRICES.lifetime, interval: 'once', unitAmount: 49900, product: 'prod_lifetime' },
        { id: PRO_GRANDFATHERED, interval: 'month', unitAmount: 1500, product: PRO_PRODUCT },
        { id: TEAM_BY_LOOKUP_KEY, interval: 'month', unitAmount: 4500, product: 'prod_other', lookupKey: 'team_monthly' },
        { id: STRAY, interval: 'month', unitAmount: 100, product: 'prod_stray' },
      ],
    });
    t = await createTestApp({ ...stripeEnv(stripe), STRIPE_PRICE_TEAM_MONTHLY: TEAM_MONTHLY, PLAN_RANK: 'pro,team,lifetime', STRIPE_TRIAL_DAYS_TEAM: '14' });
    admin = await registerAdmin(t);
    // the start-up check (which learns each catalogue price's product) runs in the background
    await until(async () => Boolean((await status()).checkedAt), 'the start-up check to finish');
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const status = async () => (await request(t.http).get('/api/admin/stripe/status').set(bearer(admin.accessToken)).expect(200)).body;
  const subscriptionOf = async (user: RegisteredUser) => (await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body;
  const createCheckout = (user: RegisteredUser, plan: string, interval: string) =>
    request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan, interval });
  /** Runs an emulator action and answers the events it emitted. */
  const emitted = (action: () => unknown) => eventsOf(stripe, action);
  /** Buys a plan through the service and the hosted page, then delivers every event of the payment. */
  async function buy(user: RegisteredUser, plan: string, interval: string) {
    const session = (await createCheckout(user, plan, interval).expect(201)).body as { id: string; stripeSessionId: string };
    await deliverAll(
      t,
      emitted(() => stripe.completeCheckout(session.stripeSessionId)),
    );
    return stripe.store.sessionRecord(session.stripeSessionId).session;
  }
  const liveSubscriptions = (user: RegisteredUser) =>
    [...stripe.store.subscriptions.values()].filter((s) => (s.metadata as Record<string, string>).userId === user.id && !['canceled', 'incomplete_expired'].includes(s.status));
  async function subscribed(plan = 'pro') {
    const user = await registerUser(t);
    const session = await buy(user, plan, 'month');
    return { user, subscriptionId: session.subscription as string };
  }

  describe('one live subscription per user (defect 1)', () => {
    it('refuses a second subscription checkout with 409 and a hint to the change route, calling Stripe for nothing', async () => {
      const { user } = await subscribed();
      const before = stripe.requests.length;
      for (const [plan, interval] of [
        ['team', 'month'],
        ['pro', 'year'],
        ['pro', 'month'],
      ]) {
        const res = await createCheckout(user, plan, interval).expect(409);
        expect(res.body).toMatchObject({ error: 'conflict', details: { hint: 'POST /api/billing/subscription/change' } });
      }
      expect(stripe.requests.length).toBe(before);
      expect(liveSubscriptions(user)).toHaveLength(1);
    });

    it('two checkout requests for the same plan at the same moment answer one open session', async () => {
      const user = await registerUser(t);
      const [a, b] = await Promise.all([createCheckout(user, 'pro', 'month'), createCheckout(user, 'pro', 'month')]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.stripeSessionId).toBe(b.body.stripeSessionId);
      const open = [...stripe.store.sessions.values()].filter((r) => r.session.client_reference_id === user.id && r.session.status === 'open');
      expect(open).toHaveLength(1);
    });

    it('two checkout requests for different plans at the same moment leave one open session, and paying both is impossible', async () => {
      const user = await registerUser(t);
      const [a, b] = await Promise.all([createCheckout(user, 'pro', 'month'), createCheckout(user, 'team', 'month')]);
      expect([a.status, b.status]).toEqual([201, 201]);
      const records = [a, b].map((res) => stripe.store.sessionRecord(res.body.stripeSessionId as string));
      expect(records.filter((r) => r.session.status === 'open')).toHaveLength(1);
      expect(records.filter((r) => r.session.status === 'expired')).toHaveLength(1);
      const rows = await t.db.query(`SELECT status FROM checkout_sessions WHERE user_id = $1 ORDER BY created_at`, [user.id]);
      expect(rows.map((r: { status: string }) => r.status).sort()).toEqual(['expired', 'open']);
      const open = records.find((r) => r.session.status === 'open')!;
      const expired = records.find((r) => r.session.status === 'expired')!;
      stripe.completeCheckout(open.session.id);
      expect(() => stripe.completeCheckout(expired.session.id)).toThrow();
      expect(liveSubscriptions(user)).toHaveLength(1);
    });

    it('refuses a one-time plan that an active grant already covers, and allows it above a subscription', async () => {
      const { user } = await subscribed();
      await buy(user, 'lifetime', 'once');
      expect((await me(t, user)).plan).toBe('lifetime');
      const res = await createCheckout(user, 'lifetime', 'once').expect(409);
      expect(res.body.error).toBe('conflict');
    });
  });

  describe('grants (defect 2)', () => {
    it('a paid lifetime survives the renewals and the cancellation of a subscription', async () => {
      const { user, subscriptionId } = await subscribed();
      expect((await me(t, user)).plan).toBe('pro');
      await buy(user, 'lifetime', 'once');
      expect((await me(t, user)).plan).toBe('lifetime');
      await deliverAll(
        t,
        emitted(() => stripe.renewSubscription(subscriptionId)),
      );
      expect((await me(t, user)).plan).toBe('lifetime');
      await deliverAll(
        t,
        emitted(() => stripe.cancelSubscription(subscriptionId)),
      );
      expect(await me(t, user)).toMatchObject({ plan: 'lifetime', subscriptionStatus: 'canceled' });
      // a redelivered renewal of the ended subscription changes nothing either
      await deliverAll(
        t,
        emitted(() => stripe.store.emit('customer.subscription.updated', { ...stripe.store.subscription(subscriptionId), status: 'active' } as Stripe.Subscription)),
      );
      expect(await me(t, user)).toMatchObject({ plan: 'lifetime', subscriptionStatus: 'canceled' });
    });

    it('an admin grant and its revocation change /api/auth/me at once, and both show in the timeline', async () => {
      const user = await registerUser(t);
      const grant = await request(t.http)
        .post(`/api/admin/users/${user.id}/grants`)
        .set(bearer(admin.accessToken))
        .send({ plan: 'team', reason: 'goodwill after an outage' })
        .expect(201);
      expect(grant.body).toMatchObject({ plan: 'team', source: 'admin', active: true, reason: 'goodwill after an outage', actorId: admin.id });
      expect((await me(t, user)).plan).toBe('team');
      await request(t.http).delete(`/api/admin/users/${user.id}/grants/${grant.body.id}`).set(bearer(admin.accessToken)).send({ reason: 'granted by mistake' }).expect(200);
      expect((await me(t, user)).plan).toBe('free');
      const detail = (await request(t.http).get(`/api/admin/users/${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(detail.grants).toEqual([expect.objectContaining({ id: grant.body.id, active: false, revokedReason: 'granted by mistake' })]);
      expect(detail.timeline.map((e: { kind: string; reason: string }) => [e.kind, e.reason])).toEqual([
        ['grant_added', 'goodwill after an outage'],
        ['grant_revoked', 'granted by mistake'],
      ]);
    });

    it('an admin grant with an end stops giving its plan when it ends', async () => {
      const user = await registerUser(t);
      const endsAt = Date.now() + 1500;
      await request(t.http)
        .post(`/api/admin/users/${user.id}/grants`)
        .set(bearer(admin.accessToken))
        .send({ plan: 'pro', reason: 'two-second trial', endsAt: new Date(endsAt).toISOString() })
        .expect(201);
      expect((await me(t, user)).plan).toBe('pro');
      // the subject is time passing: wait until the clock is past the end (by the margin the test always had)
      await until(() => Date.now() > endsAt + 100, 'the grant to reach its end');
      expect((await me(t, user)).plan).toBe('free');
    });

    it('refuses a grant of an unranked plan, a past end, a missing reason, and a stranger user', async () => {
      const user = await registerUser(t);
      const post = (id: string, body: object) => request(t.http).post(`/api/admin/users/${id}/grants`).set(bearer(admin.accessToken)).send(body);
      expect((await post(user.id, { plan: 'platinum', reason: 'because' }).expect(400)).body.error).toBe('validation_error');
      await post(user.id, { plan: 'pro', reason: 'because', endsAt: '2020-01-01T00:00:00Z' }).expect(400);
      await post(user.id, { plan: 'pro' }).expect(400);
      await post('00000000-0000-4000-8000-000000000000', { plan: 'pro', reason: 'because' }).expect(404);
      await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(user.accessToken)).send({ plan: 'pro', reason: 'self-service' }).expect(403);
      expect((await me(t, user)).plan).toBe('free');
    });
  });

  describe('the subscription lifecycle', () => {
    it('a paused subscription gives free; resuming gives the plan back (defect 3)', async () => {
      const { user, subscriptionId } = await subscribed();
      await deliverAll(
        t,
        emitted(() => stripe.pauseSubscription(subscriptionId)),
      );
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'paused' });
      const res = await request(t.http).post('/api/billing/subscription/resume').set(bearer(user.accessToken)).send({}).expect(200);
      expect(res.body).toMatchObject({ plan: 'pro', status: 'active' });
      expect((await me(t, user)).plan).toBe('pro');
    });

    it('a cancellation scheduled with cancel_at is reported as cancelling, at the period end or on a date (defect 4)', async () => {
      const { user, subscriptionId } = await subscribed();
      const periodEnd = stripe.store.subscription(subscriptionId).items.data[0].current_period_end;
      await deliverAll(
        t,
        emitted(() => stripe.store.updateSubscription(subscriptionId, { cancel_at: String(periodEnd) })),
      );
      expect(await subscriptionOf(user)).toMatchObject({ plan: 'pro', status: 'active', cancelAtPeriodEnd: true, cancelAt: new Date(periodEnd * 1000).toISOString() });
      const earlier = periodEnd - 5 * 86400;
      await deliverAll(
        t,
        emitted(() => stripe.store.updateSubscription(subscriptionId, { cancel_at: String(earlier) })),
      );
      expect(await subscriptionOf(user)).toMatchObject({ cancelAtPeriodEnd: false, cancelAt: new Date(earlier * 1000).toISOString() });
      const resumed = await request(t.http).post('/api/billing/subscription/resume').set(bearer(user.accessToken)).send({}).expect(200);
      expect(resumed.body).toMatchObject({ plan: 'pro', cancelAt: null, cancelAtPeriodEnd: false });
      expect(stripe.store.subscription(subscriptionId).cancel_at).toBeNull();
    });

    it('on a same-second tie, a late created (incomplete or trialing) never overwrites an updated active (defect 5)', async () => {
      for (const lateStatus of ['incomplete', 'trialing'] as const) {
        const { user, subscriptionId } = await subscribed();
        const sub = stripe.store.subscription(subscriptionId);
        const created = Math.floor(Date.now() / 1000) + 60;
        await deliver(t, eventObject('customer.subscription.updated', { ...sub, status: 'active' }, { created })).expect(200);
        await deliver(t, eventObject('customer.subscription.created', { ...sub, status: lateStatus }, { created })).expect(200);
        expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
      }
    });

    it('invoice.payment_failed leaves an active subscription active (defect 6)', async () => {
      const { user, subscriptionId } = await subscribed();
      const invoice = { ...stripe.store.invoice(stripe.store.subscription(subscriptionId).latest_invoice as string), status: 'open', amount_paid: 0 } as Stripe.Invoice;
      await deliver(t, eventObject('invoice.payment_failed', invoice, { created: Math.floor(Date.now() / 1000) + 120 })).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    });

    it('a subscription that starts with a trial shows trialing after checkout, with its trial end (defect 7)', async () => {
      const user = await registerUser(t);
      const session = (await createCheckout(user, 'team', 'month').expect(201)).body;
      const sent = stripe.requests.filter((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST').pop()!;
      expect(sent.body).toMatchObject({ subscription_data: { trial_period_days: '14' } });
      const events = emitted(() => stripe.completeCheckout(session.stripeSessionId));
      // the session alone (its subscription events not yet here) already says trialing
      await deliver(
        t,
        events.find((e) => e.type === 'checkout.session.completed')!,
      ).expect(200);
      expect(await me(t, user)).toMatchObject({ plan: 'team', subscriptionStatus: 'trialing' });
      await deliverAll(
        t,
        events.filter((e) => e.type !== 'checkout.session.completed'),
      );
      const trialEnd = stripe.store.subscription(stripe.store.sessionRecord(session.stripeSessionId).session.subscription as string).trial_end!;
      expect(await subscriptionOf(user)).toMatchObject({ plan: 'team', status: 'trialing', trialEnd: new Date(trialEnd * 1000).toISOString() });
      // the confirmation reads the subscription from Stripe: trialing as well
      const confirmed = await request(t.http).post(`/api/billing/checkout-sessions/${session.id}/confirm`).set(bearer(user.accessToken)).expect(200);
      expect(confirmed.body).toMatchObject({ plan: 'team', subscriptionStatus: 'trialing' });
    });

    it('records trial_will_end and shows it in the admin timeline', async () => {
      const user = await registerUser(t);
      const session = await buy(user, 'team', 'month');
      await deliverAll(
        t,
        emitted(() => stripe.trialWillEnd(session.subscription as string)),
      );
      const detail = (await request(t.http).get(`/api/admin/users/${user.id}`).set(bearer(admin.accessToken)).expect(200)).body;
      expect(detail.timeline.map((e: { type: string | null }) => e.type)).toContain('customer.subscription.trial_will_end');
      expect((await me(t, user)).plan).toBe('team');
    });
  });

  /**
   * A transaction's now() is the moment it began. Deliveries of one checkout race (Stripe sends them together), so
   * one whose transaction began first can commit second: the grant the other committed meanwhile still counts.
   */
  describe('concurrent deliveries of one checkout', () => {
    async function paidCheckout() {
      const user = await registerUser(t);
      const session = (await createCheckout(user, 'pro', 'month').expect(201)).body as { stripeSessionId: string };
      const events = emitted(() => stripe.completeCheckout(session.stripeSessionId));
      const completed = events.find((e) => e.type === 'checkout.session.completed')!;
      const created = events.find((e) => e.type === 'customer.subscription.created')!;
      return { user, completed, created, subscription: created.data.object };
    }

    it('a subscription event begun before the session was fulfilled still gives the plan', async () => {
      const { user, completed, created, subscription } = await paidCheckout();
      expect(subscription.status).toBe('active');
      await t.db.transaction(async (manager) => {
        await manager.query('SELECT 1'); // the subscription event's transaction has begun
        await deliver(t, completed).expect(200); // the session's delivery commits its provisional grant meanwhile
        await t.app.get(SubscriptionApplier).apply(manager, subscription, { at: new Date(created.created * 1000) });
      });
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    });

    it('a session event begun before the subscription event committed still gives the plan', async () => {
      const { user, completed, created } = await paidCheckout();
      await t.db.transaction(async (manager) => {
        await manager.query('SELECT 1');
        await deliver(t, created).expect(200);
        const ctx = { source: 'webhook' as const, eventId: completed.id, eventCreated: new Date(completed.created * 1000), eventType: completed.type };
        await t.app.get(CheckoutSessionApplier).applyEvents(manager, [{ session: completed.data.object, ctx }]);
      });
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    });

    /**
     * Delivers `event` while a transaction does what an admin grant does (lock the user, add a `team` grant, recompute):
     * the delivery's statement starts meanwhile, waits for the user row, and must count the grant once it commits.
     */
    async function deliverDuringAGrant(userId: string, event: Stripe.Event) {
      const grants = t.app.get(GrantsService);
      let delivered: Promise<unknown> = Promise.resolve();
      await t.db.transaction(async (manager) => {
        await grants.lockUser(manager, userId);
        await manager.query(`INSERT INTO grants (user_id, plan, source, reason) VALUES ($1, 'team', 'admin', 'goodwill')`, [userId]);
        delivered = deliver(t, event).expect(200).then();
        const waiting = `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        await until(async () => (await t.db.query(waiting)).length > 0, 'the delivery to wait for the user row');
        await grants.recompute(manager, userId);
      });
      await delivered;
    }

    it('a grant committed while a delivery waits for the user row still counts in the plan it writes', async () => {
      const { user, completed } = await paidCheckout();
      await deliverDuringAGrant(user.id, completed);
      expect(await me(t, user)).toMatchObject({ plan: 'team', subscriptionStatus: 'active' });
      expect((await t.app.get(GrantsService).active(user.id)).map((g) => g.plan)).toEqual(['team', 'pro']);
    });

    it('so does one committed while a subscription event waits for it', async () => {
      const { user, subscriptionId } = await subscribed();
      const [updated] = emitted(() => stripe.store.updateSubscription(subscriptionId, { cancel_at_period_end: 'true' })).filter((e) => e.type === 'customer.subscription.updated');
      await deliverDuringAGrant(user.id, updated);
      expect(await me(t, user)).toMatchObject({ plan: 'team', subscriptionStatus: 'active' });
      expect(await subscriptionOf(user)).toMatchObject({ cancelAtPeriodEnd: true });
    });
  });

  describe('plan mapping (defect 8)', () => {
    it('a switch to another price of the same product keeps the plan; a lookup_key names one; an unknown price grants nothing and is reported', async () => {
      const { user, subscriptionId } = await subscribed('team');
      const item = () => stripe.store.subscription(subscriptionId).items.data[0].id;
      await deliverAll(
        t,
        emitted(() => stripe.store.updateSubscription(subscriptionId, { items: [{ id: item(), price: PRO_GRANDFATHERED }], proration_behavior: 'none' })),
      );
      // team subscriptions start with a trial (STRIPE_TRIAL_DAYS_TEAM)
      expect(await me(t, user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'trialing' });
      await deliverAll(
        t,
        emitted(() => stripe.store.updateSubscription(subscriptionId, { items: [{ id: item(), price: TEAM_BY_LOOKUP_KEY }], proration_behavior: 'none' })),
      );
      expect((await me(t, user)).plan).toBe('team');
      await deliverAll(
        t,
        emitted(() => stripe.store.updateSubscription(subscriptionId, { items: [{ id: item(), price: STRAY }], proration_behavior: 'none' })),
      );
      expect(await me(t, user)).toMatchObject({ plan: 'free', subscriptionStatus: 'trialing' });
      expect((await status()).unmappedSubscriptions).toContainEqual(expect.objectContaining({ stripeSubscriptionId: subscriptionId, priceId: STRAY, userId: user.id }));
    });
  });

  describe('plan changes in place', () => {
    it('pro → team leaves exactly one subscription, with team in the response and after the webhook', async () => {
      const { user, subscriptionId } = await subscribed();
      const preview = await request(t.http).get('/api/billing/subscription/preview?plan=team&interval=month').set(bearer(user.accessToken)).expect(200);
      expect(preview.body).toMatchObject({ plan: 'team', interval: 'month', currency: 'usd', prorationBehavior: 'always_invoice', nextRenewalAmount: 5000 });
      // upgrading right after paying: nearly the whole difference (3000) is due now
      expect(preview.body.amountDueNow).toBeGreaterThan(2900);
      expect(preview.body.amountDueNow).toBeLessThanOrEqual(3000);
      const before = stripe.store.events.length;
      const res = await request(t.http)
        .post('/api/billing/subscription/change')
        .set(bearer(user.accessToken))
        .set('Idempotency-Key', 'change-1')
        .send({ plan: 'team', interval: 'month' })
        .expect(200);
      expect(res.body).toMatchObject({ plan: 'team', subscriptionPlan: 'team', status: 'active' });
      expect(liveSubscriptions(user).map((s) => s.id)).toEqual([subscriptionId]);
      expect(stripe.store.subscription(subscriptionId).items.data[0].price.id).toBe(TEAM_MONTHLY);
      const update = stripe.requests.filter((r) => r.path === `/v1/subscriptions/${subscriptionId}` && r.method === 'POST').pop()!;
      expect(update.body).toMatchObject({ proration_behavior: 'always_invoice', items: [{ price: TEAM_MONTHLY }] });
      await deliverAll(t, stripe.store.events.slice(before));
      expect(await me(t, user)).toMatchObject({ plan: 'team', subscriptionStatus: 'active' });
      const rows = await t.db.query(`SELECT plan FROM subscriptions WHERE user_id = $1`, [user.id]);
      expect(rows).toEqual([{ plan: 'team' }]);
    });

    it('cancel at period end keeps the plan and says so; resume undoes it; cancel now ends it', async () => {
      const { user, subscriptionId } = await subscribed();
      const cancel = (atPeriodEnd: unknown) => request(t.http).post('/api/billing/subscription/cancel').set(bearer(user.accessToken)).send({ atPeriodEnd });
      expect((await cancel('yes').expect(400)).body.error).toBe('validation_error');
      expect((await cancel(true).expect(200)).body).toMatchObject({ plan: 'pro', cancelAtPeriodEnd: true });
      expect(stripe.store.subscription(subscriptionId).cancel_at_period_end).toBe(true);
      expect((await request(t.http).post('/api/billing/subscription/resume').set(bearer(user.accessToken)).send({}).expect(200)).body).toMatchObject({ cancelAtPeriodEnd: false });
      expect((await cancel(false).expect(200)).body).toMatchObject({ plan: 'free', status: 'canceled' });
      await request(t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(409);
      // ended: a new subscription may be bought again
      await createCheckout(user, 'team', 'month').expect(201);
    });

    it('answers 409 without a live subscription, 400 for a one-time plan, and 502 with nothing changed when Stripe fails', async () => {
      const user = await registerUser(t);
      await request(t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(409);
      await request(t.http).get('/api/billing/subscription/preview?plan=team&interval=month').set(bearer(user.accessToken)).expect(409);
      const { user: subscriber, subscriptionId } = await subscribed();
      await request(t.http).post('/api/billing/subscription/change').set(bearer(subscriber.accessToken)).send({ plan: 'lifetime', interval: 'once' }).expect(400);
      stripe.failNextRequests(1, { status: 400, type: 'invalid_request_error', message: 'This customer has no attached payment source' });
      const failed = await request(t.http).post('/api/billing/subscription/change').set(bearer(subscriber.accessToken)).send({ plan: 'team', interval: 'month' }).expect(502);
      expect(failed.body.error).toBe('stripe_error');
      expect(await me(t, subscriber)).toMatchObject({ plan: 'pro' });
      expect(stripe.store.subscription(subscriptionId).items.data[0].price.id).toBe(PRICES.proMonthly);
    });
  });
});
