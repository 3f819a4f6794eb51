import Stripe from 'stripe';
import { addInterval } from './objects.js';
import type { StripeEmulator } from './server.js';
import { recordingEmulator } from './spec-sdk.js';

/**
 * The subscription lifecycle of the emulator, driven through the real `stripe` SDK exactly as the service
 * reaches it (host/port/protocol from the emulator's URL, as in src/stripe/stripe.client.ts). Events are
 * recorded, not posted (deliveryMode 'record').
 */

const KEY = 'sk_test_subscriptions_spec_0123456789';
const PRICES = {
  proMonthly: 'price_pro_monthly',
  proYearly: 'price_pro_yearly',
  teamMonthly: 'price_team_monthly',
  lifetime: 'price_lifetime_once',
  retired: 'price_retired_monthly',
} as const;

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await recordingEmulator({
    secretKey: KEY,
    prices: [
      { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000, nickname: 'Pro monthly', lookupKey: 'pro_monthly' },
      { id: PRICES.proYearly, interval: 'year', unitAmount: 20000, nickname: 'Pro yearly', lookup_key: 'pro_yearly' },
      { id: PRICES.teamMonthly, interval: 'month', unitAmount: 9900, nickname: 'Team monthly', product: 'prod_team_plan' },
      { id: PRICES.lifetime, interval: 'once', unitAmount: 49900, nickname: 'Lifetime' },
      { id: PRICES.retired, interval: 'month', unitAmount: 1000, active: false },
    ],
  }));
});

afterAll(async () => {
  await emulator.close();
});

type Item = Stripe.SubscriptionItem;
const HALF_MONTH = 15 * 86400;

async function customer(): Promise<Stripe.Customer> {
  return stripe.customers.create({ email: `c${Math.random().toString(36).slice(2, 10)}@example.com` });
}

/** Buys `price` through Checkout (paid on the emulator's hosted page) and returns the subscription as the SDK reads it. */
async function subscribe(price: string = PRICES.proMonthly, subscriptionData: Stripe.Checkout.SessionCreateParams.SubscriptionData = { metadata: { plan: 'pro' } }) {
  const cus = await customer();
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: cus.id,
    line_items: [{ price, quantity: 1 }],
    success_url: 'http://localhost/success?session_id={CHECKOUT_SESSION_ID}',
    subscription_data: subscriptionData,
  });
  emulator.completeCheckout(session.id);
  const completed = await stripe.checkout.sessions.retrieve(session.id);
  const subscription = await stripe.subscriptions.retrieve(completed.subscription as string);
  return { customer: cus, session: completed, subscription, item: subscription.items.data[0] };
}

const eventsOf = (id: string, type?: string) => emulator.store.events.filter((e) => (e.data.object as { id: string }).id === id && (type ? e.type === type : true));
const eventsSince = (index: number) => emulator.store.events.slice(index);
const invoicesOf = (events: Stripe.Event[], subscription: string, type = 'invoice.paid') =>
  events
    .filter((e) => e.type === type && (e.data.object as Stripe.Invoice).parent?.subscription_details?.subscription === subscription)
    .map((e) => e.data.object as Stripe.Invoice);

async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected a Stripe error');
}

/** The arithmetic documented in the store: one rounding per line, integer minor units. */
const prorate = (amount: number, item: Item, at: number) => Math.round((amount * (item.current_period_end - at)) / (item.current_period_end - item.current_period_start));

describe('prices', () => {
  it('carry a stable product derived from the id (one per plan) unless seeded, and the lookup key', async () => {
    const monthly = await stripe.prices.retrieve(PRICES.proMonthly);
    const yearly = await stripe.prices.retrieve(PRICES.proYearly);
    expect(monthly).toMatchObject({ object: 'price', product: 'prod_pro', lookup_key: 'pro_monthly', unit_amount: 2000, type: 'recurring' });
    expect(yearly).toMatchObject({ product: 'prod_pro', lookup_key: 'pro_yearly', unit_amount: 20000 });
    expect((await stripe.prices.retrieve(PRICES.teamMonthly)).product).toBe('prod_team_plan');
    expect((await stripe.prices.retrieve(PRICES.lifetime)).product).toBe('prod_lifetime');
    const listed = await stripe.prices.list({ lookup_keys: ['pro_yearly'] });
    expect(listed.data.map((p) => p.id)).toEqual([PRICES.proYearly]);
    expect((await stripe.prices.list({ product: 'prod_pro' })).data.map((p) => p.id).sort()).toEqual([PRICES.proMonthly, PRICES.proYearly]);
  });
});

describe('checkout', () => {
  it('starts a trial from subscription_data[trial_period_days] with subscription_data[metadata]', async () => {
    const before = emulator.store.events.length;
    const { session, subscription, item } = await subscribe(PRICES.proMonthly, { trial_period_days: 14, metadata: { plan: 'pro', userId: 'u1' } });
    expect(session).toMatchObject({ status: 'complete', payment_status: 'no_payment_required', amount_total: 0 });
    expect(subscription).toMatchObject({ status: 'trialing', metadata: { plan: 'pro', userId: 'u1' }, cancel_at: null, cancel_at_period_end: false, pause_collection: null });
    expect(subscription.trial_start).toEqual(expect.any(Number));
    expect(subscription.trial_end).toBe(subscription.trial_start! + 14 * 86400);
    expect(item.current_period_start).toBe(subscription.trial_start);
    expect(item.current_period_end).toBe(subscription.trial_end);
    expect(subscription.billing_cycle_anchor).toBe(subscription.trial_end);
    expect(item.price).toMatchObject({ id: PRICES.proMonthly, product: 'prod_pro' });
    const first = await stripe.invoices.retrieve(subscription.latest_invoice as string);
    expect(first).toMatchObject({ amount_due: 0, amount_paid: 0, status: 'paid', billing_reason: 'subscription_create' });
    expect(first.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(eventsSince(before).map((e) => e.type)).toEqual(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']);
  });

  it('accepts ui_mode, return_url, allow_promotion_codes, automatic_tax and locale', async () => {
    const cus = await customer();
    const hosted = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: cus.id,
      line_items: [{ price: PRICES.proMonthly, quantity: 1 }],
      success_url: 'http://localhost/success',
      allow_promotion_codes: true,
      automatic_tax: { enabled: true },
      customer_update: { address: 'auto' },
      locale: 'de',
    });
    expect(hosted).toMatchObject({ ui_mode: 'hosted_page', allow_promotion_codes: true, locale: 'de', automatic_tax: { enabled: true } });
    expect(hosted.url).toContain(`/checkout/${hosted.id}`);
    const embedded = await stripe.checkout.sessions.create({
      mode: 'subscription',
      ui_mode: 'embedded_page',
      customer: cus.id,
      line_items: [{ price: PRICES.proMonthly, quantity: 1 }],
      return_url: 'http://localhost/return?session_id={CHECKOUT_SESSION_ID}',
    });
    expect(embedded).toMatchObject({ ui_mode: 'embedded_page', url: null, return_url: 'http://localhost/return?session_id={CHECKOUT_SESSION_ID}' });
    expect(embedded.client_secret).toEqual(expect.stringContaining(embedded.id));
    const missing = await stripeError(stripe.checkout.sessions.create({ mode: 'subscription', ui_mode: 'embedded_page', line_items: [{ price: PRICES.proMonthly, quantity: 1 }] }));
    expect(missing).toMatchObject({ type: 'StripeInvalidRequestError', param: 'return_url' });
  });
});

describe('trials', () => {
  it('trialWillEnd emits trial_will_end; endTrial({ paid }) starts the first paid period', async () => {
    const { subscription } = await subscribe(PRICES.proMonthly, { trial_period_days: 7 });
    emulator.trialWillEnd(subscription.id);
    expect(eventsOf(subscription.id, 'customer.subscription.trial_will_end')).toHaveLength(1);
    const before = emulator.store.events.length;
    const ended = emulator.endTrial(subscription.id, { paid: true });
    expect(ended.status).toBe('active');
    expect(ended.items.data[0].current_period_end).toBe(addInterval(ended.trial_end!, { interval: 'month', interval_count: 1 }));
    const events = eventsSince(before);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.paid']);
    expect((events[0].data as { previous_attributes?: Record<string, unknown> }).previous_attributes).toMatchObject({ status: 'trialing' });
    expect(invoicesOf(events, subscription.id)[0]).toMatchObject({ amount_paid: 2000, billing_reason: 'subscription_cycle' });

    const other = (await subscribe(PRICES.proMonthly, { trial_period_days: 7 })).subscription;
    const mark = emulator.store.events.length;
    expect(emulator.endTrial(other.id, { paid: false }).status).toBe('past_due');
    expect(eventsSince(mark).map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.payment_failed']);
    expect(() => emulator.trialWillEnd(other.id)).toThrow(/not trialing/);
  });
});

describe('subscriptions.update: plan change', () => {
  it('replaces the price of the same item on the same subscription, keeps the period, and says what changed', async () => {
    const { customer: cus, subscription, item } = await subscribe();
    const before = emulator.store.events.length;
    const updated = await stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: PRICES.teamMonthly }], proration_behavior: 'create_prorations' });
    expect(updated.id).toBe(subscription.id);
    expect(updated.items.data).toHaveLength(1);
    expect(updated.items.data[0]).toMatchObject({ id: item.id, quantity: 1, current_period_start: item.current_period_start, current_period_end: item.current_period_end });
    expect(updated.items.data[0].price).toMatchObject({ id: PRICES.teamMonthly, product: 'prod_team_plan', unit_amount: 9900 });
    expect(updated.items.data[0].plan).toMatchObject({ id: PRICES.teamMonthly, amount: 9900, interval: 'month' });

    const events = eventsSince(before);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.updated']);
    const previous = (events[0].data as { previous_attributes?: { items?: { data: Item[] } } }).previous_attributes;
    expect(previous?.items?.data.map((i) => [i.id, i.price.id])).toEqual([[item.id, PRICES.proMonthly]]);
    expect((events[0].data.object as Stripe.Subscription).items.data[0].price.id).toBe(PRICES.teamMonthly);

    const listed = await stripe.subscriptions.list({ customer: cus.id });
    expect(listed.data.map((s) => s.id)).toEqual([subscription.id]);

    // the pending prorations are billed with the next period
    const renewed = emulator.renewSubscription(subscription.id);
    expect(renewed.items.data[0]).toMatchObject({ id: item.id, current_period_start: item.current_period_end });
    const [invoice] = invoicesOf(eventsOf(renewed.latest_invoice as string), subscription.id);
    const credit = -prorate(2000, item, invoice.lines.data[0].period.start);
    const charge = prorate(9900, item, invoice.lines.data[0].period.start);
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([credit, charge, 9900]);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 9900 + credit + charge });
  });

  it('always_invoice bills the proration at once (invoice.paid); none changes the price only', async () => {
    const { subscription, item } = await subscribe();
    const at = item.current_period_start + HALF_MONTH;
    const before = emulator.store.events.length;
    const updated = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: PRICES.teamMonthly }],
      proration_behavior: 'always_invoice',
      proration_date: at,
    });
    const events = eventsSince(before);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.paid']);
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    const amount = prorate(9900, item, at) - prorate(2000, item, at);
    expect(invoice).toMatchObject({ status: 'paid', billing_reason: 'subscription_update', amount_paid: amount, total: amount });
    expect(invoice.lines.data.every((l) => l.parent?.subscription_item_details?.proration === true)).toBe(true);
    expect(invoice.parent?.subscription_details).toMatchObject({ subscription: subscription.id, subscription_proration_date: at });

    const mark = emulator.store.events.length;
    const back = await stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: PRICES.proMonthly }], proration_behavior: 'none' });
    expect(back.items.data[0].price.id).toBe(PRICES.proMonthly);
    expect(back.latest_invoice).toBe(updated.latest_invoice);
    expect(eventsSince(mark).map((e) => e.type)).toEqual(['customer.subscription.updated']);
  });

  it('a change of interval restarts the billing cycle now and invoices it', async () => {
    const { subscription, item } = await subscribe();
    const before = emulator.store.events.length;
    const updated = await stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: PRICES.proYearly }] });
    const next = updated.items.data[0];
    expect(next.id).toBe(item.id);
    expect(next.current_period_end).toBe(addInterval(next.current_period_start, { interval: 'year', interval_count: 1 }));
    expect(updated.billing_cycle_anchor).toBe(next.current_period_start);
    const [invoice] = invoicesOf(eventsSince(before), subscription.id);
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([-prorate(2000, item, next.current_period_start), 20000]);
  });

  it('an update that changes nothing emits nothing', async () => {
    const { subscription, item } = await subscribe();
    const before = emulator.store.events.length;
    await stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: PRICES.proMonthly }], metadata: { plan: 'pro' } });
    expect(emulator.store.events.length).toBe(before);
  });
});

describe('subscriptions.update: cancellation, pause_collection, metadata', () => {
  it('cancel_at_period_end true sets cancel_at to the period end; false clears both', async () => {
    const { subscription, item } = await subscribe();
    const scheduled = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(scheduled).toMatchObject({
      status: 'active',
      cancel_at_period_end: true,
      cancel_at: item.current_period_end,
      cancellation_details: { reason: 'cancellation_requested' },
    });
    expect(scheduled.canceled_at).toEqual(expect.any(Number));
    const kept = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(kept).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    const updates = eventsOf(subscription.id, 'customer.subscription.updated');
    expect(updates).toHaveLength(2);
    expect((updates[0].data as { previous_attributes?: unknown }).previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    expect((updates[1].data as { previous_attributes?: unknown }).previous_attributes).toMatchObject({ cancel_at_period_end: true, cancel_at: item.current_period_end });
  });

  it("cancel_at schedules the end with cancel_at_period_end false (flexible mode); '' clears it", async () => {
    const { subscription, item } = await subscribe();
    const at = item.current_period_end - 86400;
    const scheduled = await stripe.subscriptions.update(subscription.id, { cancel_at: at });
    expect(scheduled).toMatchObject({ cancel_at: at, cancel_at_period_end: false, status: 'active' });
    expect(scheduled.canceled_at).toEqual(expect.any(Number));
    const cleared = await stripe.subscriptions.update(subscription.id, { cancel_at: '' });
    expect(cleared).toMatchObject({ cancel_at: null, cancel_at_period_end: false, canceled_at: null });
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const viaFalse = await stripe.subscriptions.update(subscription.id, { cancel_at: at });
    expect(viaFalse).toMatchObject({ cancel_at: at, cancel_at_period_end: false });
    expect(eventsOf(subscription.id, 'customer.subscription.updated')).toHaveLength(4);
    const past = await stripeError(stripe.subscriptions.update(subscription.id, { cancel_at: 1000 }));
    expect(past).toMatchObject({ type: 'StripeInvalidRequestError', param: 'cancel_at' });
  });

  it("pause_collection sets and '' clears, leaving the status", async () => {
    const { subscription } = await subscribe();
    const resumesAt = Math.floor(Date.now() / 1000) + 10 * 86400;
    const paused = await stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: 'void', resumes_at: resumesAt } });
    expect(paused).toMatchObject({ status: 'active', pause_collection: { behavior: 'void', resumes_at: resumesAt } });
    const cleared = await stripe.subscriptions.update(subscription.id, { pause_collection: '' });
    expect(cleared.pause_collection).toBeNull();
    const updates = eventsOf(subscription.id, 'customer.subscription.updated');
    expect(updates.map((e) => (e.data as { previous_attributes?: { pause_collection?: unknown } }).previous_attributes?.pause_collection)).toEqual([
      null,
      { behavior: 'void', resumes_at: resumesAt },
    ]);
    const bad = await stripeError(stripe.subscriptions.update(subscription.id, { pause_collection: { behavior: 'sleep' as 'void' } }));
    expect(bad).toMatchObject({ param: 'pause_collection[behavior]' });
  });

  it('metadata merges, and a key set to "" is removed', async () => {
    const { subscription } = await subscribe(PRICES.proMonthly, { metadata: { plan: 'pro', userId: 'u2' } });
    const updated = await stripe.subscriptions.update(subscription.id, { metadata: { userId: '', source: 'spec' } });
    expect(updated.metadata).toEqual({ plan: 'pro', source: 'spec' });
    const [event] = eventsOf(subscription.id, 'customer.subscription.updated');
    expect((event.data as { previous_attributes?: unknown }).previous_attributes).toEqual({ metadata: { userId: 'u2', source: null } });
  });
});

describe('errors', () => {
  it("an unknown price is Stripe's resource_missing on items[0][price]; inactive and one-time prices are refused", async () => {
    const { subscription, item } = await subscribe();
    const missing = await stripeError(stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: 'price_nope' }] }));
    expect(missing).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'items[0][price]',
      message: "No such price: 'price_nope'",
    });
    expect(await stripeError(stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: PRICES.retired }] }))).toMatchObject({
      statusCode: 400,
      param: 'items[0][price]',
    });
    expect(await stripeError(stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: PRICES.lifetime }] }))).toMatchObject({
      statusCode: 400,
      param: 'items[0][price]',
    });
    expect(await stripeError(stripe.subscriptions.update(subscription.id, { items: [{ id: 'si_nope', price: PRICES.teamMonthly }] }))).toMatchObject({
      code: 'resource_missing',
      param: 'items[0][id]',
    });
    expect(await stripeError(stripe.subscriptions.retrieve('sub_nope'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    // nothing changed, nothing emitted
    expect(eventsOf(subscription.id, 'customer.subscription.updated')).toHaveLength(0);
    expect((await stripe.subscriptions.retrieve(subscription.id)).items.data[0].price.id).toBe(PRICES.proMonthly);
  });
});

describe('subscriptions.cancel and list', () => {
  it('cancels now with canceled_at, ended_at and customer.subscription.deleted; a canceled subscription takes only metadata', async () => {
    const { customer: cus, subscription } = await subscribe();
    const second = await subscribe();
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'cancellation_requested' } });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    expect(canceled.ended_at).toBe(canceled.canceled_at);
    expect(eventsOf(subscription.id).map((e) => e.type)).toEqual(['customer.subscription.created', 'customer.subscription.deleted']);
    const error = await stripeError(stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }));
    expect(error).toMatchObject({
      type: 'StripeInvalidRequestError',
      rawType: 'invalid_request_error',
      statusCode: 400,
      message: 'A canceled subscription can only update its cancellation_details and metadata.',
    });
    expect((await stripe.subscriptions.update(subscription.id, { metadata: { note: 'gone' } })).metadata.note).toBe('gone');
    expect(await stripeError(stripe.subscriptions.cancel(subscription.id))).toMatchObject({ statusCode: 400 });

    expect((await stripe.subscriptions.list({ customer: cus.id })).data).toEqual([]);
    expect((await stripe.subscriptions.list({ customer: cus.id, status: 'canceled' })).data.map((s) => s.id)).toEqual([subscription.id]);
    expect((await stripe.subscriptions.list({ customer: cus.id, status: 'all' })).data.map((s) => s.id)).toEqual([subscription.id]);
    expect((await stripe.subscriptions.list({ customer: second.customer.id, status: 'active' })).data.map((s) => s.id)).toEqual([second.subscription.id]);
  });

  it('pages the list newest first', async () => {
    const a = await subscribe();
    const b = await subscribe();
    const first = await stripe.subscriptions.list({ limit: 1, status: 'all' });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/subscriptions' });
    expect(first.data[0].id).toBe(b.subscription.id);
    const next = await stripe.subscriptions.list({ limit: 1, status: 'all', starting_after: first.data[0].id });
    expect(next.data[0].id).toBe(a.subscription.id);
    const byPrice = await stripe.subscriptions.list({ price: PRICES.proMonthly, limit: 100 });
    expect(byPrice.data.every((s) => s.items.data[0].price.id === PRICES.proMonthly && s.status !== 'canceled')).toBe(true);
  });

  it('a renewal past a scheduled cancellation ends the subscription', async () => {
    const { subscription, item } = await subscribe();
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const ended = emulator.renewSubscription(subscription.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: item.current_period_end, cancel_at_period_end: true });
    expect(eventsOf(subscription.id).pop()?.type).toBe('customer.subscription.deleted');
  });
});

describe('pause and resume', () => {
  it('resume answers an error unless paused; a paused subscription resumes active with a new period', async () => {
    const { subscription } = await subscribe();
    const notPaused = await stripeError(stripe.subscriptions.resume(subscription.id));
    expect(notPaused).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
    expect(notPaused.message).toMatch(/paused/);

    const before = emulator.store.events.length;
    const paused = emulator.pauseSubscription(subscription.id);
    expect(paused.status).toBe('paused');
    expect(eventsSince(before).map((e) => e.type)).toEqual(['customer.subscription.paused', 'customer.subscription.updated']);
    expect(() => emulator.renewSubscription(subscription.id)).toThrow(/paused/);

    const mark = emulator.store.events.length;
    const resumed = await stripe.subscriptions.resume(subscription.id);
    expect(resumed.status).toBe('active');
    const item = resumed.items.data[0];
    expect(item.current_period_end).toBe(addInterval(item.current_period_start, { interval: 'month', interval_count: 1 }));
    expect(resumed.billing_cycle_anchor).toBe(item.current_period_start);
    const events = eventsSince(mark);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.resumed', 'customer.subscription.updated', 'invoice.paid']);
    expect((events[1].data as { previous_attributes?: unknown }).previous_attributes).toMatchObject({ status: 'paused' });
    expect((events[2].data.object as Stripe.Invoice).amount_paid).toBe(2000);
  });

  it("takes the SDK's billing_cycle_anchor[type]: now (the service's call) or unchanged (period kept, its remainder billed)", async () => {
    const a = await subscribe();
    emulator.pauseSubscription(a.subscription.id);
    const now = await stripe.subscriptions.resume(a.subscription.id, { billing_cycle_anchor: { type: 'now' }, payment_behavior: 'resume_on_payment_success' });
    expect(now.status).toBe('active');

    const b = await subscribe();
    emulator.pauseSubscription(b.subscription.id);
    const mark = emulator.store.events.length;
    const kept = await stripe.subscriptions.resume(b.subscription.id, { billing_cycle_anchor: { type: 'unchanged' } });
    expect(kept.items.data[0]).toMatchObject({ current_period_start: b.item.current_period_start, current_period_end: b.item.current_period_end });
    expect(kept.billing_cycle_anchor).toBe(b.subscription.billing_cycle_anchor);
    const [invoice] = invoicesOf(eventsSince(mark), b.subscription.id);
    expect(invoice.amount_paid).toBe(prorate(2000, b.item, invoice.lines.data[0].period.start));
  });

  it('subscriptions.pause through the SDK pauses too', async () => {
    const { subscription } = await subscribe();
    expect((await stripe.subscriptions.pause(subscription.id)).status).toBe('paused');
    expect(eventsOf(subscription.id, 'customer.subscription.paused')).toHaveLength(1);
  });
});

describe('test controls', () => {
  it('setSubscriptionStatus emits updated with the old status; renewSubscription moves the period one interval', async () => {
    const { subscription, item } = await subscribe();
    emulator.setSubscriptionStatus(subscription.id, 'past_due');
    emulator.setSubscriptionStatus(subscription.id, 'unpaid');
    const updates = eventsOf(subscription.id, 'customer.subscription.updated');
    expect(updates.map((e) => [(e.data.object as Stripe.Subscription).status, (e.data as { previous_attributes?: { status?: string } }).previous_attributes?.status])).toEqual([
      ['past_due', 'active'],
      ['unpaid', 'past_due'],
    ]);
    const renewed = emulator.renewSubscription(subscription.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]).toMatchObject({
      id: item.id,
      current_period_start: item.current_period_end,
      current_period_end: addInterval(item.current_period_end, { interval: 'month', interval_count: 1 }),
    });
    expect(eventsOf(subscription.id).slice(-1)[0].type).toBe('customer.subscription.updated');
    const invoice = await stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 2000, period_start: item.current_period_start, period_end: item.current_period_end });
  });

  it('trigger makes the new event types', () => {
    const email = 'trigger@example.com';
    expect(emulator.store.trigger('customer.subscription.paused', email).map((e) => e.type)).toContain('customer.subscription.paused');
    expect(emulator.store.trigger('customer.subscription.resumed', email).map((e) => e.type)).toContain('customer.subscription.resumed');
    expect(emulator.store.trigger('customer.subscription.trial_will_end', email).map((e) => e.type)).toContain('customer.subscription.trial_will_end');
  });

  it('events never go back in time, and subscriptions carry every field the service reads', async () => {
    const created = emulator.store.events.map((e) => e.created);
    expect(created).toEqual([...created].sort((a, b) => a - b));
    const { subscription } = await subscribe();
    for (const field of [
      'status',
      'cancel_at',
      'cancel_at_period_end',
      'canceled_at',
      'ended_at',
      'trial_start',
      'trial_end',
      'pause_collection',
      'customer',
      'metadata',
      'latest_invoice',
      'created',
      'start_date',
      'billing_cycle_anchor',
    ]) {
      expect(subscription).toHaveProperty(field);
    }
    expect(Object.keys(subscription.items.data[0])).toEqual(expect.arrayContaining(['id', 'price', 'quantity', 'current_period_start', 'current_period_end', 'plan']));
  });
});

describe('invoices.createPreview', () => {
  it('previews a mid-period upgrade: prorations then the next period at the new price', async () => {
    const { customer: cus, subscription, item } = await subscribe();
    const at = item.current_period_start + HALF_MONTH;
    const credit = -prorate(2000, item, at);
    const charge = prorate(9900, item, at);
    const preview = await stripe.invoices.createPreview({
      customer: cus.id,
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: PRICES.teamMonthly }], proration_date: at, proration_behavior: 'create_prorations' },
    });
    expect(preview).toMatchObject({
      object: 'invoice',
      currency: 'usd',
      status: 'draft',
      customer: cus.id,
      period_start: item.current_period_start,
      period_end: item.current_period_end,
      next_payment_attempt: item.current_period_end,
    });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview.lines.data.map((l) => [l.amount, l.parent?.subscription_item_details?.proration, l.period.start, l.period.end])).toEqual([
      [credit, true, at, item.current_period_end],
      [charge, true, at, item.current_period_end],
      [9900, false, item.current_period_end, addInterval(item.current_period_end, { interval: 'month', interval_count: 1 })],
    ]);
    expect(preview.lines.data[0].description).toMatch(/^Unused time on Pro monthly after /);
    expect(preview.lines.data[1].description).toMatch(/^Remaining time on Team monthly after /);
    expect(preview.lines.data.every((l) => l.parent?.subscription_item_details?.subscription_item === item.id)).toBe(true);
    expect(preview).toMatchObject({ subtotal: 9900 + credit + charge, total: 9900 + credit + charge, amount_due: 9900 + credit + charge });
    expect(preview.parent?.subscription_details).toMatchObject({ subscription: subscription.id, subscription_proration_date: at });
    // a preview changes nothing
    expect((await stripe.subscriptions.retrieve(subscription.id)).items.data[0].price.id).toBe(PRICES.proMonthly);
    expect(eventsOf(subscription.id, 'customer.subscription.updated')).toHaveLength(0);
  });

  it('always_invoice previews what the update then bills, and a downgrade owes nothing', async () => {
    const { customer: cus, subscription, item } = await subscribe(PRICES.teamMonthly);
    const at = item.current_period_start + HALF_MONTH;
    const downgrade = await stripe.invoices.createPreview({
      customer: cus.id,
      subscription: subscription.id,
      subscription_details: { items: [{ id: item.id, price: PRICES.proMonthly }], proration_date: at, proration_behavior: 'always_invoice' },
    });
    const total = prorate(2000, item, at) - prorate(9900, item, at);
    expect(total).toBeLessThan(0);
    expect(downgrade).toMatchObject({ total, amount_due: 0, period_start: at, period_end: at });
    expect(downgrade.lines.data).toHaveLength(2);

    const { customer: other, subscription: sub2, item: item2 } = await subscribe();
    const upgrade = await stripe.invoices.createPreview({
      customer: other.id,
      subscription: sub2.id,
      subscription_details: { items: [{ id: item2.id, price: PRICES.teamMonthly }], proration_date: at, proration_behavior: 'always_invoice' },
    });
    expect(upgrade.amount_due).toBe(prorate(9900, item2, at) - prorate(2000, item2, at));
    const before = emulator.store.events.length;
    await stripe.subscriptions.update(sub2.id, { items: [{ id: item2.id, price: PRICES.teamMonthly }], proration_date: at, proration_behavior: 'always_invoice' });
    expect(invoicesOf(eventsSince(before), sub2.id)[0].amount_paid).toBe(upgrade.amount_due);
  });

  it("without changes previews the next renewal; unknown prices and ended subscriptions are Stripe's errors", async () => {
    const { customer: cus, subscription, item } = await subscribe();
    const next = await stripe.invoices.createPreview({ customer: cus.id, subscription: subscription.id });
    expect(next.lines.data.map((l) => l.amount)).toEqual([2000]);
    expect(next.amount_due).toBe(2000);
    const missing = await stripeError(
      stripe.invoices.createPreview({ customer: cus.id, subscription: subscription.id, subscription_details: { items: [{ id: item.id, price: 'price_nope' }] } }),
    );
    expect(missing).toMatchObject({ code: 'resource_missing', param: 'subscription_details[items][0][price]' });
    await stripe.subscriptions.cancel(subscription.id);
    expect(await stripeError(stripe.invoices.createPreview({ customer: cus.id, subscription: subscription.id }))).toMatchObject({ statusCode: 404, code: 'invoice_upcoming_none' });
  });
});
