import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import Stripe from 'stripe';
import { AppConfig, ConfigError, INTERVALS, type CataloguePrice } from '../config/app-config.js';
import { redactKeys } from '../common/errors/all-exceptions.filter.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import { STRIPE_CLIENT } from '../stripe/stripe.client.js';

export interface PriceCheck {
  plan: string;
  interval: CataloguePrice['interval'];
  priceId: string;
  ok: boolean;
  problem: string | null;
}

export interface StripeConfigStatus {
  mode: 'test' | 'live' | null;
  webhookSecrets: number;
  /** true while the check runs (outside production it runs in the background after start) */
  pending: boolean;
  checkedAt: Date | null;
  problems: string[];
  prices: PriceCheck[];
}

/** Why a catalogue price does not fit its variable, or null when it does. */
export function priceProblem(entry: CataloguePrice, price: Stripe.Price): string | null {
  if (!price.active) return 'the price is archived (inactive) in Stripe';
  if (entry.interval === 'once') return price.type === 'one_time' ? null : `ONCE needs a one-time price, Stripe has a recurring one (${price.recurring?.interval})`;
  if (price.type !== 'recurring' || !price.recurring) return `${variableInterval(entry.interval)} needs a recurring price, Stripe has a one-time one`;
  if (price.recurring.interval !== entry.interval) return `the price recurs every ${price.recurring.interval}, the variable says ${entry.interval}`;
  return null;
}

/** Each price is asked once, with no retry and at most this long: an unreachable Stripe delays nothing for long. */
export const CHECK_TIMEOUT_MS = 5000;

/**
 * Checks the Stripe configuration once at start: the key's mode, webhook secrets, and each catalogue
 * price as Stripe returns it. Every problem is one log line. The result is served at GET /api/admin/stripe/status.
 *
 * Outside production the check runs in the background: the service listens at once and the status route says
 * `pending: true, checkedAt: null` until it is done. In production (a documented choice) it still runs before
 * listening, so that a missing webhook secret or a price Stripe does not know stops the start, but each price
 * gets one try of at most CHECK_TIMEOUT_MS (concurrently): an unreachable Stripe delays the start by about 5 s,
 * is logged as "could not be checked", and does not stop it.
 */
@Injectable()
export class StripeConfigCheckService implements OnApplicationBootstrap {
  private readonly logger = new Logger('StripeConfig');
  private status: StripeConfigStatus;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    private readonly plans: PlanCatalogueService,
  ) {
    this.status = this.unchecked();
  }

  current(): StripeConfigStatus {
    return this.status;
  }

  /** Resolves once the start-up check has finished (at once without a key). */
  settled(): Promise<void> {
    return this.running;
  }

  async onApplicationBootstrap(): Promise<void> {
    const stripe = this.stripe;
    if (!stripe) return;
    const run = async () => {
      this.status = await this.check(stripe);
      for (const problem of this.status.problems) this.logger.warn(problem);
    };
    if (this.config.env !== 'production') {
      this.running = run().catch((error: unknown) => {
        this.status = { ...this.status, pending: false };
        this.logger.warn(`Stripe configuration check failed to run: ${error instanceof Error ? redactKeys(error.message) : String(error)}`);
      });
      return;
    }
    await (this.running = run());
    const fatal = this.status.problems.filter((p) => p.startsWith('STRIPE_WEBHOOK_SECRET') || p.includes('unknown to Stripe'));
    if (fatal.length) throw new ConfigError(`Stripe configuration check failed: ${fatal.join('; ')}`);
  }

  async check(stripe: Stripe): Promise<StripeConfigStatus> {
    const { stripe: s, billing } = this.config;
    const problems: string[] = [];
    if (!s.webhookSecrets.length) problems.push('STRIPE_WEBHOOK_SECRET is not set: webhooks answer 503 and plans change only through confirm/sync/recovery');
    if (s.mode === 'live' && s.apiUrl !== 'https://api.stripe.com') problems.push(`STRIPE_API_URL points a live key at ${s.apiUrl}`);
    if (!billing.catalogue.length) problems.push('No STRIPE_PRICE_<PLAN>_<INTERVAL> variable is set: the catalogue is empty');
    const prices = await Promise.all(billing.catalogue.map((entry) => this.checkPrice(stripe, entry)));
    for (const price of prices)
      if (price.problem) problems.push(`STRIPE_PRICE_${price.plan.toUpperCase()}_${variableInterval(price.interval)} (${price.priceId}): ${price.problem}`);
    problems.push(...(await this.checkoutOptionProblems(stripe)));
    problems.push(...(await this.meterProblems(stripe)));
    return { mode: s.mode, webhookSecrets: s.webhookSecrets.length, pending: false, checkedAt: new Date(), problems, prices };
  }

  /**
   * CHECKOUT_* settings Stripe would refuse on every session. CHECKOUT_AUTOMATIC_TAX needs Stripe Tax set up on the
   * account (tax settings `active`: a head office address, a default tax behaviour): otherwise Stripe answers
   * every session create with an error. The other options need nothing Stripe's API can show.
   */
  private async checkoutOptionProblems(stripe: Stripe): Promise<string[]> {
    if (!this.config.checkout.automaticTax) return [];
    try {
      const settings = await stripe.tax.settings.retrieve({}, { timeout: Math.min(CHECK_TIMEOUT_MS, this.config.stripe.timeoutMs), maxNetworkRetries: 0 });
      if (settings.status === 'active') return [];
      const missing = settings.status_details?.pending?.missing_fields ?? [];
      return [
        `CHECKOUT_AUTOMATIC_TAX=true, but Stripe Tax is not active on this account (status ${settings.status}${missing.length ? `, missing ${missing.join(', ')}` : ''}): ` +
          'Stripe refuses every checkout session until it is set up (Dashboard → Settings → Tax) or the variable is turned off',
      ];
    } catch (error) {
      return [`CHECKOUT_AUTOMATIC_TAX=true: the account's tax settings could not be checked: ${error instanceof Error ? redactKeys(error.message) : 'unknown error'}`];
    }
  }

  /**
   * STRIPE_METER_<FEATURE> names a Billing Meter by its event name: without an active meter of that name Stripe
   * accepts the overage's meter events and bills none of them.
   */
  private async meterProblems(stripe: Stripe): Promise<string[]> {
    const wanted = Object.entries(this.config.usage.meters);
    if (!wanted.length) return [];
    try {
      const meters = await stripe.billing.meters
        .list({ status: 'active', limit: 100 }, { timeout: Math.min(CHECK_TIMEOUT_MS, this.config.stripe.timeoutMs), maxNetworkRetries: 0 })
        .autoPagingToArray({ limit: 1000 });
      const active = new Set(meters.map((m) => m.event_name));
      return wanted
        .filter(([, eventName]) => !active.has(eventName))
        .map(
          ([feature, eventName]) => `STRIPE_METER_${feature.toUpperCase()} (${eventName}): no active Billing Meter has this event name: the overage sent to it is billed to nobody`,
        );
    } catch (error) {
      return [`STRIPE_METER_*: the Billing Meters could not be checked: ${error instanceof Error ? redactKeys(error.message) : 'unknown error'}`];
    }
  }

  private async checkPrice(stripe: Stripe, entry: CataloguePrice): Promise<PriceCheck> {
    const base = { plan: entry.plan, interval: entry.interval, priceId: entry.priceId };
    try {
      const price = await stripe.prices.retrieve(entry.priceId, {}, { timeout: Math.min(CHECK_TIMEOUT_MS, this.config.stripe.timeoutMs), maxNetworkRetries: 0 });
      // other prices of the same product (new or grandfathered ones) then map to this plan too
      this.plans.learnProduct(entry, price);
      const problem = priceProblem(entry, price);
      return { ...base, ok: problem === null, problem };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) {
        return { ...base, ok: false, problem: 'the price is unknown to Stripe (wrong id, or from the other mode or account)' };
      }
      const reason = error instanceof Error ? redactKeys(error.message) : 'unknown error';
      return { ...base, ok: false, problem: `could not be checked: ${reason}` };
    }
  }

  private unchecked(): StripeConfigStatus {
    const { stripe: s, billing } = this.config;
    const problem = s.secretKey ? 'not checked yet (the check is pending)' : 'STRIPE_SECRET_KEY is not set';
    return {
      mode: s.mode,
      webhookSecrets: s.webhookSecrets.length,
      pending: Boolean(s.secretKey),
      checkedAt: null,
      problems: s.secretKey ? [] : [problem],
      prices: billing.catalogue.map((p) => ({ plan: p.plan, interval: p.interval, priceId: p.priceId, ok: false, problem })),
    };
  }
}

/** `month` → `MONTHLY`: the `<INTERVAL>` of the price's variable, from the configuration's own table. */
function variableInterval(interval: CataloguePrice['interval']): string {
  return Object.keys(INTERVALS).find((name) => INTERVALS[name] === interval)!;
}
