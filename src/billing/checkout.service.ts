import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { UUID_PATTERN } from '../common/pagination/cursor.js';
import { ownRowsPage } from '../common/pagination/own-rows-page.js';
import { AppConfig, type CataloguePrice, type PriceInterval } from '../config/app-config.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { CatalogueService } from './catalogue.service.js';
import { CheckoutSessionDto, STRIPE_UI_MODES, type CheckoutLocale } from './dto/billing.dto.js';
import { CheckoutSession, type CheckoutUiMode } from '../entitlements/entities/checkout-session.entity.js';
import { CheckoutLeaseService } from './checkout-lease.service.js';
import { OpenCheckoutSessionsService } from './open-checkout-sessions.service.js';
import { PurchaseRulesService } from './purchase-rules.service.js';
import { PackCreditsService } from '../entitlements/credits/pack-credits.service.js';
import { StripeCustomersService } from './stripe-customers.service.js';
import { hashedKey } from './state-keys.js';

/** Creates Checkout Sessions through Stripe and keeps each one, linked to its user. */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly catalogue: CatalogueService,
    private readonly customers: StripeCustomersService,
    private readonly rules: PurchaseRulesService,
    private readonly lease: CheckoutLeaseService,
    private readonly openSessions: OpenCheckoutSessionsService,
    private readonly packs: PackCreditsService,
  ) {}

  async create(userId: string, plan: string, interval: PriceInterval, idempotencyKey?: string, options: CheckoutOptions = {}): Promise<CheckoutSessionDto> {
    return this.start(userId, () => this.catalogue.resolve(plan, interval), idempotencyKey, options);
  }

  /** A one-time session for a credit pack (CREDIT_PACK_<NAME>): bought as often as wanted, its credits granted at fulfilment. */
  async createPack(userId: string, name: string, idempotencyKey?: string, options: CheckoutOptions = {}): Promise<CheckoutSessionDto> {
    return this.start(
      userId,
      () => {
        const pack = this.packs.pack(name);
        if (!pack) throw AppError.validation(`There is no credit pack "${name}"`, { pack: ['must be a pack name from GET /api/billing/credit-packs'] });
        return { plan: pack.name, interval: 'once', priceId: pack.priceId, mode: 'payment', creditPack: pack.name };
      },
      idempotencyKey,
      options,
    );
  }

  /** `purchase` names what is sold; it is asked only once Stripe is known to be there (without Stripe nothing is for sale: 503, not an unknown plan). */
  private async start(userId: string, purchase: () => Purchase, idempotencyKey?: string, options: CheckoutOptions = {}): Promise<CheckoutSessionDto> {
    const stripe = requireStripe(this.stripe);
    const price = purchase();
    const earlier = await this.byIdempotencyKey(userId, price, idempotencyKey, options.uiMode);
    if (earlier) return earlier;
    // one checkout of a user at a time (across instances), without holding a connection across Stripe calls
    return this.lease.run(userId, async () => {
      const replayed = await this.byIdempotencyKey(userId, price, idempotencyKey, options.uiMode);
      if (replayed) return replayed;
      // a pack is never owned: it can be bought again (its credits add up)
      const { trial } = price.creditPack ? { trial: null } : await this.rules.assertCanBuy(userId, price);
      const open = await this.openSessions.reuseOrExpire(userId, price, options.uiMode);
      if (open) return CheckoutSessionDto.from(open);
      await this.openSessions.makeRoom(userId, this.config.limits.maxOpenSessionsPerUser);
      return this.createForCustomer(stripe, userId, price, trial, idempotencyKey, options);
    });
  }

  /**
   * A customer deleted in Stripe (whose customer.deleted we missed) answers resource_missing on `customer`: it is
   * forgotten and the session created once more for a new customer, instead of failing the same way forever.
   */
  private async createForCustomer(
    stripe: Stripe,
    userId: string,
    price: Purchase,
    trial: number | null,
    idempotencyKey?: string,
    options: CheckoutOptions = {},
  ): Promise<CheckoutSessionDto> {
    try {
      return await this.createInStripe(stripe, userId, price, trial, idempotencyKey, options);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'resource_missing' || error.param !== 'customer') throw error;
      await this.customers.forget(userId, await this.customers.ensure(userId));
      return this.createInStripe(stripe, userId, price, trial, idempotencyKey, options);
    }
  }

  private async byIdempotencyKey(userId: string, price: Purchase, idempotencyKey?: string, uiMode: CheckoutUiMode = 'hosted'): Promise<CheckoutSessionDto | null> {
    if (!idempotencyKey) return null;
    const earlier = await this.db.getRepository(CheckoutSession).findOneBy({ userId, idempotencyKey });
    if (earlier && ((earlier.creditPack ?? earlier.plan) !== (price.creditPack ?? price.plan) || earlier.interval !== price.interval || earlier.uiMode !== uiMode)) {
      throw AppError.conflict('This Idempotency-Key was already used for another plan, pack, interval or uiMode');
    }
    return earlier ? CheckoutSessionDto.from(earlier) : null;
  }

  private async createInStripe(
    stripe: Stripe,
    userId: string,
    price: Purchase,
    trialDays: number | null,
    idempotencyKey?: string,
    options: CheckoutOptions = {},
  ): Promise<CheckoutSessionDto> {
    const sessions = this.db.getRepository(CheckoutSession);
    const customer = await this.customers.ensure(userId);
    const metadata: Record<string, string> = price.creditPack ? { userId, pack: price.creditPack } : { userId, plan: price.plan, interval: price.interval };
    const uiMode = options.uiMode ?? 'hosted';
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: price.mode,
      customer,
      client_reference_id: userId,
      metadata,
      line_items: [{ price: price.priceId, quantity: 1 }],
      ui_mode: STRIPE_UI_MODES[uiMode],
      // embedded and elements sessions come back to one URL (Stripe refuses success_url and cancel_url for them)
      ...(uiMode === 'hosted' ? { success_url: this.config.billing.successUrl, cancel_url: this.config.billing.cancelUrl } : { return_url: this.config.checkout.returnUrl }),
      ...this.checkoutOptions(options.locale),
      ...(price.mode === 'subscription' ? { subscription_data: { metadata, ...(trialDays ? { trial_period_days: trialDays } : {}) } } : { payment_intent_data: { metadata } }),
    };
    const session = await stripe.checkout.sessions.create(params, idempotencyKey ? { idempotencyKey: checkoutKey(userId, idempotencyKey, params) } : undefined);
    await sessions
      .createQueryBuilder()
      .insert()
      .values({
        stripeSessionId: session.id,
        userId,
        mode: price.mode,
        plan: price.creditPack ? null : price.plan,
        creditPack: price.creditPack ?? null,
        interval: price.interval,
        priceId: price.priceId,
        quantity: 1,
        status: 'open',
        paymentStatus: session.payment_status === 'paid' ? 'paid' : 'unpaid',
        amountSubtotal: session.amount_subtotal,
        amountDiscount: session.total_details?.amount_discount ?? null,
        amountTax: session.total_details?.amount_tax ?? null,
        amountTotal: session.amount_total,
        currency: session.currency,
        url: session.url,
        uiMode,
        // a bearer credential for this session: stored for its owner, never logged
        clientSecret: session.client_secret ?? null,
        expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : null,
        stripeCustomerId: customer,
        idempotencyKey: idempotencyKey ?? null,
      })
      // a concurrent request with the same key already stored this Stripe session
      .orIgnore()
      .execute();
    return CheckoutSessionDto.from(await sessions.findOneByOrFail({ stripeSessionId: session.id }));
  }

  /** The CHECKOUT_* options, in the names Stripe wants, and the request's locale. */
  private checkoutOptions(locale: CheckoutLocale | undefined): Partial<Stripe.Checkout.SessionCreateParams> {
    const c = this.config.checkout;
    return {
      ...(locale ? { locale } : {}),
      ...(c.allowPromotionCodes ? { allow_promotion_codes: true } : {}),
      ...(c.automaticTax ? { automatic_tax: { enabled: true } } : {}),
      ...(c.taxIdCollection ? { tax_id_collection: { enabled: true } } : {}),
      // with an existing customer, Stripe Tax needs the address Checkout collects saved to it, and tax ids need the name
      ...(c.automaticTax || c.taxIdCollection ? { customer_update: { ...(c.automaticTax ? { address: 'auto' as const } : {}), name: 'auto' as const } } : {}),
      ...(c.billingAddressCollection ? { billing_address_collection: c.billingAddressCollection } : {}),
      ...(c.termsOfService ? { consent_collection: { terms_of_service: c.termsOfService } } : {}),
    };
  }

  async list(userId: string, limit = 20, cursor?: string): Promise<{ items: CheckoutSessionDto[]; nextCursor: string | null }> {
    return ownRowsPage(this.db.getRepository(CheckoutSession), { userId, limit, cursor }, (row) => CheckoutSessionDto.from(row));
  }

  /** The caller's own session by our id or Stripe's `cs_…` id; anyone else's is "not found". */
  async findOwn(userId: string, id: string): Promise<CheckoutSession> {
    const repo = this.db.getRepository(CheckoutSession);
    const row = UUID_PATTERN.test(id) ? await repo.findOneBy({ id, userId }) : /^cs_[A-Za-z0-9_]{1,250}$/.test(id) ? await repo.findOneBy({ stripeSessionId: id, userId }) : null;
    if (!row) throw AppError.notFound('Checkout session');
    return row;
  }
}

/**
 * Stripe's idempotency key for a checkout made with the client's Idempotency-Key: a retry with the same parameters gets
 * Stripe's first answer back (no second session). The parameters are part of the key because Stripe refuses a key
 * reused with other parameters, for 24 hours: an instance that died after Stripe made the session, retried on one with
 * other URLs (a rolling deploy), or a customer made anew after Stripe deleted the old one, would otherwise answer 502
 * to that client until then. A session made with the old parameters was never handed out, and expires unpaid.
 */
function checkoutKey(userId: string, clientKey: string, params: Stripe.Checkout.SessionCreateParams): string {
  return hashedKey('checkout', userId, [clientKey, JSON.stringify(params)]);
}

/** What a checkout sells: a catalogue price, or a credit pack (whose `plan` is the pack's name, never stored as a plan). */
export type Purchase = CataloguePrice & { creditPack?: string };

/** What the buyer chose beyond plan and interval. */
export interface CheckoutOptions {
  uiMode?: CheckoutUiMode;
  locale?: CheckoutLocale;
}
