import type Stripe from 'stripe';
import { createStripeEmulator, type EmulatorOptions, type StripeEmulator } from '../../stripe-emulator/server.js';
import type { PriceSeed } from '../../stripe-emulator/store.js';
import { HandlerRegistry } from '../../src/webhooks/handler-registry.js';
import { createTestApp, type TestApp } from './app.js';
import { deliver, WEBHOOK_SECRET } from './webhooks.js';

export const TEST_STRIPE_KEY = 'sk_test_emulator_key_0123456789';
export const PRICES = { proMonthly: 'price_pro_monthly', proYearly: 'price_pro_yearly', lifetime: 'price_lifetime_once' } as const;

/** The monthly `team` price of `teamCatalogue`. */
export const TEAM_MONTHLY = 'price_team_monthly';

/**
 * The setup of the plan-change tests: pro (monthly, yearly), team (monthly) and lifetime, each plan its own product (so
 * a price outside the catalogue maps by product), ranked pro < team < lifetime, events recorded until a test delivers
 * them. `extra` prices are added to the local Stripe (add-ons, credit packs); `env` to the app's environment.
 */
export function teamCatalogue(extra: PriceSeed[] = [], env: Record<string, string> = {}): { emulator: Partial<EmulatorOptions>; env: Record<string, string> } {
  return {
    emulator: {
      deliveryMode: 'record',
      prices: [
        { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000, product: 'prod_pro' },
        { id: PRICES.proYearly, interval: 'year', unitAmount: 20000, product: 'prod_pro' },
        { id: TEAM_MONTHLY, interval: 'month', unitAmount: 5000, product: 'prod_team' },
        { id: PRICES.lifetime, interval: 'once', unitAmount: 49900, product: 'prod_lifetime' },
        ...extra,
      ],
    },
    env: { STRIPE_PRICE_TEAM_MONTHLY: TEAM_MONTHLY, PLAN_RANK: 'pro,team,lifetime', ...env },
  };
}

/** The local Stripe with the test catalogue; the real SDK in the app talks to it through STRIPE_API_URL. */
export function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<StripeEmulator> {
  return createStripeEmulator({
    secretKey: TEST_STRIPE_KEY,
    webhookSecret: WEBHOOK_SECRET,
    retryBaseMs: 50,
    prices: [
      { id: PRICES.proMonthly, interval: 'month', unitAmount: 2000, nickname: 'Pro monthly' },
      { id: PRICES.proYearly, interval: 'year', unitAmount: 20000, nickname: 'Pro yearly' },
      { id: PRICES.lifetime, interval: 'once', unitAmount: 49900, nickname: 'Lifetime' },
    ],
    ...options,
  });
}

/** The app's environment for the emulator: key, URL, catalogue, webhook secret. */
export function stripeEnv(emulator: StripeEmulator): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
    STRIPE_API_URL: emulator.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_PRICE_PRO_MONTHLY: PRICES.proMonthly,
    STRIPE_PRICE_PRO_YEARLY: PRICES.proYearly,
    STRIPE_PRICE_LIFETIME_ONCE: PRICES.lifetime,
  };
}

/** Makes the app listen on a free port and points the emulator's webhook deliveries at it. */
export async function deliverWebhooksTo(t: TestApp, emulator: StripeEmulator): Promise<void> {
  await t.app.listen(0, '127.0.0.1');
  emulator.setWebhookUrl(`${(await t.app.getUrl()).replace('[::1]', '127.0.0.1')}/api/webhooks/stripe`);
}

export interface StripeTestApp {
  stripe: StripeEmulator;
  t: TestApp;
  close(this: void): Promise<void>;
}

/**
 * The emulator and an app configured for it (stripeEnv plus `env`), for a spec's beforeAll:
 * `beforeAll(async () => ({ stripe, t, close } = await startStripeTestApp({ emulator: { deliveryMode: 'record' } })))`.
 */
export async function startStripeTestApp(options: { emulator?: Partial<EmulatorOptions>; env?: Record<string, string> } = {}): Promise<StripeTestApp> {
  const stripe = await startEmulator(options.emulator);
  const t = await createTestApp({ ...stripeEnv(stripe), ...options.env });
  return {
    stripe,
    t,
    close: async () => {
      await t.close();
      await stripe.close();
    },
  };
}

/** Pays the session on the emulator (the hosted page's Pay button) and answers the events that emitted. */
export function payOnEmulator(emulator: StripeEmulator, sessionId: string): Stripe.Event[] {
  return eventsOf(emulator, () => emulator.completeCheckout(sessionId));
}

/** The ids of those events the app handles (the ones recovery asks Stripe's Events API for), sorted. */
export function handledEventIds(t: TestApp, events: Stripe.Event[]): string[] {
  const types = new Set(t.app.get(HandlerRegistry).types());
  return events
    .filter((e) => types.has(e.type))
    .map((e) => e.id)
    .sort();
}

/** Runs an action on the local Stripe and answers the events it emitted (recorded, in order). */
export function eventsOf(emulator: StripeEmulator, action: () => unknown): Stripe.Event[] {
  const before = emulator.store.events.length;
  action();
  return emulator.store.events.slice(before);
}

/** Delivers events to the app one by one, signed like Stripe's, each expected to answer 200. */
export async function deliverAll(t: TestApp, events: Stripe.Event[]): Promise<void> {
  for (const event of events) await deliver(t, event).expect(200);
}
