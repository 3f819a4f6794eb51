import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStripeEmulator, type StripeEmulator } from './server.js';
import type { PriceSeed } from './store.js';

/** The example catalogue of local mode, used when no STRIPE_PRICE_* variable is set. */
export const EXAMPLE_PRICES: Array<PriceSeed & { variable: string }> = [
  { variable: 'STRIPE_PRICE_PRO_MONTHLY', id: 'price_local_pro_monthly', interval: 'month', unitAmount: 2000, nickname: 'Pro (monthly)' },
  { variable: 'STRIPE_PRICE_PRO_YEARLY', id: 'price_local_pro_yearly', interval: 'year', unitAmount: 20000, nickname: 'Pro (yearly)' },
  { variable: 'STRIPE_PRICE_TEAM_MONTHLY', id: 'price_local_team_monthly', interval: 'month', unitAmount: 9900, nickname: 'Team (monthly)' },
  { variable: 'STRIPE_PRICE_LIFETIME_ONCE', id: 'price_local_lifetime_once', interval: 'once', unitAmount: 49900, nickname: 'Lifetime' },
];

export interface LocalStripeState {
  secretKey: string;
  webhookSecret: string;
  apiUrl: string;
}

export interface LocalStripe {
  emulator: StripeEmulator;
  /** the variables the service runs with in local mode */
  env: Record<string, string>;
  state: LocalStripeState;
}

export const localStateFile = (dataDir: string) => join(dataDir, 'stripe-emulator.json');

/** The generated test key and webhook secret, kept in the data folder so `stripe:trigger` can sign. */
function loadOrCreateSecrets(dataDir: string): { secretKey: string; webhookSecret: string } {
  const file = localStateFile(dataDir);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalStripeState>;
    if (saved.secretKey && saved.webhookSecret) return { secretKey: saved.secretKey, webhookSecret: saved.webhookSecret };
  }
  return { secretKey: `sk_test_local${randomBytes(18).toString('hex')}`, webhookSecret: `whsec_local${randomBytes(18).toString('hex')}` };
}

/**
 * Local mode of `npm start` without STRIPE_SECRET_KEY: the emulator beside the service, a generated
 * key and webhook secret, and the example catalogue unless the environment names prices (`namedPrices`: the service's
 * own parse of STRIPE_PRICE_<PLAN>_<INTERVAL>, so a malformed variable stops the start as it would anyway).
 */
export async function startLocalStripe(
  env: Record<string, string | undefined>,
  namedPrices: ReadonlyArray<{ priceId: string; interval: PriceSeed['interval'] }>,
  dataDir: string,
  preferredPort = 12111,
): Promise<LocalStripe> {
  const { secretKey, webhookSecret } = loadOrCreateSecrets(dataDir);
  const prices: PriceSeed[] = namedPrices.length ? namedPrices.map((p) => ({ id: p.priceId, interval: p.interval })) : EXAMPLE_PRICES;
  const options = { secretKey, webhookSecret, prices, host: '127.0.0.1' };
  const emulator = await createStripeEmulator({ ...options, port: preferredPort }).catch(() => createStripeEmulator({ ...options, port: 0 }));
  const state: LocalStripeState = { secretKey, webhookSecret, apiUrl: emulator.url };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(localStateFile(dataDir), JSON.stringify(state, null, 2), { mode: 0o600 });
  const localEnv: Record<string, string> = { STRIPE_SECRET_KEY: secretKey, STRIPE_API_URL: emulator.url, STRIPE_WEBHOOK_SECRET: webhookSecret };
  if (!namedPrices.length) for (const p of EXAMPLE_PRICES) localEnv[p.variable] = p.id;
  // with no frontend of its own, the browser comes back to the emulator's demo pages
  if (!env.CHECKOUT_SUCCESS_URL) localEnv.CHECKOUT_SUCCESS_URL = `${emulator.url}/return/success?session_id={CHECKOUT_SESSION_ID}`;
  if (!env.CHECKOUT_CANCEL_URL) localEnv.CHECKOUT_CANCEL_URL = `${emulator.url}/return/cancel`;
  return { emulator, env: localEnv, state };
}
