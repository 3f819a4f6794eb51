import { createStripeEmulator, type StripeEmulator } from '../../stripe-emulator/server.js';

export interface CheckoutBackend {
  available: boolean;
  note: string;
  /** environment for the service: the Stripe key and API URL of the local server */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const KEY = 'sk_test_bench_emulator_0123456789';

/** The local Stripe emulator the checkout workload runs against (it records events, delivers none). */
export async function startCheckoutBackend(options: { priceId: string; webhookSecret: string }): Promise<CheckoutBackend> {
  const emulator: StripeEmulator = await createStripeEmulator({
    secretKey: KEY,
    webhookSecret: options.webhookSecret,
    deliveryMode: 'record',
    prices: [{ id: options.priceId, interval: 'month' }],
  });
  return {
    available: true,
    note: 'against the local Stripe emulator (same process as the load generator)',
    env: { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: emulator.url },
    stop: () => emulator.close(),
  };
}
