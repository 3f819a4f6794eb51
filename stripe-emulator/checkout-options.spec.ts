import Stripe from 'stripe';
import type { StripeEmulator } from './server.js';
import { recordingEmulator } from './spec-sdk.js';

/** The emulator's Checkout options (issue 18), driven through the real SDK and plain HTTP like a browser. */
const KEY = 'sk_test_checkout_options_spec_0123456789';
const PRICE = 'price_pro_monthly';
const ONCE = 'price_lifetime_once';

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  ({ emulator, stripe } = await recordingEmulator({
    secretKey: KEY,
    prices: [
      { id: PRICE, interval: 'month', unitAmount: 2000, nickname: 'Pro monthly' },
      { id: ONCE, interval: 'once', unitAmount: 49900, nickname: 'Lifetime' },
    ],
    promotionCodes: [
      { code: 'HALF', percentOff: 50 },
      { code: 'FIVE', amountOff: 500 },
    ],
  }));
});
afterAll(() => emulator.close());

const customer = () => stripe.customers.create({ email: `c${Math.random().toString(36).slice(2, 10)}@example.com` });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: InstanceType<typeof Stripe.errors.StripeError>) => ({ type: e.type, param: e.param, message: e.message }),
  );
const line = (price = ONCE) => [{ price, quantity: 1 }];
const post = (path: string, body = '') =>
  fetch(`${emulator.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });

describe('promotion codes and totals', () => {
  it('a code takes its discount off the subtotal; tax is added once an address is known', async () => {
    const cus = await customer();
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: cus.id,
      line_items: line(),
      success_url: 'http://localhost/ok',
      allow_promotion_codes: true,
      automatic_tax: { enabled: true },
      customer_update: { address: 'auto' },
    });
    expect(session).toMatchObject({
      amount_subtotal: 49900,
      amount_total: 49900,
      total_details: { amount_discount: 0, amount_tax: 0 },
      automatic_tax: { status: 'requires_location_inputs' },
    });
    expect(emulator.applyPromotionCode(session.id, 'five')).toMatchObject({ amount_total: 49400, total_details: { amount_discount: 500 } });
    const done = emulator.completeCheckout(session.id);
    expect(done).toMatchObject({
      amount_subtotal: 49900,
      amount_total: 49400 + 4940,
      total_details: { amount_discount: 500, amount_tax: 4940 },
      automatic_tax: { status: 'complete' },
    });
    expect((await stripe.customers.retrieve(cus.id)) as Stripe.Customer).toMatchObject({ address: { country: 'US' } });
    // the customer now has an address: the next session is taxed at once
    const next = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: cus.id,
      line_items: line(),
      success_url: 'http://localhost/ok',
      automatic_tax: { enabled: true },
    });
    expect(next).toMatchObject({ amount_total: 49900 + 4990, total_details: { amount_tax: 4990 }, automatic_tax: { status: 'complete' } });
  });

  it('refuses a code on a session without allow_promotion_codes, and an unknown code; the page shows why', async () => {
    const plain = await stripe.checkout.sessions.create({ mode: 'payment', line_items: line(), success_url: 'http://localhost/ok' });
    expect(() => emulator.applyPromotionCode(plain.id, 'HALF')).toThrow('does not accept promotion codes');
    const open = await stripe.checkout.sessions.create({ mode: 'payment', line_items: line(), success_url: 'http://localhost/ok', allow_promotion_codes: true });
    const refused = await post(`/checkout/${open.id}/promotion-code`, 'code=NOPE');
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('This code is invalid.');
    const applied = await post(`/checkout/${open.id}/promotion-code`, 'code=half');
    expect(applied.status).toBe(303);
    expect((await stripe.checkout.sessions.retrieve(open.id)).total_details).toMatchObject({ amount_discount: 24950 });
  });
});

describe('what Stripe refuses', () => {
  it('automatic tax for a customer without an address unless customer_update[address]=auto; tax ids unless customer_update[name]=auto', async () => {
    const cus = await customer();
    const base = { mode: 'payment' as const, customer: cus.id, line_items: line(), success_url: 'http://localhost/ok' };
    expect(await failure(stripe.checkout.sessions.create({ ...base, automatic_tax: { enabled: true } }))).toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'customer_update[address]',
    });
    expect(await failure(stripe.checkout.sessions.create({ ...base, tax_id_collection: { enabled: true } }))).toMatchObject({ param: 'customer_update[name]' });
    await stripe.checkout.sessions.create({ ...base, tax_id_collection: { enabled: true }, customer_update: { name: 'auto' } });
    expect(
      await failure(stripe.checkout.sessions.create({ mode: 'payment', line_items: line(), success_url: 'http://localhost/ok', customer_update: { name: 'auto' } })),
    ).toMatchObject({ param: 'customer_update' });
  });

  it('automatic tax while Stripe Tax is not active; GET /v1/tax/settings says so', async () => {
    emulator.store.taxSettingsStatus = 'pending';
    try {
      expect(await stripe.tax.settings.retrieve()).toMatchObject({ status: 'pending', status_details: { pending: { missing_fields: ['head_office'] } } });
      const refused = await failure(stripe.checkout.sessions.create({ mode: 'payment', line_items: line(), success_url: 'http://localhost/ok', automatic_tax: { enabled: true } }));
      expect(refused).toMatchObject({ param: 'automatic_tax[enabled]', message: expect.stringContaining('Stripe Tax has not been activated') });
    } finally {
      emulator.store.taxSettingsStatus = 'active';
    }
    expect(await stripe.tax.settings.retrieve()).toMatchObject({ status: 'active' });
  });
});

describe('the embedded page (a stand-in for what Stripe.js mounts)', () => {
  it('opens by client secret only, pays, and sends the browser to return_url with the session id', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      ui_mode: 'embedded_page',
      line_items: line(PRICE),
      return_url: 'http://app.local/return?session_id={CHECKOUT_SESSION_ID}',
    });
    expect((await fetch(`${emulator.url}/checkout/${session.id}`)).status).toBe(404);
    expect((await fetch(`${emulator.url}/embedded/${session.id}`)).status).toBe(404);
    const page = await fetch(`${emulator.url}/embedded/${session.client_secret}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('target="_top"');
    expect(html).not.toContain('id="cancel"');
    const paid = await post(`/embedded/${session.client_secret}/pay`);
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`http://app.local/return?session_id=${session.id}`);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'paid' });
    // a hosted session has no embedded page
    const hosted = await stripe.checkout.sessions.create({ mode: 'payment', line_items: line(), success_url: 'http://localhost/ok' });
    expect(hosted.client_secret).toBeNull();
  });

  it('elements sessions too; redirect_on_completion=never stays on the page', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'payment', ui_mode: 'elements', line_items: line(), redirect_on_completion: 'never' });
    const paid = await post(`/embedded/${session.client_secret}/pay`);
    expect(paid.headers.get('location')).toBe(`${emulator.url}/embedded/${session.client_secret}`);
  });
});

describe('Stripe Entitlements', () => {
  it('setActiveEntitlements emits the summary (up to 10, has_more beyond) and the list route has them all', async () => {
    const cus = await customer();
    const keys = Array.from({ length: 11 }, (_, i) => `f${i}`);
    const event = emulator.setActiveEntitlements(cus.id, keys);
    const summary = event.data.object as Stripe.Entitlements.ActiveEntitlementSummary;
    expect(event.type).toBe('entitlements.active_entitlement_summary.updated');
    expect(summary).toMatchObject({ object: 'entitlements.active_entitlement_summary', customer: cus.id, entitlements: { has_more: true } });
    expect(summary.entitlements.data).toHaveLength(10);
    const all = await stripe.entitlements.activeEntitlements.list({ customer: cus.id, limit: 5 }).autoPagingToArray({ limit: 100 });
    expect(all.map((e) => e.lookup_key)).toEqual(keys);
    // a feature keeps its id
    const again = emulator.setActiveEntitlements(cus.id, ['f3']).data.object as Stripe.Entitlements.ActiveEntitlementSummary;
    expect(again.entitlements.data[0].feature).toBe(all[3].feature);
  });

  it("the trigger makes one for the email's customer", () => {
    const events = emulator.store.trigger('entitlements.active_entitlement_summary.updated', 'ent@example.com', ['beta']);
    expect(events.map((e) => e.type)).toEqual(['entitlements.active_entitlement_summary.updated']);
    expect((events[0].data.object as Stripe.Entitlements.ActiveEntitlementSummary).entitlements.data.map((e) => e.lookup_key)).toEqual(['beta']);
  });
});
