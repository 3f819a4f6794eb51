import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import Stripe from 'stripe';
import { AppConfig, ConfigError, type CataloguePrice } from '../config/app-config.js';
import { redactKeys } from '../common/errors/all-exceptions.filter.js';
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
  checkedAt: Date | null;
  problems: string[];
  prices: PriceCheck[];
}

/** Why a catalogue price does not fit its variable, or null when it does. */
export function priceProblem(entry: CataloguePrice, price: Stripe.Price): string | null {
  if (!price.active) return 'the price is archived (inactive) in Stripe';
  if (entry.interval === 'once') return price.type === 'one_time' ? null : `ONCE needs a one-time price, Stripe has a recurring one (${price.recurring?.interval})`;
  if (price.type !== 'recurring' || !price.recurring) return `${entry.interval === 'month' ? 'MONTHLY' : 'YEARLY'} needs a recurring price, Stripe has a one-time one`;
  if (price.recurring.interval !== entry.interval) return `the price recurs every ${price.recurring.interval}, the variable says ${entry.interval}`;
  return null;
}

/**
 * Checks the Stripe configuration once at start: the key's mode, webhook secrets, and each catalogue
 * price as Stripe returns it. Every problem is one log line; in production a missing webhook secret or a
 * price Stripe does not know stops the start. The result is served at GET /api/admin/stripe/status.
 */
@Injectable()
export class StripeConfigCheckService implements OnApplicationBootstrap {
  private readonly logger = new Logger('StripeConfig');
  private status: StripeConfigStatus;

  constructor(
    private readonly config: AppConfig,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
  ) {
    this.status = this.unchecked();
  }

  current(): StripeConfigStatus {
    return this.status;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.stripe) return;
    this.status = await this.check(this.stripe);
    for (const problem of this.status.problems) this.logger.warn(problem);
    if (this.config.env !== 'production') return;
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
    for (const price of prices) if (price.problem) problems.push(`STRIPE_PRICE_${price.plan.toUpperCase()}_${variableInterval(price.interval)} (${price.priceId}): ${price.problem}`);
    return { mode: s.mode, webhookSecrets: s.webhookSecrets.length, checkedAt: new Date(), problems, prices };
  }

  private async checkPrice(stripe: Stripe, entry: CataloguePrice): Promise<PriceCheck> {
    const base = { plan: entry.plan, interval: entry.interval, priceId: entry.priceId };
    try {
      const price = await stripe.prices.retrieve(entry.priceId);
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
    const problem = s.secretKey ? 'not checked yet' : 'STRIPE_SECRET_KEY is not set';
    return {
      mode: s.mode,
      webhookSecrets: s.webhookSecrets.length,
      checkedAt: null,
      problems: s.secretKey ? [] : [problem],
      prices: billing.catalogue.map((p) => ({ plan: p.plan, interval: p.interval, priceId: p.priceId, ok: false, problem })),
    };
  }
}

function variableInterval(interval: CataloguePrice['interval']): string {
  return interval === 'month' ? 'MONTHLY' : interval === 'year' ? 'YEARLY' : 'ONCE';
}
