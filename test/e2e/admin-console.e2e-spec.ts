import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AxeResults } from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { describeWithTool, findOnPath } from '../support/required-tool.js';
import { until } from '../support/until.js';
import { deliverWebhooksTo, startEmulator, stripeEnv } from '../support/stripe-emulator.js';

/** CHROMIUM_PATH, or Debian's chromium on PATH (installed by .ci/run). */
const CHROMIUM = process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : findOnPath('chromium', 'chromium-browser');
const BUILD = resolve('test-output/admin-console');
const SCREENSHOTS = 'test-output/screenshots';
/** UPDATE_SCREENSHOTS=1 also copies the screenshots the docs show into docs/images/ (committed). */
const DOC_IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/images' : null;
/** The budget for the whole console's JavaScript. */
const MAX_JS_BYTES = 500 * 1024;
/** A browser test on a loaded 2-core machine (the whole suite beside it) takes well over Jest's default 30 s at worst. */
const BROWSER_TEST_MS = 90_000;
const AXE_SOURCE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

/** The part of a canvas element the chart check reads (the tests compile without the DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } };
}

/** Builds the console from admin-console/ as `npm run build` does, into test-output/ (the test serves that build). */
function buildConsole(): void {
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', 'admin-console', '--logLevel', 'warn'], {
    env: { ...process.env, ADMIN_CONSOLE_OUT_DIR: BUILD },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

// without Chromium: a failure in CI, a plainly reported skip elsewhere (support/required-tool.ts)
describeWithTool('The admin console in a real browser (headless Chromium)', { what: 'chromium', found: CHROMIUM, hint: 'apt-get install chromium, or set CHROMIUM_PATH' }, () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let admin: RegisteredUser;
  let buyer: RegisteredUser;
  let paid: { id: string; stripeSessionId: string };
  let failedEventId: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    if (DOC_IMAGES) mkdirSync(DOC_IMAGES, { recursive: true });
    buildConsole();
    stripe = await startEmulator();
    t = await createTestApp({ ...stripeEnv(stripe), ADMIN_CONSOLE_DIR: BUILD });
    await deliverWebhooksTo(t, stripe);
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    admin = await registerAdmin(t);
    // a real purchase through the emulator: sessions, a timeline, revenue and webhook traffic for the charts
    buyer = await registerUser(t, { email: `buyer-${Date.now()}@example.com` });
    paid = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(buyer.accessToken)).send({ plan: 'lifetime', interval: 'once' }).expect(201)).body;
    stripe.completeCheckout(paid.stripeSessionId);
    await stripe.waitForDeliveries();
    // a failed event to replay: a stored copy of the purchase's completion (replaying it finds the work done)
    const [completed] = await t.db.query<Array<{ id: string; type: string; stripe_created_at: Date; payload: Record<string, unknown> }>>(
      `SELECT id, type, stripe_created_at, payload FROM stripe_events WHERE object_id = $1 AND type = 'checkout.session.completed'`,
      [paid.stripeSessionId],
    );
    failedEventId = `${completed.id}failed`;
    await t.db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, object_id, payload, status, attempts, last_error) VALUES ($1, $2, $3, false, $4, $5, 'failed', 1, 'simulated: the database went away')`,
      [failedEventId, completed.type, completed.stripe_created_at, paid.stripeSessionId, { ...completed.payload, id: failedEventId }],
    );
    // history for the charts (and the README's screenshots): paid sessions over the last days, traffic over the last hour
    await t.db.query(
      `INSERT INTO checkout_sessions (stripe_session_id, mode, plan, status, payment_status, amount_total, currency, amount_refunded, created_at)
       SELECT 'cs_seed_' || g, 'payment', 'lifetime', 'complete', 'paid', 49900 * (1 + g % 3), 'usd', CASE WHEN g % 4 = 0 THEN 49900 ELSE 0 END, now() - g * interval '1 day'
         FROM generate_series(1, 12) g`,
    );
    await t.db.query(
      `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, payload, status, received_at, processed_at)
       SELECT 'evt_seed_' || g, 'invoice.paid', date_trunc('second', now() - g * interval '40 seconds') - interval '1 second', false, '{}',
              CASE WHEN g % 17 = 0 THEN 'ignored' ELSE 'processed' END, now() - g * interval '40 seconds', now() - g * interval '40 seconds' + (g % 5) * interval '30 ms'
         FROM generate_series(1, 80) g`,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await stripe?.close();
  }, BROWSER_TEST_MS);

  /** A fresh page (tokens live in memory: every page signs in) that records console errors and failed scripts. */
  async function openConsole(user: RegisteredUser): Promise<{ page: Page; errors: string[]; adminCalls: string[]; refreshToken: string }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const adminCalls: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    page.on('request', (r) => {
      if (r.url().includes('/api/admin/')) adminCalls.push(r.url());
    });
    await page.goto(`${base}/admin/`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    const login = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    const { refreshToken } = (await (await login).json()) as { refreshToken: string };
    return { page, errors, adminCalls, refreshToken };
  }

  /** axe-core in the page (evaluated through DevTools, which the page's CSP does not govern): serious and critical violations. */
  async function seriousViolations(page: Page): Promise<string[]> {
    await page.evaluate(AXE_SOURCE);
    // axe.run() checks the whole document (the tests compile without the DOM library, hence the shape given here)
    const results = await page.evaluate(() => (globalThis as unknown as { axe: { run: () => Promise<AxeResults> } }).axe.run());
    return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  async function shoot(page: Page, name: string): Promise<void> {
    const path = `${SCREENSHOTS}/${name}.png`;
    await page.screenshot({ path, fullPage: true });
    if (DOC_IMAGES) copyFileSync(path, `${DOC_IMAGES}/${name}.png`);
  }

  it(
    'the built console is at most 500 KB of JavaScript, and its page loads no inline script',
    () => {
      const js = readdirSync(join(BUILD, 'assets')).filter((f) => f.endsWith('.js'));
      const bytes = js.reduce((sum, f) => sum + statSync(join(BUILD, 'assets', f)).size, 0);
      expect(js.length).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(MAX_JS_BYTES);
      const html = readFileSync(join(BUILD, 'index.html'), 'utf8');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    },
    BROWSER_TEST_MS,
  );

  it(
    'overview: an admin signs in and sees both charts drawn with data, no console errors, no serious axe violations',
    async () => {
      const { page, errors } = await openConsole(admin);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      for (const chart of ['#revenue-chart', '#webhooks-chart']) {
        await page.locator(`${chart} canvas`).waitFor();
        expect(Number(await page.getAttribute(chart, 'data-points'))).toBeGreaterThan(0);
        // something was painted: uPlot's canvas has coloured pixels
        const painted = await page.$eval(`${chart} canvas`, (element) => {
          const canvas = element as unknown as CanvasLike;
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let count = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
          return count;
        });
        expect(painted).toBeGreaterThan(100);
      }
      await page.getByText('Revenue per day as a table').click();
      expect(await page.locator('table', { hasText: 'Revenue per day in USD' }).textContent()).toContain('$499.00');
      await shoot(page, 'admin-overview');
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    "sessions: a filter by email finds the buyer's session, whose page shows the timeline of Stripe events",
    async () => {
      const { page, errors } = await openConsole(admin);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
      await page.getByLabel('Email', { exact: true }).fill(buyer.email);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/email=/);
      // the unfiltered list (the seeded sessions too) gives way to the one session of that email
      const rows = page.locator('tbody tr');
      await until(async () => (await rows.count()) === 1, 'one session listed', 30_000);
      expect(await rows.first().textContent()).toContain(paid.stripeSessionId);
      expect(await seriousViolations(page)).toEqual([]);
      await shoot(page, 'admin-sessions');
      await page.getByRole('link', { name: paid.stripeSessionId }).click();
      const timeline = page.locator('table', { hasText: 'Stripe events about this session' });
      await timeline.waitFor();
      expect(await timeline.textContent()).toContain('checkout.session.completed');
      expect(await page.locator('.fields').textContent()).toContain(buyer.email);
      await shoot(page, 'admin-session');
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'events: a failed event shows its error and payload, and Replay processes it',
    async () => {
      const { page, errors } = await openConsole(admin);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
      await page.getByLabel('Status').selectOption('failed');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('link', { name: failedEventId }).click();
      expect(await page.textContent('#event-error')).toBe('simulated: the database went away');
      expect(await page.textContent('.payload')).toContain(paid.stripeSessionId);
      expect(await seriousViolations(page)).toEqual([]);
      await shoot(page, 'admin-event');
      await page.getByRole('button', { name: 'Replay' }).click();
      await page.locator('#event-status', { hasText: 'processed' }).waitFor();
      const [row] = await t.db.query(`SELECT status FROM stripe_events WHERE id = $1`, [failedEventId]);
      expect(row.status).toBe('processed');
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'users: search by email, then grant a plan with a reason and revoke it with another',
    async () => {
      const user = await registerUser(t);
      const { page, errors } = await openConsole(admin);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
      await page.getByLabel('Email contains').fill(user.email);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: user.email }).click();
      await page.locator('#user-plan', { hasText: 'free' }).waitFor();
      const grant = page.locator('#grant');
      await grant.getByLabel('Plan').fill('pro');
      await grant.getByLabel('Reason').fill('Goodwill after the outage');
      await grant.getByRole('button', { name: 'Grant plan' }).click();
      await page.locator('#user-plan', { hasText: 'pro' }).waitFor();
      expect(await page.locator('table', { hasText: 'What the user owns' }).textContent()).toContain('Goodwill after the outage');
      const me = (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body;
      expect(me.plan).toBe('pro');
      await shoot(page, 'admin-user');
      expect(await seriousViolations(page)).toEqual([]);
      // and revoke it, with a reason of its own
      const revoke = page.locator('form[id^="revoke-"]');
      await revoke.getByLabel('Reason').fill('Granted by mistake');
      await revoke.getByRole('button', { name: 'Revoke pro' }).click();
      await page.locator('#user-plan', { hasText: 'free' }).waitFor();
      expect(await page.locator('table', { hasText: 'What the user owns' }).textContent()).toContain('Granted by mistake');
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a non-admin who signs in is told the console is for admins and sees no data',
    async () => {
      const user = await registerUser(t);
      const { page, errors, adminCalls, refreshToken } = await openConsole(user);
      expect(await page.locator('#not-admin').textContent()).toContain('this console is for admins');
      // its tokens were revoked at once
      await until(async () => (await request(t.http).post('/api/auth/refresh').send({ refreshToken })).status === 401, 'the refresh token revoked');
      expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
      expect(adminCalls).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'an expired access token is renewed through the refresh route, and Sign out ends the session',
    async () => {
      const { page, errors } = await openConsole(admin);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      // the next admin call answers 401 once, as an expired access token would
      let refused = 0;
      await page.route(
        (url) => url.pathname === '/api/admin/users',
        async (route) => {
          if (refused++ === 0)
            await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: 'unauthorized', message: 'expired', requestId: 'x' }) });
          else await route.continue();
        },
      );
      const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/auth/refresh') && r.status() === 200);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
      await refreshed;
      await page.getByRole('link', { name: admin.email }).waitFor();
      expect(refused).toBe(2);
      const loggedOut = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'));
      await page.getByRole('button', { name: 'Sign out' }).click();
      expect((await loggedOut).status()).toBeLessThan(300);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      // only the 401 this test made up
      expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'keyboard only: sign in, then reach the Sessions page with Tab and Enter',
    async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/admin/`);
      await page.keyboard.press('Tab');
      await page.keyboard.type(admin.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(admin.password);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const focused = () =>
        page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent ?? '');
      // the page's content has the focus: Tab goes to its first control; back out through Sign out to the navigation
      await page.getByLabel('Currency').waitFor();
      await page.keyboard.press('Tab');
      expect(await focused()).toContain('USD');
      for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+Tab');
      expect(await focused()).toBe('Sessions');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Checkout sessions' }).waitFor();
      await page.close();
    },
    BROWSER_TEST_MS,
  );
});
