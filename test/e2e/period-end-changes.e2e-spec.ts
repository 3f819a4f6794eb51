import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { addSubscriptionItem } from '../../stripe-emulator/subscription-items.js';
import type { TestApp } from '../support/app.js';
import { bearer, me, registerUser, type RegisteredUser } from '../support/factories.js';
import { deliverAll, eventsOf, PRICES, startStripeTestApp, TEAM_MONTHLY, teamCatalogue } from '../support/stripe-emulator.js';

/**
 * Issue 28, items 4 and 9: changes at the period end through Stripe subscription schedules (ours and the customer
 * portal's), cancel and resume of a subscription a schedule manages, and subscriptions with more than one item.
 * Events are recorded by the local Stripe and delivered by each test when it wants them.
 */
const ADDON_MONTHLY = 'price_extra_seats_monthly';

describe('Plan changes at the period end', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp(teamCatalogue([{ id: ADDON_MONTHLY, interval: 'month', unitAmount: 700, product: 'prod_extra_seats' }])));
  });
  afterAll(() => close());

  const subscriptionOf = async (user: RegisteredUser) => (await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body;
  const post = (user: RegisteredUser, path: string, body: Record<string, unknown> = {}) =>
    request(t.http).post(`/api/billing/subscription/${path}`).set(bearer(user.accessToken)).send(body);
  const planPriceOf = (subscriptionId: string) => stripe.store.subscription(subscriptionId).items.data.map((i) => i.price.id);
  /** Runs an action on the local Stripe and delivers every event it emitted, in order. */
  const deliverOf = (action: () => unknown) => deliverAll(t, eventsOf(stripe, action));

  async function subscribed(plan: string) {
    const user = await registerUser(t);
    const session = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan, interval: 'month' }).expect(201);
    await deliverOf(() => stripe.completeCheckout(session.body.stripeSessionId));
    return { user, subscriptionId: stripe.store.sessionRecord(session.body.stripeSessionId).session.subscription as string };
  }

  /** What the customer portal does for "downgrade at the end of the period": a schedule whose next phase has the new price. */
  function portalSchedule(subscriptionId: string, nextPrice: string, endBehavior: 'release' | 'cancel' = 'release'): Stripe.SubscriptionSchedule {
    const schedule = stripe.store.schedules.create({ from_subscription: subscriptionId });
    const current = schedule.phases[0];
    return stripe.store.schedules.update(schedule.id, {
      end_behavior: endBehavior,
      phases: [
        { items: [{ price: planPriceOf(subscriptionId)[0], quantity: '1' }], start_date: String(current.start_date), end_date: String(current.end_date) },
        { items: [{ price: nextPrice, quantity: '1' }], duration: { interval: 'month', interval_count: '1' } },
      ],
    });
  }

  it('a downgrade waits for the period end by default: the paid plan stays, scheduledChange says when, and the renewal moves it', async () => {
    const { user, subscriptionId } = await subscribed('team');
    const before = stripe.store.events.length;
    const res = await post(user, 'change', { plan: 'pro', interval: 'month' }).expect(200);
    const periodEnd = stripe.store.subscription(subscriptionId).items.data[0].current_period_end;
    expect(res.body).toMatchObject({ plan: 'team', subscriptionPlan: 'team', scheduledChange: { plan: 'pro', interval: 'month', at: new Date(periodEnd * 1000).toISOString() } });
    // Stripe still bills team; nothing was prorated or invoiced
    expect(planPriceOf(subscriptionId)).toEqual([TEAM_MONTHLY]);
    expect(stripe.store.events.slice(before).map((e) => e.type)).not.toContain('invoice.paid');
    await deliverAll(t, stripe.store.events.slice(before));
    expect((await me(t, user)).plan).toBe('team');
    expect((await subscriptionOf(user)).scheduledChange).toMatchObject({ plan: 'pro' });

    await deliverOf(() => stripe.renewSubscription(subscriptionId));
    expect(planPriceOf(subscriptionId)).toEqual([PRICES.proMonthly]);
    expect((await me(t, user)).plan).toBe('pro');
    expect((await subscriptionOf(user)).scheduledChange).toBeNull();
    const renewal = stripe.store.invoice(stripe.store.subscription(subscriptionId).latest_invoice as string);
    expect(renewal.amount_paid).toBe(2000);

    // the phase after the change ends: the schedule lets the subscription go on, as pro
    await deliverOf(() => stripe.renewSubscription(subscriptionId));
    expect(stripe.store.subscription(subscriptionId).schedule).toBeNull();
    expect((await me(t, user)).plan).toBe('pro');
  });

  it('`at` overrides the default: a downgrade now is immediate, an upgrade at the period end waits', async () => {
    const { user, subscriptionId } = await subscribed('team');
    expect((await post(user, 'change', { plan: 'pro', interval: 'month', at: 'now' }).expect(200)).body).toMatchObject({ plan: 'pro', scheduledChange: null });
    expect(planPriceOf(subscriptionId)).toEqual([PRICES.proMonthly]);
    expect((await post(user, 'change', { plan: 'team', interval: 'month', at: 'period_end' }).expect(200)).body).toMatchObject({
      plan: 'pro',
      scheduledChange: { plan: 'team', interval: 'month' },
    });
    expect(planPriceOf(subscriptionId)).toEqual([PRICES.proMonthly]);
    const bad = await post(user, 'change', { plan: 'team', interval: 'month', at: 'tomorrow' }).expect(400);
    expect(bad.body.error).toBe('validation_error');
  });

  it('an upgrade now replaces a scheduled downgrade, and choosing the current plan again drops it', async () => {
    const { user, subscriptionId } = await subscribed('team');
    await post(user, 'change', { plan: 'pro', interval: 'month' }).expect(200);
    const scheduleId = stripe.store.subscription(subscriptionId).schedule as string;
    expect(scheduleId).toMatch(/^sub_sched_/);
    expect((await post(user, 'change', { plan: 'team', interval: 'month' }).expect(200)).body).toMatchObject({ plan: 'team', scheduledChange: null });
    expect(stripe.store.schedules.get(scheduleId).status).toBe('released');
    expect(stripe.store.subscription(subscriptionId).schedule).toBeNull();

    // scheduled again, then a change made now releases it before changing (its next phase would undo the change)
    await post(user, 'change', { plan: 'pro', interval: 'month' }).expect(200);
    const res = await post(user, 'change', { plan: 'pro', interval: 'year', at: 'now' }).expect(200);
    expect(res.body).toMatchObject({ plan: 'pro', interval: 'year', scheduledChange: null });
    expect(planPriceOf(subscriptionId)).toEqual([PRICES.proYearly]);
    await deliverAll(t, stripe.store.events);
    expect((await subscriptionOf(user)).scheduledChange).toBeNull();
  });

  it('a schedule made in the customer portal shows as scheduledChange, and cancelling at the period end releases it first (Stripe refuses otherwise)', async () => {
    const { user, subscriptionId } = await subscribed('team');
    await deliverOf(() => portalSchedule(subscriptionId, PRICES.proMonthly));
    expect((await subscriptionOf(user)).scheduledChange).toMatchObject({ plan: 'pro', interval: 'month' });
    // what a client calling Stripe directly meets
    expect(() => stripe.store.updateSubscription(subscriptionId, { cancel_at_period_end: 'true' })).toThrow(/managed by the subscription schedule/);

    const res = await post(user, 'cancel', { atPeriodEnd: true }).expect(200);
    expect(res.body).toMatchObject({ plan: 'team', cancelAtPeriodEnd: true, scheduledChange: null });
    expect(stripe.store.subscription(subscriptionId)).toMatchObject({ schedule: null, cancel_at_period_end: true });
    await deliverAll(t, stripe.store.events);
    expect(await subscriptionOf(user)).toMatchObject({ cancelAtPeriodEnd: true, scheduledChange: null });
  });

  it('resume on a subscription whose schedule ends it (end_behavior=cancel) makes the schedule release it instead', async () => {
    const { user, subscriptionId } = await subscribed('team');
    const schedule = portalSchedule(subscriptionId, PRICES.proMonthly, 'cancel');
    await deliverAll(t, stripe.store.events);
    expect((await subscriptionOf(user)).cancelAt).not.toBeNull();
    const res = await post(user, 'resume').expect(200);
    expect(res.body).toMatchObject({ cancelAt: null, scheduledChange: { plan: 'pro' } });
    expect(stripe.store.schedules.get(schedule.id).end_behavior).toBe('release');
    expect(stripe.store.subscription(subscriptionId).cancel_at).toBeNull();
  });

  it('a late event of a released schedule never brings its change back', async () => {
    const { user, subscriptionId } = await subscribed('team');
    const scheduled = eventsOf(stripe, () => portalSchedule(subscriptionId, PRICES.proMonthly));
    const released = eventsOf(stripe, () => stripe.store.schedules.release(stripe.store.subscription(subscriptionId).schedule as string));
    // the release first, then the schedule's older creation and update
    await deliverAll(t, [...released, ...scheduled]);
    expect((await subscriptionOf(user)).scheduledChange).toBeNull();
    expect((await me(t, user)).plan).toBe('team');
  });

  it('a schedule whose events came before the subscription was stored is read once the subscription names it', async () => {
    const user = await registerUser(t);
    const session = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(201);
    const paid = eventsOf(stripe, () => stripe.completeCheckout(session.body.stripeSessionId));
    const subscriptionId = stripe.store.sessionRecord(session.body.stripeSessionId).session.subscription as string;
    const scheduled = eventsOf(stripe, () => portalSchedule(subscriptionId, PRICES.proMonthly));
    // the schedule's own events arrive before anything about the subscription, which is not stored yet
    await deliverAll(
      t,
      scheduled.filter((e) => e.type.startsWith('subscription_schedule.')),
    );
    await deliverAll(t, [...paid, ...scheduled.filter((e) => !e.type.startsWith('subscription_schedule.'))]);
    expect((await subscriptionOf(user)).scheduledChange).toMatchObject({ plan: 'pro', interval: 'month' });
  });
});

describe('Subscriptions with more than one item (item 9)', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp(teamCatalogue([{ id: ADDON_MONTHLY, interval: 'month', unitAmount: 700, product: 'prod_extra_seats' }])));
  });
  afterAll(() => close());

  it('an add-on listed first: the plan comes from the item whose price maps, and a change swaps that item only', async () => {
    const user = await registerUser(t);
    const session = await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201);
    await deliverAll(
      t,
      eventsOf(stripe, () => stripe.completeCheckout(session.body.stripeSessionId)),
    );
    const subscriptionId = stripe.store.sessionRecord(session.body.stripeSessionId).session.subscription as string;
    await deliverAll(
      t,
      eventsOf(stripe, () => addSubscriptionItem(stripe.store, subscriptionId, ADDON_MONTHLY, 3)),
    );
    expect(stripe.store.subscription(subscriptionId).items.data.map((i) => i.price.id)).toEqual([ADDON_MONTHLY, PRICES.proMonthly]);
    expect((await me(t, user)).plan).toBe('pro');

    const res = await request(t.http).post('/api/billing/subscription/change').set(bearer(user.accessToken)).send({ plan: 'team', interval: 'month' }).expect(200);
    expect(res.body).toMatchObject({ plan: 'team', subscriptionPlan: 'team' });
    expect(stripe.store.subscription(subscriptionId).items.data.map((i) => [i.price.id, i.quantity])).toEqual([
      [ADDON_MONTHLY, 3],
      [TEAM_MONTHLY, 1],
    ]);
  });
});
