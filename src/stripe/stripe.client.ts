import Stripe from 'stripe';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

/** Injection token of the one configured Stripe SDK client (`null` when STRIPE_SECRET_KEY is unset). */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/** The API version every request pins, so Stripe's answers keep the shape this code was written for. */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

/** Builds the SDK client from configuration: the API URL (real Stripe, stripe-mock or the local emulator), retries, timeout. */
export function createStripeClient(config: AppConfig): Stripe | null {
  const { secretKey, apiUrl } = config.stripe;
  if (!secretKey) return null;
  const url = new URL(apiUrl);
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 2,
    timeout: 10_000,
    telemetry: false,
    appInfo: { name: 'stripe-checkout-service', version: '0.1.0' },
  });
}

/** The client, or the contract's 503 `stripe_not_configured`. */
export function requireStripe(client: Stripe | null): Stripe {
  if (!client) throw new AppError(ErrorCode.StripeNotConfigured, 'Stripe is not configured on this server (STRIPE_SECRET_KEY is unset)');
  return client;
}
