import Stripe from 'stripe';
import type { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/errors/app-error.js';
import { BusyError } from '../common/errors/busy-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { currentStripeCaller } from './stripe-caller.js';

/** Injection token of the one configured Stripe SDK client (`null` when STRIPE_SECRET_KEY is unset). */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/** The API version every request pins, so Stripe's answers keep the shape this code was written for. */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

/**
 * Thrown (inside the SDK, which wraps it in a StripeConnectionError) when STRIPE_MAX_CONCURRENCY requests
 * are already in flight: a slow Stripe then costs callers a quick 503 (the exception filter knows BusyError), not a
 * queue of sockets and memory.
 */
export class StripeBusyError extends BusyError {
  readonly code = 'stripe_concurrency_limit';
  constructor(limit: number) {
    super(`${limit} Stripe requests are already in flight on this instance (STRIPE_MAX_CONCURRENCY)`);
    this.name = 'StripeBusyError';
  }
}

/** Thrown like StripeBusyError when one caller (a user) already has STRIPE_MAX_CONCURRENCY_PER_USER calls in flight. */
export class StripeCallerBusyError extends BusyError {
  readonly code = 'stripe_concurrency_limit_per_user';
  constructor(limit: number) {
    super(`${limit} Stripe requests of this user are already in flight on this instance (STRIPE_MAX_CONCURRENCY_PER_USER)`);
    this.name = 'StripeCallerBusyError';
  }
}

/**
 * The SDK's Node HTTP client with a cap on requests in flight (each try counts once), and a smaller cap per caller
 * (the user whose request makes the call, see stripe-caller.ts), so one user's flood leaves slots for everyone else.
 */
export class ConcurrencyLimitedHttpClient extends Stripe.HttpClient {
  private inFlight = 0;
  private readonly perCaller = new Map<string, number>();
  private readonly inner = Stripe.createNodeHttpClient();

  constructor(
    private readonly limit: number,
    private readonly perCallerLimit = limit,
  ) {
    super();
  }

  override getClientName(): string {
    return 'node-limited';
  }

  override makeRequest(...args: Parameters<InstanceType<typeof Stripe.HttpClient>['makeRequest']>): ReturnType<InstanceType<typeof Stripe.HttpClient>['makeRequest']> {
    const key = currentStripeCaller();
    const mine = key === undefined ? 0 : (this.perCaller.get(key) ?? 0);
    // a rejected promise, never a throw: the SDK only handles failures of the returned promise
    if (key !== undefined && mine >= this.perCallerLimit) return Promise.reject(new StripeCallerBusyError(this.perCallerLimit));
    if (this.inFlight >= this.limit) return Promise.reject(new StripeBusyError(this.limit));
    this.inFlight += 1;
    if (key !== undefined) this.perCaller.set(key, mine + 1);
    const release = () => {
      this.inFlight -= 1;
      if (key === undefined) return;
      const left = (this.perCaller.get(key) ?? 1) - 1;
      if (left > 0) this.perCaller.set(key, left);
      else this.perCaller.delete(key);
    };
    return this.inner.makeRequest(...args).then(
      (response) => (release(), response),
      (error: unknown) => {
        release();
        throw error;
      },
    );
  }
}

/**
 * Builds the SDK client from configuration: the API URL (real Stripe, stripe-mock or the local emulator), and what
 * keeps a slow Stripe from taking the service down with it: a short per-try timeout (STRIPE_TIMEOUT_MS), few retries
 * (STRIPE_MAX_NETWORK_RETRIES) and a cap on requests in flight (STRIPE_MAX_CONCURRENCY, STRIPE_MAX_CONCURRENCY_PER_USER per user). No caller holds a
 * transaction or a pooled connection across a call (see StripeCustomersService).
 */
export function createStripeClient(config: AppConfig): Stripe | null {
  const { secretKey, apiUrl, timeoutMs, maxNetworkRetries, maxConcurrency } = config.stripe;
  const perUser = Math.min(config.limits.stripeConcurrencyPerUser, maxConcurrency);
  if (!secretKey) return null;
  const url = new URL(apiUrl);
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries,
    timeout: timeoutMs,
    httpClient: new ConcurrencyLimitedHttpClient(maxConcurrency, perUser),
    telemetry: false,
    appInfo: { name: 'stripe-checkout-service', version: '0.1.0' },
  });
}

/** The client, or the contract's 503 `stripe_not_configured`. */
export function requireStripe(client: Stripe | null): Stripe {
  if (!client) throw new AppError(ErrorCode.StripeNotConfigured, 'Stripe is not configured on this server (STRIPE_SECRET_KEY is unset)');
  return client;
}
