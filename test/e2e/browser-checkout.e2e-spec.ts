import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { describeWithTool, findOnPath } from '../support/required-tool.js';
import { deliverWebhooksTo, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { untilValue } from '../support/until.js';

/** CHROMIUM_PATH, or Debian's chromium on PATH (installed by .ci/run). */
const CHROMIUM = process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : findOnPath('chromium', 'chromium-browser');
const SCREENSHOTS = 'test-output/screenshots';

// without Chromium: a failure in CI, a plainly reported skip elsewhere (support/required-tool.ts)
describeWithTool('Checkout in a real browser (headless Chromium)', { what: 'chromium', found: CHROMIUM, hint: 'apt-get install chromium, or set CHROMIUM_PATH' }, () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stripe = await startEmulator();
    t = await createTestApp({
      ...stripeEnv(stripe),
      CHECKOUT_SUCCESS_URL: `${stripe.url}/return/success?session_id={CHECKOUT_SESSION_ID}`,
      CHECKOUT_CANCEL_URL: `${stripe.url}/return/cancel`,
    });
    await deliverWebhooksTo(t, stripe);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await stripe?.close();
  });

  async function openCheckout(user: RegisteredUser, body: object): Promise<{ page: Page; session: { id: string; url: string; stripeSessionId: string } }> {
    const session = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send(body).expect(201)).body;
    const page = await browser.newPage();
    await page.goto(session.url);
    return { page, session };
  }
  const plan = async (user: RegisteredUser) => (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body.plan;
  /** The plan once it is `expected` (up to 30 s: waitForDeliveries does not wait for a delivery's scheduled retry, a 5xx under load; retries wait 1, 2, 4, 8 s). */
  const planBecomes = (user: RegisteredUser, expected: string) =>
    untilValue(
      () => plan(user),
      (current) => current === expected,
      `the plan to become ${expected}`,
      30_000,
      200,
    );

  it('pay: the page shows what is bought, lands on the success URL, and the user is pro', async () => {
    const user = await registerUser(t);
    const { page, session } = await openCheckout(user, { plan: 'pro', interval: 'month' });
    expect(await page.textContent('#product')).toBe('Pro monthly');
    expect(await page.textContent('#amount')).toBe('$20.00 / month');
    await page.screenshot({ path: `${SCREENSHOTS}/checkout-page.png`, fullPage: true });
    await Promise.all([page.waitForURL(/\/return\/success/), page.click('#pay')]);
    expect(page.url()).toBe(`${stripe.url}/return/success?session_id=${session.stripeSessionId}`);
    await page.screenshot({ path: `${SCREENSHOTS}/success-page.png` });
    await stripe.waitForDeliveries();
    expect(await planBecomes(user, 'pro')).toBe('pro');
    await page.close();
  });

  it('cancel: lands on the cancel URL and nothing is granted', async () => {
    const user = await registerUser(t);
    const { page, session } = await openCheckout(user, { plan: 'pro', interval: 'year' });
    await Promise.all([page.waitForURL(/\/return\/cancel/), page.click('#cancel')]);
    expect(await page.textContent('#result')).toBe('Checkout canceled');
    await stripe.waitForDeliveries();
    expect(await plan(user)).toBe('free');
    const mine = await request(t.http).get(`/api/billing/checkout-sessions/${session.id}`).set(bearer(user.accessToken)).expect(200);
    expect(mine.body.status).toBe('open');
    await page.close();
  });

  it('a delayed payment that fails: success page first, then the failure grants nothing', async () => {
    const user = await registerUser(t);
    const { page, session } = await openCheckout(user, { plan: 'lifetime', interval: 'once' });
    await Promise.all([page.waitForURL(/\/return\/success/), page.click('#pay-delayed')]);
    await page.goto(session.url);
    expect(await page.textContent('#pending')).toContain('processing');
    await page.screenshot({ path: `${SCREENSHOTS}/delayed-payment-pending.png` });
    await page.click('#fail');
    await page.waitForSelector('#state');
    await stripe.waitForDeliveries();
    expect(await plan(user)).toBe('free');
    const [row] = await t.db.query(`SELECT status, payment_status, payment_failed_at, fulfilled_at FROM checkout_sessions WHERE id = $1`, [session.id]);
    expect(row).toMatchObject({ status: 'complete', payment_status: 'unpaid', fulfilled_at: null });
    expect(row.payment_failed_at).not.toBeNull();
    await page.close();
  });

  it('the portal cancels a subscription, which reaches the service as a deletion', async () => {
    const user = await registerUser(t);
    const { page } = await openCheckout(user, { plan: 'pro', interval: 'month' });
    await Promise.all([page.waitForURL(/\/return\/success/), page.click('#pay')]);
    await stripe.waitForDeliveries();
    const portal = (await request(t.http).post('/api/billing/portal').set(bearer(user.accessToken)).expect(201)).body;
    await page.goto(portal.url);
    await page.screenshot({ path: `${SCREENSHOTS}/portal-page.png` });
    await page.click('button[id^="cancel-now-"]');
    await page.waitForSelector('text=canceled');
    await stripe.waitForDeliveries();
    expect((await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200)).body).toMatchObject({ plan: 'free', status: 'canceled' });
    await page.close();
  });

  it('embedded: the frontend mounts the client secret, pays inside the frame, lands on the return URL, and confirm and the webhook fulfil once', async () => {
    const user = await registerUser(t);
    const session = (
      await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month', uiMode: 'embedded' }).expect(201)
    ).body;
    expect(session).toMatchObject({ uiMode: 'embedded', url: null, clientSecret: expect.stringContaining(session.stripeSessionId) });
    const page = await browser.newPage();
    // the frontend's page: where Stripe.js's initEmbeddedCheckout mounts its iframe, the emulator's stand-in is that iframe
    await page.setContent(
      `<main><h1 id="app">Your app</h1><iframe id="embedded-checkout" src="${stripe.url}/embedded/${session.clientSecret}" style="width:480px;height:640px;border:0"></iframe></main>`,
    );
    const frame = page.frameLocator('#embedded-checkout');
    expect(await frame.locator('#product').textContent()).toBe('Pro monthly');
    expect(await frame.locator('#amount').textContent()).toBe('$20.00 / month');
    expect(await frame.locator('#cancel').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/embedded-checkout.png`, fullPage: true });
    // completing it sends the whole page (not the frame) to the return URL, with the session id filled in
    await Promise.all([page.waitForURL(/\/return\/success/), frame.locator('#pay').click()]);
    expect(page.url()).toBe(`${stripe.url}/return/success?session_id=${session.stripeSessionId}`);
    await page.screenshot({ path: `${SCREENSHOTS}/embedded-return-page.png` });
    // the return page's confirmation, racing the webhooks
    const confirmed = await request(t.http).post(`/api/billing/checkout-sessions/${session.stripeSessionId}/confirm`).set(bearer(user.accessToken)).expect(200);
    expect(confirmed.body).toMatchObject({ id: session.id, status: 'complete', paymentStatus: 'paid', plan: 'pro', clientSecret: null });
    await stripe.waitForDeliveries();
    expect(await plan(user)).toBe('pro');
    expect(await t.db.query(`SELECT count(*)::int AS n FROM fulfillments WHERE checkout_session_id = $1`, [session.id])).toEqual([{ n: 1 }]);
    await page.close();
  });
});
