export interface CheckoutBackend {
  available: boolean;
  note: string;
  /** environment for the service: the Stripe key and API URL of the local server */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The local Stripe server the checkout workload runs against. */
export async function startCheckoutBackend(_options: { priceId: string; webhookSecret: string }): Promise<CheckoutBackend> {
  return { available: false, note: 'no local Stripe server in this build', env: {}, stop: async () => undefined };
}
