import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import {
  activeEntitlementObject,
  activeEntitlementSummaryObject,
  addInterval,
  billingPortalSessionObject,
  checkoutSessionObject,
  clone,
  customerDetailsObject,
  customerObject,
  isDecimal,
  stripeEvent,
  type EventPayload,
  invoiceLineObject,
  invoiceObject,
  priceObject,
  productIdFor,
  subscriptionItemObject,
  subscriptionObject,
} from './objects.js';
import { cardError, CustomerPayments, paymentBehavior, pendingUpdate, unpaidInvoice, withPendingUpdateApplied } from './payments.js';
import { ScheduleBook } from './schedules.js';
import { meteredTotal, meterEventName } from './meter-events.js';
import type { WebhookDelivery } from './webhook-delivery.js';

type Params = Record<string, unknown>;

interface SessionRecord {
  session: Stripe.Checkout.Session;
  price: Stripe.Price;
  quantity: number;
  /** a delayed payment that failed (Stripe leaves payment_status unpaid) */
  paymentFailed?: boolean;
  /** `subscription_data[metadata]`: the subscription's metadata (Stripe does not copy the session's) */
  subscriptionMetadata?: Record<string, string>;
  /** `subscription_data[trial_period_days]`: the trial runs that many days from the payment */
  trialPeriodDays?: number;
  /** `subscription_data[trial_end]` (unix seconds) */
  trialEnd?: number;
  /** `customer_update`: what Checkout saves onto the customer when it completes */
  customerUpdate?: { address?: string; name?: string };
  /** the promotion code the customer entered on the page */
  promotionCode?: PromotionCode;
}

export interface PromotionCodeSeed {
  /** what the customer types, e.g. WELCOME20 */
  code: string;
  percentOff?: number;
  /** in the price's minor unit */
  amountOff?: number;
}

interface PromotionCode extends PromotionCodeSeed {
  id: string;
  coupon: string;
}

/** The emulator's Stripe Tax: this share of the discounted subtotal, for any address. */
export const EMULATOR_TAX_RATE = 0.1;
/** Where a customer who types no address lives, when Checkout collects one (Stripe's own test address). */
const TEST_ADDRESS: Stripe.Address = { city: 'South San Francisco', country: 'US', line1: '354 Oyster Point Blvd', line2: null, postal_code: '94080', state: 'CA' };
/** How many entitlements a summary event carries before it says `has_more` (the rest: GET /v1/entitlements/active_entitlements). */
const SUMMARY_PAGE = 10;

export interface PriceSeed {
  id: string;
  interval: 'month' | 'year' | 'once';
  unitAmount?: number;
  currency?: string;
  active?: boolean;
  nickname?: string;
  /** the price's product (`prod_…`); by default derived from the id, one product per plan (see `productIdFor`) */
  product?: string;
  /** Stripe's `lookup_key` (`lookup_key` is accepted too, in Stripe's spelling) */
  lookupKey?: string;
  lookup_key?: string;
  /** a metered price of this Billing Meter (`mtr_…`): billed in arrears, on the renewal invoice, for what the meter summed */
  meter?: string;
}

type SubscriptionStatus = Stripe.Subscription.Status;
/** The event types whose object is a subscription. */
type SubscriptionEventType = Extract<Stripe.Event, { data: { object: Stripe.Subscription } }>['type'];
type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

const SUBSCRIPTION_STATUSES: readonly string[] = ['active', 'canceled', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'];
/** statuses after which Stripe never changes a subscription again (only metadata and cancellation_details) */
const ENDED: ReadonlySet<string> = new Set(['canceled', 'incomplete_expired']);
/** `ui_mode` values of this API version, and the older names Stripe still maps onto them */
const UI_MODES: Record<string, string> = {
  hosted_page: 'hosted_page',
  embedded_page: 'embedded_page',
  elements: 'elements',
  form: 'form',
  hosted: 'hosted_page',
  embedded: 'embedded_page',
  custom: 'elements',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The emulator's in-memory Stripe account: objects, their life cycles, and the events they emit. */
export class EmulatorStore {
  readonly customers = new Map<string, Stripe.Customer>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  /** every invoice the subscriptions made, by id */
  readonly invoices = new Map<string, Stripe.Invoice>();
  /** proration lines of `create_prorations` updates, by subscription: billed on its next invoice */
  readonly pendingProrations = new Map<string, Stripe.InvoiceLineItem[]>();
  /** newest last */
  readonly events: Stripe.Event[] = [];
  /** promotion codes customers can enter on sessions with `allow_promotion_codes`, by code */
  readonly promotionCodes = new Map<string, PromotionCode>();
  /** Stripe Entitlements: each customer's active entitlements */
  readonly activeEntitlements = new Map<string, Stripe.Entitlements.ActiveEntitlement[]>();
  /** one feature per lookup_key, as Stripe's Features API keeps them */
  private readonly features = new Map<string, string>();
  /** the account's Stripe Tax settings (`GET /v1/tax/settings`): `pending` refuses `automatic_tax` */
  taxSettingsStatus: 'active' | 'pending' = 'active';
  /** each customer's saved card: whether charging it succeeds, is declined or needs 3-D Secure */
  readonly payments = new CustomerPayments();
  /** subscription schedules (`/v1/subscription_schedules`) */
  readonly schedules = new ScheduleBook(this);

  constructor(
    private readonly baseUrl: () => string,
    private readonly delivery: WebhookDelivery,
  ) {}

  seedPrice(seed: PriceSeed): Stripe.Price {
    const price = priceObject({
      id: seed.id,
      active: seed.active ?? true,
      currency: seed.currency ?? 'usd',
      unit_amount: seed.unitAmount ?? (seed.interval === 'year' ? 20000 : seed.interval === 'once' ? 49900 : 2000),
      nickname: seed.nickname ?? null,
      product: seed.product ?? productIdFor(seed.id),
      lookup_key: seed.lookupKey ?? seed.lookup_key ?? null,
      type: seed.interval === 'once' ? 'one_time' : 'recurring',
      recurring:
        seed.interval === 'once'
          ? null
          : { interval: seed.interval, interval_count: 1, meter: seed.meter ?? null, usage_type: seed.meter ? 'metered' : 'licensed', trial_period_days: null },
    });
    this.prices.set(price.id, price);
    return price;
  }

  seedPromotionCode(seed: PromotionCodeSeed): void {
    if ((seed.percentOff === undefined) === (seed.amountOff === undefined)) throw new Error('A promotion code needs one of percentOff and amountOff');
    this.promotionCodes.set(seed.code.toUpperCase(), { ...seed, code: seed.code.toUpperCase(), id: stripeId('promo', 14), coupon: stripeId('coupon', 8).replace('coupon_', '') });
  }

  // --- customers ---------------------------------------------------------------------------------

  createCustomer(params: Params): Stripe.Customer {
    const customer = customerObject({ email: str(params.email) ?? null, name: str(params.name) ?? null, metadata: (params.metadata as Record<string, string>) ?? {} });
    this.customers.set(customer.id, customer);
    return customer;
  }

  customer(id: string): Stripe.Customer {
    const customer = this.customers.get(id);
    if (!customer) throw EmulatorError.missing('customer', id);
    return customer;
  }

  price(id: string, param = 'id'): Stripe.Price {
    const price = this.prices.get(id);
    if (!price) throw EmulatorError.missing('price', id, param);
    return price;
  }

  // --- checkout sessions ---------------------------------------------------------------------------

  createCheckoutSession(params: Params): Stripe.Checkout.Session {
    const mode = str(params.mode);
    if (mode !== 'payment' && mode !== 'subscription') throw EmulatorError.invalid('Invalid mode: must be one of payment, setup, or subscription', 'mode');
    const uiModeParam = str(params.ui_mode);
    const uiMode = uiModeParam === undefined ? 'hosted_page' : UI_MODES[uiModeParam];
    if (!uiMode) throw EmulatorError.invalid('Invalid ui_mode: must be one of elements, embedded_page, form, or hosted_page', 'ui_mode');
    const hosted = uiMode === 'hosted_page';
    const successUrl = str(params.success_url);
    const returnUrl = str(params.return_url);
    if (hosted && !successUrl) throw EmulatorError.invalid('Missing required param: success_url.', 'success_url');
    if (hosted && returnUrl) throw EmulatorError.invalid('You can only pass `return_url` when `ui_mode` is `embedded_page`, `elements` or `form`.', 'return_url');
    if (!hosted && successUrl) throw EmulatorError.invalid(`You cannot pass \`success_url\` when \`ui_mode\` is \`${uiMode}\`; use \`return_url\` instead.`, 'success_url');
    if (!hosted && !returnUrl && params.redirect_on_completion !== 'never') throw EmulatorError.invalid('Missing required param: return_url.', 'return_url');
    const subscriptionData = params.subscription_data as Params | undefined;
    if (subscriptionData !== undefined && mode !== 'subscription')
      throw EmulatorError.invalid('You can only pass `subscription_data` in `subscription` mode.', 'subscription_data');
    const trial = this.checkoutTrial(subscriptionData);
    const hasTrial = trial.trialPeriodDays !== undefined || trial.trialEnd !== undefined;
    const items = (params.line_items as Array<{ price?: string; quantity?: string }> | undefined) ?? [];
    if (items.length !== 1 || !items[0].price) throw EmulatorError.invalid('The emulator supports exactly one line item with a price', 'line_items');
    const price = this.price(items[0].price, 'line_items[0][price]');
    if (!price.active) throw EmulatorError.invalid(`The price specified (${price.id}) is inactive.`, 'line_items[0][price]');
    if (mode === 'subscription' && price.type !== 'recurring')
      throw EmulatorError.invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
    if (mode === 'payment' && price.type === 'recurring')
      throw EmulatorError.invalid('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', 'line_items');
    const customerId = str(params.customer);
    // like Stripe: an unknown (e.g. deleted) customer is resource_missing on the `customer` parameter
    if (customerId && !this.customers.has(customerId)) throw EmulatorError.missing('customer', customerId, 'customer');
    const quantity = Number(items[0].quantity ?? 1);
    const created = nowSeconds();
    const id = stripeId('cs_test', 58);
    // with a trial nothing is due today: Checkout's totals are those of the first ($0) invoice
    const amount = hasTrial ? 0 : (price.unit_amount ?? 0) * quantity;
    const automaticTax = (params.automatic_tax as Params | undefined)?.enabled === 'true';
    const customerUpdate = (params.customer_update as { address?: string; name?: string } | undefined) ?? {};
    if (params.customer_update !== undefined && !customerId) throw EmulatorError.invalid('`customer_update` can only be used with `customer`.', 'customer_update');
    const existing = customerId ? this.customer(customerId) : null;
    if (automaticTax) {
      if (this.taxSettingsStatus !== 'active') {
        throw EmulatorError.invalid(
          'Stripe Tax has not been activated on your account. Please visit https://dashboard.stripe.com/settings/tax/activate to get started.',
          'automatic_tax[enabled]',
        );
      }
      if (existing && !existing.address && customerUpdate.address !== 'auto' && (customerUpdate as { shipping?: string }).shipping !== 'auto') {
        throw EmulatorError.invalid(
          "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
          'customer_update[address]',
        );
      }
    }
    const taxIds = (params.tax_id_collection as Params | undefined)?.enabled === 'true';
    if (taxIds && existing && customerUpdate.name !== 'auto') {
      throw EmulatorError.invalid("`tax_id_collection[enabled]=true` with an existing customer requires `customer_update[name]` to be 'auto'.", 'customer_update[name]');
    }
    const billingAddress = str(params.billing_address_collection);
    if (billingAddress !== undefined && billingAddress !== 'auto' && billingAddress !== 'required')
      throw EmulatorError.invalid('Invalid billing_address_collection: must be one of auto or required', 'billing_address_collection');
    const termsOfService = str((params.consent_collection as Params | undefined)?.terms_of_service);
    if (termsOfService !== undefined && termsOfService !== 'none' && termsOfService !== 'required')
      throw EmulatorError.invalid('Invalid consent_collection[terms_of_service]: must be one of none or required', 'consent_collection[terms_of_service]');
    // Stripe computes tax at once when the customer's address is known, otherwise when Checkout collects it
    const taxNow = automaticTax && !!existing?.address;
    const totals = checkoutTotals(amount, undefined, taxNow);
    const session = checkoutSessionObject({
      id,
      created,
      mode,
      customer: customerId ?? null,
      customer_email: str(params.customer_email) ?? null,
      client_reference_id: str(params.client_reference_id) ?? null,
      metadata: (params.metadata as Record<string, string>) ?? {},
      success_url: successUrl ?? null,
      cancel_url: str(params.cancel_url) ?? null,
      amount_subtotal: totals.subtotal,
      amount_total: totals.total,
      total_details: { amount_discount: totals.discount, amount_shipping: 0, amount_tax: totals.tax },
      currency: price.currency,
      expires_at: Number(params.expires_at) || created + 24 * 3600,
      ui_mode: uiMode,
      url: hosted ? `${this.baseUrl()}/checkout/${id}` : null,
      client_secret: hosted ? null : `${id}_secret_${stripeId('x', 24).slice(2)}`,
      ...(hosted ? {} : { return_url: returnUrl, redirect_on_completion: str(params.redirect_on_completion) ?? 'always' }),
      locale: str(params.locale) ?? null,
      allow_promotion_codes: params.allow_promotion_codes === undefined ? null : params.allow_promotion_codes === 'true',
      automatic_tax: {
        enabled: automaticTax,
        liability: automaticTax ? { type: 'self' } : null,
        provider: automaticTax ? 'stripe' : null,
        status: automaticTax ? (taxNow ? 'complete' : 'requires_location_inputs') : null,
      },
      tax_id_collection: { enabled: taxIds, required: 'never' },
      billing_address_collection: billingAddress ?? null,
      consent_collection: termsOfService
        ? { payment_method_reuse_agreement: null, promotions: null, terms_of_service: termsOfService as Stripe.Checkout.Session.ConsentCollection.TermsOfService }
        : null,
      payment_method_collection: str(params.payment_method_collection) ?? 'always',
    });
    const subscriptionMetadata = (subscriptionData?.metadata as Record<string, string> | undefined) ?? {};
    this.sessions.set(id, { session, price, quantity, subscriptionMetadata, customerUpdate, ...trial });
    return session;
  }

  /** The record of an embedded or elements session, found by its client secret (what Stripe.js mounts with). */
  sessionByClientSecret(clientSecret: string): SessionRecord | undefined {
    return [...this.sessions.values()].find((r) => r.session.client_secret !== null && r.session.client_secret === clientSecret);
  }

  /** The customer enters a promotion code on the page (sessions with `allow_promotion_codes` only); the totals change. */
  applyPromotionCode(id: string, code: string): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'open') throw EmulatorError.invalid(`This Checkout Session is ${record.session.status}`);
    if (!record.session.allow_promotion_codes) throw EmulatorError.invalid('This Checkout Session does not accept promotion codes.', 'promotion_code');
    const promotion = this.promotionCodes.get(code.trim().toUpperCase());
    if (!promotion) throw EmulatorError.invalid('This code is invalid.', 'promotion_code');
    record.promotionCode = promotion;
    const totals = checkoutTotals(record.session.amount_subtotal ?? 0, promotion, record.session.automatic_tax.status === 'complete');
    record.session = {
      ...record.session,
      amount_total: totals.total,
      total_details: { ...record.session.total_details!, amount_discount: totals.discount, amount_tax: totals.tax },
      discounts: [{ coupon: promotion.coupon, promotion_code: promotion.id }],
    };
    return record.session;
  }

  /** `subscription_data[trial_period_days]` (1–730) or `subscription_data[trial_end]` (a future unix time). */
  private checkoutTrial(data: Params | undefined): { trialPeriodDays?: number; trialEnd?: number } {
    const days = data?.trial_period_days;
    const end = data?.trial_end;
    const given = (v: unknown) => v !== undefined && v !== '';
    if (given(days) && given(end)) throw EmulatorError.invalid('You may only specify one of these parameters: trial_end, trial_period_days.', 'subscription_data[trial_end]');
    if (given(days)) {
      const n = Number(days);
      if (!Number.isInteger(n) || n < 1 || n > 730)
        throw EmulatorError.invalid('subscription_data[trial_period_days] must be an integer between 1 and 730.', 'subscription_data[trial_period_days]');
      return { trialPeriodDays: n };
    }
    if (given(end)) {
      const at = Number(end);
      if (!Number.isInteger(at) || at <= nowSeconds())
        throw EmulatorError.invalid('subscription_data[trial_end] must be a unix timestamp in the future.', 'subscription_data[trial_end]');
      return { trialEnd: at };
    }
    return {};
  }

  sessionRecord(id: string): SessionRecord {
    const record = this.sessions.get(id);
    if (!record) throw EmulatorError.missing('checkout.session', id, 'session');
    return record;
  }

  expireCheckout(id: string): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'open')
      throw EmulatorError.invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${record.session.status}".`);
    record.session = { ...record.session, status: 'expired', url: null };
    this.emit({ type: 'checkout.session.expired', data: { object: record.session } });
    return record.session;
  }

  /** Expires open sessions whose `expires_at` has passed. */
  expireDue(now = nowSeconds()): void {
    for (const record of this.sessions.values()) {
      if (record.session.status === 'open' && record.session.expires_at <= now) this.expireCheckout(record.session.id);
    }
  }

  /** The customer pays on the hosted page: `async_pending` is a delayed method (bank debit) not yet settled. */
  completeCheckout(id: string, outcome: 'paid' | 'async_pending' = 'paid'): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    const { session, price, quantity } = record;
    if (session.status !== 'open') throw EmulatorError.invalid(`This Checkout Session is ${session.status}`);
    const customerId = (session.customer as string | null) ?? this.createCustomer({ email: session.customer_email ?? 'customer@example.com' }).id;
    const email = this.customers.get(customerId)?.email ?? session.customer_email ?? 'customer@example.com';
    // Checkout collects an address for tax (or when asked to), and saves it (and the name) when customer_update says so
    const collectsAddress = session.automatic_tax.enabled || session.billing_address_collection === 'required';
    const known = this.customers.get(customerId);
    const address = known?.address ?? (collectsAddress ? TEST_ADDRESS : null);
    if (known && record.customerUpdate?.address === 'auto' && address && !known.address) this.customers.set(customerId, { ...known, address });
    const totals = checkoutTotals(session.amount_subtotal ?? 0, record.promotionCode, session.automatic_tax.enabled);
    const now = nowSeconds();
    const trialEnd = record.trialEnd ?? (record.trialPeriodDays === undefined ? undefined : now + record.trialPeriodDays * 86400);
    // a trial charges nothing today, so whatever the method the session needs no payment
    const paid = trialEnd !== undefined || outcome === 'paid';
    let subscription: Stripe.Subscription | null = null;
    let invoice: Stripe.Invoice | null = null;
    if (session.mode === 'subscription') {
      subscription = subscriptionObject({
        created: now,
        customer: customerId,
        price,
        quantity,
        status: trialEnd !== undefined ? 'trialing' : paid ? 'active' : 'incomplete',
        metadata: record.subscriptionMetadata ?? {},
        ...(trialEnd !== undefined ? { trial_start: now, trial_end: trialEnd, periodEnd: trialEnd, billing_cycle_anchor: trialEnd } : {}),
      });
      const item = subscription.items.data[0];
      const line =
        trialEnd !== undefined
          ? invoiceLineObject({
              amount: 0,
              currency: price.currency,
              description: `Trial period for ${priceName(price)}`,
              price,
              quantity,
              period: { start: now, end: trialEnd },
              subscription: subscription.id,
              subscriptionItem: item.id,
            })
          : periodLine(subscription.id, item, now, item.current_period_end);
      invoice = this.createInvoice(subscription, { lines: [line], billingReason: 'subscription_create', status: paid ? 'paid' : 'open', periodStart: now, periodEnd: now });
      subscription.latest_invoice = invoice.id;
      this.subscriptions.set(subscription.id, subscription);
    }
    record.session = {
      ...session,
      amount_total: totals.total,
      total_details: { ...session.total_details!, amount_discount: totals.discount, amount_tax: totals.tax },
      automatic_tax: session.automatic_tax.enabled ? { ...session.automatic_tax, status: 'complete' } : session.automatic_tax,
      status: 'complete',
      payment_status: trialEnd !== undefined ? 'no_payment_required' : paid ? 'paid' : 'unpaid',
      customer: customerId,
      customer_details: customerDetailsObject({ email, name: known?.name ?? null, address }),
      subscription: subscription?.id ?? null,
      invoice: invoice?.id ?? null,
      payment_intent: session.mode === 'payment' ? stripeId('pi') : null,
      url: null,
    };
    this.emit({ type: 'checkout.session.completed', data: { object: record.session } });
    if (subscription) {
      this.emit({ type: 'customer.subscription.created', data: { object: subscription } });
      if (paid && invoice) this.emit({ type: 'invoice.paid', data: { object: invoice } });
    }
    return record.session;
  }

  settleAsyncPayment(id: string, succeeded: boolean): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'complete' || record.session.payment_status !== 'unpaid' || record.paymentFailed)
      throw EmulatorError.invalid('This Checkout Session has no pending payment');
    const subscriptionId = record.session.subscription as string | null;
    if (succeeded) {
      record.session = { ...record.session, payment_status: 'paid' };
      this.emit({ type: 'checkout.session.async_payment_succeeded', data: { object: record.session } });
      if (subscriptionId) {
        const subscription = this.updateSubscriptionState(subscriptionId, { status: 'active' });
        const invoice =
          this.settleInvoice(subscription.latest_invoice as string | null, 'paid') ??
          this.createInvoice(subscription, {
            lines: subscription.items.data.map((i) => periodLine(subscription.id, i, i.current_period_start, i.current_period_end)),
            billingReason: 'subscription_create',
            status: 'paid',
            periodStart: nowSeconds(),
            periodEnd: nowSeconds(),
          });
        this.emit({ type: 'invoice.paid', data: { object: invoice } });
      }
    } else {
      record.paymentFailed = true;
      this.emit({ type: 'checkout.session.async_payment_failed', data: { object: record.session } });
      if (subscriptionId) {
        const current = this.subscription(subscriptionId);
        this.settleInvoice(current.latest_invoice as string | null, 'void');
        const subscription = this.updateSubscriptionState(subscriptionId, { status: 'incomplete_expired', ended_at: nowSeconds() });
        this.emit({ type: 'customer.subscription.deleted', data: { object: subscription } });
      }
    }
    return record.session;
  }

  // --- subscriptions ---------------------------------------------------------------------------------

  subscription(id: string, param = 'id'): Stripe.Subscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw EmulatorError.missing('subscription', id, param);
    return subscription;
  }

  /**
   * GET /v1/subscriptions: newest first, filtered by `customer`, `price` and `status`. Like Stripe, without
   * `status` every subscription but the canceled ones; `status=all` all of them; `status=ended` canceled and
   * incomplete_expired.
   */
  listSubscriptions(params: Params): Stripe.Subscription[] {
    const status = str(params.status);
    if (status !== undefined && status !== 'all' && status !== 'ended' && !SUBSCRIPTION_STATUSES.includes(status)) {
      throw EmulatorError.invalid(`Invalid status: must be one of active, all, canceled, ended, incomplete, incomplete_expired, past_due, paused, trialing, or unpaid`, 'status');
    }
    const customer = str(params.customer);
    const price = str(params.price);
    return [...this.subscriptions.values()]
      .filter((s) => (customer ? s.customer === customer : true))
      .filter((s) => (price ? s.items.data.some((i) => i.price.id === price) : true))
      .filter((s) => (status === undefined ? s.status !== 'canceled' : status === 'all' ? true : status === 'ended' ? ENDED.has(s.status) : s.status === status))
      .reverse();
  }

  /**
   * Stores the new state of a subscription and emits one `customer.subscription.updated` carrying Stripe's
   * `previous_attributes`; a state that changes nothing emits nothing. `before` are event types emitted with the
   * new state just ahead of the update (e.g. `customer.subscription.paused`).
   */
  private commitSubscription(
    next: Stripe.Subscription,
    options: { emitUpdate?: boolean; before?: Array<'customer.subscription.paused' | 'customer.subscription.resumed'> } = {},
  ): Stripe.Subscription {
    const previous = previousAttributes(this.subscription(next.id), next);
    this.subscriptions.set(next.id, next);
    if (!previous) return next;
    for (const type of options.before ?? []) this.emit({ type, data: { object: next } });
    if (options.emitUpdate ?? true) this.emit({ type: 'customer.subscription.updated', data: { object: next, previous_attributes: previous } });
    return next;
  }

  /** A new state of a subscription from the schedule book (emits `customer.subscription.updated` when something changed). */
  replaceSubscription(next: Stripe.Subscription): Stripe.Subscription {
    return this.commitSubscription(next);
  }

  private updateSubscriptionState(id: string, changes: Partial<Stripe.Subscription>, emitUpdate = true): Stripe.Subscription {
    const next = { ...clone(this.subscription(id)), ...changes } as Stripe.Subscription;
    return this.commitSubscription(next, { emitUpdate: emitUpdate && changes.status !== 'incomplete_expired' });
  }

  /**
   * POST /v1/subscriptions/:id. Supports `items[i][id|price|quantity]` with `proration_behavior` and
   * `proration_date` (see `planItemChange`), `cancel_at_period_end`, `cancel_at`, `pause_collection`, `metadata`
   * and `cancellation_details`. Everything is checked before anything changes; one real change, one
   * `customer.subscription.updated` (then `invoice.paid` when it invoices at once).
   */
  updateSubscription(id: string, params: Params): Stripe.Subscription {
    const current = this.subscription(id);
    const keys = Object.keys(params).filter((k) => k !== 'expand');
    if (ENDED.has(current.status) && keys.some((k) => k !== 'metadata' && k !== 'cancellation_details')) {
      throw new EmulatorError(400, 'invalid_request_error', 'A canceled subscription can only update its cancellation_details and metadata.');
    }
    this.schedules.refuseCancellation(current, params);
    const now = nowSeconds();
    const next = clone(current);
    if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
    if (params.cancellation_details !== undefined) {
      const details = (typeof params.cancellation_details === 'object' ? params.cancellation_details : {}) as Params;
      next.cancellation_details = {
        ...(next.cancellation_details ?? { comment: null, feedback: null, feedback_option: null, reason: null }),
        ...(details.comment !== undefined ? { comment: str(details.comment) ?? null } : {}),
        ...(details.feedback !== undefined ? { feedback: str(details.feedback) ?? null } : {}),
      };
    }
    applyCancellation(next, params, now);
    applyPauseCollection(next, params, now);
    const behavior = prorationBehavior(params.proration_behavior, 'proration_behavior');
    const payment = paymentBehavior(params);
    let invoice: Stripe.Invoice | null = null;
    let outcome: 'succeeds' | 'declined' | 'requires_action' = 'succeeds';
    /** what this update invoices at once, and when */
    let bill: { lines: Stripe.InvoiceLineItem[]; at: number; prorationDate?: number } | null = null;
    const pending = this.pendingProrations.get(id) ?? [];
    if (params.items !== undefined) {
      const date = prorationDate(params.proration_date, current, now, 'proration_date');
      const change = this.planItemChange(current, params.items, behavior, date, now, 'items');
      if (change.changed) {
        next.items = { ...next.items, data: change.items };
        if (change.anchor !== null) next.billing_cycle_anchor = change.anchor;
        if (change.invoiceNow) bill = { lines: [...pending, ...change.lines], at: change.anchor ?? date, prorationDate: date };
        else if (change.lines.length) this.pendingProrations.set(id, [...pending, ...change.lines]);
      }
    }
    if (params.trial_end !== undefined) {
      if (params.trial_end !== 'now') throw EmulatorError.invalid('The emulator only accepts trial_end=now on an update.', 'trial_end');
      // the trial ends now: a new period starts and is invoiced in full at the (new) price
      if (current.status === 'trialing') {
        next.trial_end = now;
        next.status = 'active';
        next.billing_cycle_anchor = now;
        next.items = { ...next.items, data: nextPeriodItems(next, () => now) };
        bill = { lines: [...pending, ...next.items.data.map((i) => periodLine(id, i, now, i.current_period_end))], at: now };
      }
    }
    if (bill) {
      outcome = this.payments.charge(
        current.customer as string,
        bill.lines.reduce((sum, l) => sum + l.amount, 0),
      );
      // error_if_incomplete: a failed payment changes nothing and answers 402
      if (outcome !== 'succeeds' && payment === 'error_if_incomplete') throw cardError(outcome);
      invoice = this.createInvoice(next, {
        lines: bill.lines,
        billingReason: 'subscription_update',
        status: 'paid',
        periodStart: bill.at,
        periodEnd: bill.at,
        prorationDate: bill.prorationDate,
      });
      if (outcome !== 'succeeds') {
        invoice = unpaidInvoice(invoice, outcome, this.baseUrl());
        this.invoices.set(invoice.id, invoice);
        this.failedUpdate(current, next, payment, now);
      }
      this.pendingProrations.delete(id);
      next.latest_invoice = invoice.id;
    }
    const saved = this.commitSubscription(next);
    if (invoice && outcome === 'succeeds') this.emit({ type: 'invoice.paid', data: { object: invoice } });
    if (invoice && outcome !== 'succeeds') this.emit({ type: 'invoice.payment_failed', data: { object: invoice } });
    if (invoice && outcome === 'requires_action') this.emit({ type: 'invoice.payment_action_required', data: { object: invoice } });
    return saved;
  }

  /**
   * An update whose invoice could not be paid: `pending_if_incomplete` keeps the old items (and metadata) and
   * files the change under `pending_update`; `allow_incomplete`/`default_incomplete` apply it and the
   * subscription goes `past_due` until the invoice is paid.
   */
  private failedUpdate(current: Stripe.Subscription, next: Stripe.Subscription, payment: string, now: number): void {
    if (payment !== 'pending_if_incomplete') {
      next.status = 'past_due';
      return;
    }
    const trialEnd = next.trial_end !== current.trial_end ? next.trial_end : null;
    next.pending_update = pendingUpdate(
      next.items.data,
      next.billing_cycle_anchor === current.billing_cycle_anchor ? null : next.billing_cycle_anchor,
      next.metadata,
      now,
      trialEnd,
    );
    next.items = clone(current.items);
    next.billing_cycle_anchor = current.billing_cycle_anchor;
    next.metadata = clone(current.metadata);
    next.status = current.status;
    next.trial_end = current.trial_end;
  }

  /**
   * POST /v1/invoices/:id/pay and the test control for the customer paying on the invoice page: charges the
   * customer's card (402 when it fails again). A paid subscription invoice applies its subscription's pending
   * update (`customer.subscription.pending_update_applied`) and ends `past_due`; then `invoice.paid`.
   */
  payInvoice(id: string): Stripe.Invoice {
    const invoice = this.invoice(id);
    if (invoice.status !== 'open') throw EmulatorError.invalid(`Invoice is already ${invoice.status}.`);
    const outcome = this.payments.charge(invoice.customer as string, invoice.amount_remaining);
    if (outcome !== 'succeeds') throw cardError(outcome);
    const paid = { ...this.settleInvoice(id, 'paid')!, confirmation_secret: null };
    this.invoices.set(id, paid);
    const subscriptionId = paid.parent?.subscription_details?.subscription;
    const sub = typeof subscriptionId === 'string' ? this.subscriptions.get(subscriptionId) : undefined;
    if (sub && sub.latest_invoice === id && !ENDED.has(sub.status)) {
      const next = withPendingUpdateApplied(sub);
      if (next.status === 'past_due' || next.status === 'unpaid') next.status = 'active';
      if (sub.pending_update) {
        this.emit({ type: 'customer.subscription.pending_update_applied', data: { object: next, previous_attributes: { items: sub.items, pending_update: sub.pending_update } } });
      }
      this.commitSubscription(next);
    }
    this.emit({ type: 'invoice.paid', data: { object: paid } });
    return paid;
  }

  /** Test control: time passes `pending_update.expires_at`; the change is discarded (`customer.subscription.pending_update_expired`). */
  expirePendingUpdate(id: string): Stripe.Subscription {
    const current = this.subscription(id);
    if (!current.pending_update) throw EmulatorError.invalid('This subscription has no pending update.');
    const next = { ...clone(current), pending_update: null };
    this.subscriptions.set(id, next);
    this.emit({ type: 'customer.subscription.pending_update_expired', data: { object: next, previous_attributes: { pending_update: current.pending_update } } });
    return next;
  }

  /**
   * A change of items, shared by the update and the invoice preview; changes nothing itself.
   *
   * - The item keeps its id; its price and/or quantity are replaced.
   * - Same interval: the period is kept. Unless `proration_behavior=none` (or the subscription is trialing: a
   *   trial is free, so there is nothing to prorate) two proration lines cover [proration_date, period end]:
   *     fraction = (period_end − proration_date) / (period_end − period_start)
   *     credit   = −round(old unit_amount × old quantity × fraction)   "Unused time on <old> after <date>"
   *     charge   = +round(new unit_amount × new quantity × fraction)   "Remaining time on <new> after <date>"
   *   (whole seconds, one rounding per line, integer minor units). `always_invoice` bills them at once;
   *   `create_prorations` leaves them pending for the next invoice.
   * - Another interval (e.g. month → year): like Stripe, the billing cycle restarts now and is invoiced at
   *   once: the credit for the unused time (unless `none`) and the new price for a whole new period.
   */
  private planItemChange(sub: Stripe.Subscription, specs: unknown, behavior: ProrationBehavior, date: number, now: number, param: string) {
    if (!Array.isArray(specs)) throw EmulatorError.invalid('Invalid array', param);
    const items = [...sub.items.data];
    const lines: Stripe.InvoiceLineItem[] = [];
    const trialing = sub.status === 'trialing';
    let invoiceNow = false;
    let anchor: number | null = null;
    let changed = false;
    (specs as Params[]).forEach((spec, i) => {
      const p = `${param}[${i}]`;
      const itemId = str(spec?.id);
      if (!itemId) throw EmulatorError.invalid(`The emulator only changes existing subscription items: pass ${p}[id].`, `${p}[id]`);
      const index = items.findIndex((x) => x.id === itemId);
      if (index === -1) throw EmulatorError.missing('subscription item', itemId, `${p}[id]`);
      if (spec.deleted === 'true') throw EmulatorError.invalid('The emulator cannot remove subscription items.', `${p}[deleted]`);
      const old = items[index];
      const priceId = str(spec.price);
      const price = priceId ? this.price(priceId, `${p}[price]`) : old.price;
      if (!price.active) throw EmulatorError.invalid(`The price specified (${price.id}) is inactive. This field only accepts active prices.`, `${p}[price]`);
      if (price.type !== 'recurring')
        throw EmulatorError.invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `${p}[price]`);
      if (price.currency !== sub.currency)
        throw EmulatorError.invalid(`The price specified (${price.id}) is in ${price.currency}, but this subscription bills in ${sub.currency}.`, `${p}[price]`);
      const quantity = spec.quantity === undefined ? (old.quantity ?? 1) : Number(spec.quantity);
      if (!Number.isInteger(quantity) || quantity < 0) throw EmulatorError.invalid(`Invalid integer: ${String(spec.quantity)}`, `${p}[quantity]`);
      if (price.id === old.price.id && quantity === (old.quantity ?? 1)) return;
      changed = true;
      const intervalChanged = price.recurring?.interval !== old.price.recurring?.interval || price.recurring?.interval_count !== old.price.recurring?.interval_count;
      if (intervalChanged && !trialing) {
        if (behavior !== 'none') lines.push(...prorationLines(sub.id, old, null, date));
        const end = addInterval(now, price.recurring);
        const next = subscriptionItemObject({ id: old.id, subscription: sub.id, price, quantity, created: old.created, periodStart: now, periodEnd: end });
        lines.push(periodLine(sub.id, next, now, end));
        items[index] = next;
        invoiceNow = true;
        anchor = now;
        return;
      }
      const next = subscriptionItemObject({
        id: old.id,
        subscription: sub.id,
        price,
        quantity,
        created: old.created,
        periodStart: old.current_period_start,
        periodEnd: old.current_period_end,
      });
      if (!trialing && behavior !== 'none') {
        lines.push(...prorationLines(sub.id, old, next, date));
        if (behavior === 'always_invoice') invoiceNow = true;
      }
      items[index] = next;
    });
    return { items, lines, invoiceNow, anchor, changed };
  }

  /** DELETE /v1/subscriptions/:id: cancels now (`canceled_at` = `ended_at` = now) and emits `customer.subscription.deleted`. */
  cancelSubscription(id: string, params: Params = {}): Stripe.Subscription {
    const current = this.subscription(id);
    if (ENDED.has(current.status)) throw EmulatorError.invalid(`This subscription is already canceled`);
    const details = (typeof params.cancellation_details === 'object' ? params.cancellation_details : {}) as Params;
    return this.endSubscription(id, nowSeconds(), nowSeconds(), details);
  }

  private endSubscription(id: string, canceledAt: number, endedAt: number, details: Params = {}): Stripe.Subscription {
    const current = this.subscription(id);
    const subscription: Stripe.Subscription = {
      ...clone(current),
      status: 'canceled',
      canceled_at: canceledAt,
      ended_at: endedAt,
      cancellation_details: {
        comment: str(details.comment) ?? current.cancellation_details?.comment ?? null,
        feedback: str(details.feedback) ?? current.cancellation_details?.feedback ?? null,
        feedback_option: current.cancellation_details?.feedback_option ?? null,
        reason: 'cancellation_requested',
      },
    };
    this.subscriptions.set(id, subscription);
    this.pendingProrations.delete(id);
    this.schedules.subscriptionCanceled(current);
    this.emit({ type: 'customer.subscription.deleted', data: { object: subscription } });
    return subscription;
  }

  /** POST /v1/subscriptions/:id/pause and the test control: status `paused`; emits `customer.subscription.paused` and `.updated`. */
  pauseSubscription(id: string): Stripe.Subscription {
    const current = this.subscription(id);
    if (current.status === 'paused') throw EmulatorError.invalid('This subscription is already paused.');
    if (ENDED.has(current.status) || current.status === 'incomplete') {
      throw EmulatorError.invalid(`A subscription with a status of \`${current.status}\` cannot be paused.`);
    }
    const now = nowSeconds();
    const next: Stripe.Subscription = {
      ...clone(current),
      status: 'paused',
      status_details: { paused: { subscription: { type: 'pause_requested' }, transitioned_at: now, type: 'subscription' } },
    };
    return this.commitSubscription(next, { before: ['customer.subscription.paused'] });
  }

  /**
   * POST /v1/subscriptions/:id/resume: only a `paused` subscription. `billing_cycle_anchor[type]=now` (Stripe's default)
   * starts a new period now and invoices it in full; `unchanged` moves to the period around now, keeping the
   * anchor, and invoices its remaining fraction (nothing with `proration_behavior=none`). Emits
   * `customer.subscription.resumed`, `customer.subscription.updated`, then `invoice.paid`.
   */
  resumeSubscription(id: string, params: Params = {}): Stripe.Subscription {
    const current = this.subscription(id);
    if (current.status !== 'paused') {
      throw EmulatorError.invalid(`Only subscriptions with a status of \`paused\` can be resumed. This subscription has a status of \`${current.status}\`.`);
    }
    // this SDK sends `billing_cycle_anchor[type]=now|unchanged`; older ones a bare string
    const anchorValue = params.billing_cycle_anchor;
    const anchorParam = (isHash(anchorValue) ? str(anchorValue.type) : str(anchorValue)) ?? 'now';
    if (anchorParam !== 'now' && anchorParam !== 'unchanged') throw EmulatorError.invalid('Invalid billing_cycle_anchor: must be one of now or unchanged', 'billing_cycle_anchor');
    const behavior = prorationBehavior(params.proration_behavior, 'proration_behavior');
    const now = nowSeconds();
    const next = clone(current);
    delete next.status_details;
    next.status = 'active';
    const lines: Stripe.InvoiceLineItem[] = [...(this.pendingProrations.get(id) ?? [])];
    next.items = {
      ...next.items,
      data: next.items.data.map((item) => {
        if (anchorParam === 'now') {
          const fresh = subscriptionItemObject({
            id: item.id,
            subscription: id,
            price: item.price,
            quantity: item.quantity,
            created: item.created,
            periodStart: now,
            periodEnd: addInterval(now, item.price.recurring),
          });
          lines.push(periodLine(id, fresh, now, fresh.current_period_end));
          return fresh;
        }
        let start = item.current_period_start;
        let end = item.current_period_end;
        while (end <= now) [start, end] = [end, addInterval(end, item.price.recurring)];
        const moved = subscriptionItemObject({
          id: item.id,
          subscription: id,
          price: item.price,
          quantity: item.quantity,
          created: item.created,
          periodStart: start,
          periodEnd: end,
        });
        if (behavior !== 'none' && end > now) {
          const amount = Math.round(((item.price.unit_amount ?? 0) * (item.quantity ?? 1) * (end - now)) / (end - start));
          lines.push(
            invoiceLineObject({
              amount,
              currency: item.price.currency,
              description: `Remaining time on ${priceName(item.price)} after ${day(now)}`,
              price: item.price,
              quantity: item.quantity ?? 1,
              period: { start: now, end },
              subscription: id,
              subscriptionItem: item.id,
              proration: true,
            }),
          );
        }
        return moved;
      }),
    };
    if (anchorParam === 'now') next.billing_cycle_anchor = now;
    let invoice: Stripe.Invoice | null = null;
    if (lines.length) {
      invoice = this.createInvoice(next, { lines, billingReason: 'subscription_update', status: 'paid', periodStart: now, periodEnd: now });
      this.pendingProrations.delete(id);
      next.latest_invoice = invoice.id;
    }
    const saved = this.commitSubscription(next, { before: ['customer.subscription.resumed'] });
    if (invoice) this.emit({ type: 'invoice.paid', data: { object: invoice } });
    return saved;
  }

  /**
   * Test control: time reaches the end of the current period. The items move one interval on and the new period
   * is invoiced (with any pending prorations): `customer.subscription.updated`, then `invoice.paid` — unless
   * `pause_collection` holds the invoice (draft, void or uncollectible per its behavior, no `invoice.paid`). A
   * renewal is a successful payment, so past_due/unpaid become active. A subscription set to cancel by then
   * ends instead (`customer.subscription.deleted`, `ended_at` = the cancel time); a trialing one ends its trial.
   */
  renewSubscription(id: string): Stripe.Subscription {
    const current = this.subscription(id);
    if (ENDED.has(current.status)) throw EmulatorError.invalid('A canceled subscription does not renew.');
    if (current.status === 'paused' || current.status === 'incomplete') throw EmulatorError.invalid(`A subscription with a status of \`${current.status}\` does not renew.`);
    // a schedule's next phase takes over at the period end (its new price is the one the renewal bills)
    const phased = this.schedules.advance(current, currentPeriodEnd(current));
    if (phased === 'cancel') return this.endSubscription(id, current.canceled_at ?? currentPeriodEnd(current), currentPeriodEnd(current));
    if (current.status === 'trialing') {
      this.subscriptions.set(id, phased);
      return this.endTrial(id, { paid: true });
    }
    const end = currentPeriodEnd(current);
    if (current.cancel_at !== null && current.cancel_at <= end) return this.endSubscription(id, current.canceled_at ?? current.cancel_at, current.cancel_at);
    const next = clone(phased);
    if (next.pause_collection?.resumes_at && next.pause_collection.resumes_at <= end) next.pause_collection = null;
    next.items = { ...next.items, data: nextPeriodItems(next, (item) => item.current_period_end) };
    if (next.status === 'past_due' || next.status === 'unpaid') next.status = 'active';
    const held = next.pause_collection?.behavior;
    const status = held === 'void' ? 'void' : held === 'mark_uncollectible' ? 'uncollectible' : held === 'keep_as_draft' ? 'draft' : 'paid';
    // a licensed item is billed ahead for the new period, a metered one in arrears for the period that ended
    const lines = [
      ...(this.pendingProrations.get(id) ?? []),
      ...next.items.data.map((i) => (i.price.recurring?.usage_type === 'metered' ? this.usageLine(current, i) : periodLine(id, i, i.current_period_start, i.current_period_end))),
    ];
    const invoice = this.createInvoice(next, {
      lines,
      billingReason: 'subscription_cycle',
      status,
      periodStart: current.items.data[0]?.current_period_start ?? end,
      periodEnd: end,
      created: end > nowSeconds() ? nowSeconds() : end,
    });
    this.pendingProrations.delete(id);
    next.latest_invoice = invoice.id;
    const saved = this.commitSubscription(next);
    if (status === 'paid') this.emit({ type: 'invoice.paid', data: { object: invoice } });
    return saved;
  }

  /** The line of a metered item on a renewal invoice: what its meter summed for the customer over the period that ended. */
  private usageLine(ended: Stripe.Subscription, item: Stripe.SubscriptionItem): Stripe.InvoiceLineItem {
    const before = ended.items.data.find((i) => i.id === item.id) ?? item;
    const start = before.current_period_start;
    const end = before.current_period_end;
    const customer = typeof ended.customer === 'string' ? ended.customer : ended.customer.id;
    const eventName = meterEventName(this, item.price.recurring?.meter ?? '');
    const units = eventName ? meteredTotal(this, eventName, customer, { start, end }) : 0;
    return invoiceLineObject({
      amount: (item.price.unit_amount ?? 0) * units,
      currency: item.price.currency,
      description: `${units} × ${item.price.nickname ?? item.price.id} (usage)`,
      price: item.price,
      quantity: units,
      period: { start, end },
      subscription: ended.id,
      subscriptionItem: item.id,
    });
  }

  /**
   * Test control: sets the status and emits `customer.subscription.updated` (with `previous_attributes.status`).
   * `canceled` cancels now (`customer.subscription.deleted`), `paused` pauses (`customer.subscription.paused` too).
   */
  setSubscriptionStatus(id: string, status: SubscriptionStatus): Stripe.Subscription {
    if (!SUBSCRIPTION_STATUSES.includes(status)) throw EmulatorError.invalid(`Invalid status: ${status}`, 'status');
    const current = this.subscription(id);
    if (status === current.status) return current;
    if (status === 'canceled') return this.cancelSubscription(id);
    if (status === 'paused') return this.pauseSubscription(id);
    if (status === 'incomplete_expired') {
      const ended = this.updateSubscriptionState(id, { status, ended_at: nowSeconds() }, false);
      this.emit({ type: 'customer.subscription.deleted', data: { object: ended } });
      return ended;
    }
    const next = clone(current);
    next.status = status;
    if (current.status === 'paused') delete next.status_details;
    return this.commitSubscription(next);
  }

  /** Test control: Stripe's reminder three days before a trial ends, `customer.subscription.trial_will_end`. */
  trialWillEnd(id: string): Stripe.Subscription {
    const current = this.subscription(id);
    if (current.status !== 'trialing' || current.trial_end === null) throw EmulatorError.invalid(`This subscription is not trialing (status \`${current.status}\`).`);
    this.emit({ type: 'customer.subscription.trial_will_end', data: { object: current } });
    return current;
  }

  /**
   * Test control: the trial ends now (or at `trial_end` if that has passed). A new period starts there and is
   * invoiced; `paid` → status `active`, `customer.subscription.updated` then `invoice.paid`; not paid → status
   * `past_due`, `customer.subscription.updated` then `invoice.payment_failed` (the invoice stays open).
   */
  endTrial(id: string, options: { paid: boolean } = { paid: true }): Stripe.Subscription {
    const current = this.subscription(id);
    if (current.status !== 'trialing') throw EmulatorError.invalid(`This subscription is not trialing (status \`${current.status}\`).`);
    const now = nowSeconds();
    const end = Math.min(current.trial_end ?? now, now);
    const next = clone(current);
    next.trial_end = end;
    next.billing_cycle_anchor = end;
    next.status = options.paid ? 'active' : 'past_due';
    next.items = { ...next.items, data: nextPeriodItems(next, () => end) };
    const lines = [...(this.pendingProrations.get(id) ?? []), ...next.items.data.map((i) => periodLine(id, i, i.current_period_start, i.current_period_end))];
    const invoice = this.createInvoice(next, {
      lines,
      billingReason: 'subscription_cycle',
      status: options.paid ? 'paid' : 'open',
      periodStart: current.trial_start ?? end,
      periodEnd: end,
      attempted: true,
    });
    this.pendingProrations.delete(id);
    next.latest_invoice = invoice.id;
    const saved = this.commitSubscription(next);
    this.emit({ type: options.paid ? 'invoice.paid' : 'invoice.payment_failed', data: { object: invoice } });
    return saved;
  }

  // --- invoices --------------------------------------------------------------------------------------

  invoice(id: string): Stripe.Invoice {
    const invoice = this.invoices.get(id);
    if (!invoice) throw EmulatorError.missing('invoice', id);
    return invoice;
  }

  /** GET /v1/invoices: newest first, by `customer`, `subscription`, `status`. */
  listInvoices(params: Params): Stripe.Invoice[] {
    const customer = str(params.customer);
    const subscription = str(params.subscription);
    const status = str(params.status);
    return [...this.invoices.values()]
      .filter((i) => (customer ? i.customer === customer : true))
      .filter((i) => (subscription ? i.parent?.subscription_details?.subscription === subscription : true))
      .filter((i) => (status ? i.status === status : true))
      .reverse();
  }

  /** A subscription's invoice, stored (unless a preview), its lines pointing at it. */
  private createInvoice(
    owner: Pick<Stripe.Subscription, 'id' | 'customer' | 'currency' | 'metadata'> | { id: null; customer: string; currency: string; metadata: null },
    spec: {
      lines: Stripe.InvoiceLineItem[];
      billingReason: Stripe.Invoice.BillingReason;
      status: 'paid' | 'open' | 'draft' | 'void' | 'uncollectible';
      periodStart: number;
      periodEnd: number;
      created?: number;
      prorationDate?: number;
      preview?: boolean;
      attempted?: boolean;
    },
  ): Stripe.Invoice {
    const id = spec.preview ? stripeId('upcoming_in') : stripeId('in');
    const customerId = owner.customer as string;
    const customer = this.customers.get(customerId);
    const lines = spec.lines.map((l) => ({ ...clone(l), invoice: spec.preview ? null : id }));
    const total = lines.reduce((sum, l) => sum + l.amount, 0);
    const invoice = invoiceObject({
      id,
      created: spec.created ?? nowSeconds(),
      customer: customerId,
      customer_email: customer?.email ?? null,
      customer_name: customer?.name ?? null,
      subscriptionId: owner.id ?? undefined,
      subscriptionMetadata: owner.metadata ?? null,
      billing_reason: spec.billingReason,
      status: spec.status,
      total,
      currency: owner.currency,
      period_start: spec.periodStart,
      period_end: spec.periodEnd,
      number: spec.status === 'draft' || spec.preview ? null : `${customer?.invoice_prefix ?? 'EMU'}-${String(this.invoices.size + 1).padStart(4, '0')}`,
      lines: { object: 'list', data: lines, has_more: false, url: spec.preview ? '/v1/invoices/upcoming/lines' : `/v1/invoices/${id}/lines` },
      ...(spec.attempted ? { attempted: true, attempt_count: 1 } : {}),
    });
    if (invoice.parent?.subscription_details && spec.prorationDate !== undefined) invoice.parent.subscription_details.subscription_proration_date = spec.prorationDate;
    if (!spec.preview) this.invoices.set(id, invoice);
    return invoice;
  }

  /** Marks a stored invoice paid or void; returns it (null when there is none). */
  private settleInvoice(id: string | null, status: 'paid' | 'void'): Stripe.Invoice | null {
    const invoice = id ? this.invoices.get(id) : undefined;
    if (!invoice) return null;
    const now = nowSeconds();
    const settled: Stripe.Invoice = {
      ...invoice,
      status,
      amount_paid: status === 'paid' ? invoice.amount_due : 0,
      amount_remaining: status === 'paid' ? 0 : invoice.amount_remaining,
      attempted: true,
      attempt_count: Math.max(1, invoice.attempt_count),
      status_transitions: { ...invoice.status_transitions, paid_at: status === 'paid' ? now : null, voided_at: status === 'void' ? now : null },
    };
    this.invoices.set(settled.id, settled);
    return settled;
  }

  /**
   * POST /v1/invoices/create_preview: the invoice a change would make, stored nowhere (id `upcoming_in_…`).
   * With `subscription` and `subscription_details[items]`, `[proration_date]`, `[proration_behavior]`:
   * - `always_invoice`, or a change of interval: the invoice made at once — pending prorations, the proration
   *   lines (and for a new interval the whole new period); `period_start` = `period_end` = the change time.
   * - `create_prorations` (default) and `none`: the next regular invoice — pending prorations, this change's
   *   proration lines (not with `none`), then each item's next period at its (new) price; period_start/end =
   *   the current period, `next_payment_attempt` = its end. A trialing subscription's next invoice comes at
   *   `trial_end` with no prorations.
   * `amount_due` = max(0, total); `total` may be negative (a downgrade's credit). Without `subscription`:
   * a first invoice for `subscription_details[items][i][price]`. Nothing to invoice → Stripe's
   * `invoice_upcoming_none`.
   */
  previewInvoice(params: Params): Stripe.Invoice {
    const now = nowSeconds();
    const details = (params.subscription_details && typeof params.subscription_details === 'object' ? params.subscription_details : {}) as Params;
    const customerId = str(params.customer);
    const subscriptionId = str(params.subscription);
    const behavior = prorationBehavior(details.proration_behavior, 'subscription_details[proration_behavior]');
    if (!subscriptionId) {
      if (!customerId) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
      this.customer(customerId);
      const specs = details.items;
      if (!Array.isArray(specs) || specs.length === 0) throw EmulatorError.invalid('Missing required param: subscription_details[items].', 'subscription_details[items]');
      const lines = (specs as Params[]).map((spec, i) => {
        const price = this.price(str(spec.price) ?? '', `subscription_details[items][${i}][price]`);
        if (price.type !== 'recurring')
          throw EmulatorError.invalid(
            'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
            `subscription_details[items][${i}][price]`,
          );
        const quantity = Number(spec.quantity ?? 1);
        const end = addInterval(now, price.recurring);
        return invoiceLineObject({
          amount: (price.unit_amount ?? 0) * quantity,
          currency: price.currency,
          description: periodDescription(price, quantity),
          price,
          quantity,
          period: { start: now, end },
          subscription: null,
          subscriptionItem: null,
        });
      });
      const invoice = this.createInvoice(
        { id: null, customer: customerId, currency: lines[0].currency, metadata: null },
        { lines, billingReason: 'subscription_create', status: 'draft', periodStart: now, periodEnd: now, preview: true },
      );
      return { ...invoice, next_payment_attempt: now, auto_advance: true };
    }
    const sub = this.subscription(subscriptionId, 'subscription');
    if (customerId && sub.customer !== customerId) throw EmulatorError.invalid(`The subscription ${sub.id} does not belong to the customer ${customerId}.`, 'subscription');
    const none = () => new EmulatorError(404, 'invalid_request_error', `No upcoming invoices for customer: ${sub.customer as string}`, 'invoice_upcoming_none');
    if (ENDED.has(sub.status) || sub.status === 'paused') throw none();
    const date = prorationDate(details.proration_date, sub, now, 'subscription_details[proration_date]');
    const change = details.items === undefined ? null : this.planItemChange(sub, details.items, behavior, date, now, 'subscription_details[items]');
    const pending = this.pendingProrations.get(sub.id) ?? [];
    const preview = { ...clone(sub), items: { ...sub.items, data: change?.items ?? sub.items.data } };
    const prorationAt = change?.changed ? date : undefined;
    if (change?.changed && change.invoiceNow) {
      const at = change.anchor ?? date;
      const invoice = this.createInvoice(preview, {
        lines: [...pending, ...change.lines],
        billingReason: 'subscription_update',
        status: 'draft',
        periodStart: at,
        periodEnd: at,
        created: at,
        prorationDate: prorationAt,
        preview: true,
      });
      return { ...invoice, next_payment_attempt: at, auto_advance: true };
    }
    const start = sub.items.data[0]?.current_period_start ?? now;
    const end = sub.status === 'trialing' && sub.trial_end !== null ? sub.trial_end : currentPeriodEnd(sub);
    const cancels = sub.cancel_at !== null && sub.cancel_at <= end;
    const nextPeriod = cancels ? [] : preview.items.data.map((item) => periodLine(sub.id, item, end, addInterval(end, item.price.recurring)));
    const lines = [...pending, ...(change?.lines ?? []), ...nextPeriod];
    if (!lines.length) throw none();
    const invoice = this.createInvoice(preview, {
      lines,
      billingReason: 'upcoming',
      status: 'draft',
      periodStart: start,
      periodEnd: end,
      created: end,
      prorationDate: prorationAt,
      preview: true,
    });
    return { ...invoice, next_payment_attempt: end, auto_advance: true };
  }

  // --- billing portal ------------------------------------------------------------------------------------

  createPortalSession(params: Params): Stripe.BillingPortal.Session {
    const customer = str(params.customer);
    if (!customer) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
    this.customer(customer);
    const id = stripeId('bps');
    const portal = billingPortalSessionObject({ id, customer, returnUrl: str(params.return_url) ?? null, url: `${this.baseUrl()}/portal/${id}` });
    this.portalSessions.set(id, portal);
    return portal;
  }

  customerSubscriptions(customer: string): Stripe.Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.customer === customer);
  }

  // --- triggers (like `stripe trigger`) ------------------------------------------------------------------------

  /** Makes the objects behind an event type for the customer of `email`, like Stripe CLI's `trigger`; returns the events emitted. */
  trigger(type: string, email = 'customer@example.com', lookupKeys?: string[]): Stripe.Event[] {
    const before = this.events.length;
    const customer = [...this.customers.values()].find((c) => c.email === email) ?? this.createCustomer({ email });
    const recurring = [...this.prices.values()].find((p) => p.active && p.type === 'recurring');
    if (!recurring) throw EmulatorError.invalid('The emulator has no recurring price to trigger with');
    const newSession = () =>
      this.createCheckoutSession({
        mode: 'subscription',
        customer: customer.id,
        line_items: [{ price: recurring.id, quantity: '1' }],
        success_url: `${this.baseUrl()}/return/success?session_id={CHECKOUT_SESSION_ID}`,
      });
    const latest = () =>
      this.customerSubscriptions(customer.id)
        .filter((s) => !ENDED.has(s.status))
        .pop() ?? this.subscription(this.completeCheckout(newSession().id).subscription as string);
    const unpaused = () =>
      this.customerSubscriptions(customer.id)
        .filter((s) => !ENDED.has(s.status) && s.status !== 'paused' && s.status !== 'incomplete')
        .pop() ?? this.subscription(this.completeCheckout(newSession().id).subscription as string);
    const trialing = () =>
      this.customerSubscriptions(customer.id)
        .filter((s) => s.status === 'trialing')
        .pop() ??
      this.subscription(
        this.completeCheckout(
          this.createCheckoutSession({
            mode: 'subscription',
            customer: customer.id,
            line_items: [{ price: recurring.id, quantity: '1' }],
            subscription_data: { trial_period_days: '7' },
            success_url: `${this.baseUrl()}/return/success?session_id={CHECKOUT_SESSION_ID}`,
          }).id,
        ).subscription as string,
      );
    switch (type) {
      case 'checkout.session.completed':
      case 'customer.subscription.created':
        this.completeCheckout(newSession().id, 'paid');
        break;
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed': {
        const session = this.completeCheckout(newSession().id, 'async_pending');
        this.settleAsyncPayment(session.id, type.endsWith('succeeded'));
        break;
      }
      case 'checkout.session.expired':
        this.expireCheckout(newSession().id);
        break;
      case 'customer.subscription.updated': {
        const subscription = latest();
        this.updateSubscription(subscription.id, { cancel_at_period_end: subscription.cancel_at_period_end ? 'false' : 'true' });
        break;
      }
      case 'customer.subscription.paused':
        this.pauseSubscription(unpaused().id);
        break;
      case 'customer.subscription.resumed': {
        const paused =
          this.customerSubscriptions(customer.id)
            .filter((s) => s.status === 'paused')
            .pop() ?? this.pauseSubscription(unpaused().id);
        this.resumeSubscription(paused.id);
        break;
      }
      case 'customer.subscription.trial_will_end':
        this.trialWillEnd(trialing().id);
        break;
      case 'customer.subscription.deleted':
        this.cancelSubscription(latest().id);
        break;
      case 'invoice.paid': {
        const subscription = latest();
        this.emit({ type: 'invoice.paid', data: { object: this.invoiceFor(subscription, 'paid') } });
        break;
      }
      case 'invoice.payment_failed': {
        const subscription = latest();
        const invoice = this.invoiceFor(subscription, 'open');
        this.emit({ type: 'invoice.payment_failed', data: { object: invoice } });
        this.updateSubscriptionState(subscription.id, { status: 'past_due', latest_invoice: invoice.id });
        break;
      }
      case 'entitlements.active_entitlement_summary.updated':
        this.setActiveEntitlements(customer.id, lookupKeys ?? ['premium_support']);
        break;
      default:
        throw EmulatorError.invalid(`The emulator cannot trigger ${type}`, 'type');
    }
    return this.events.slice(before);
  }

  // --- entitlements and tax settings ---------------------------------------------------------------------

  /**
   * Stripe Entitlements: the customer's active features become exactly these lookup_keys, and
   * `entitlements.active_entitlement_summary.updated` is emitted (its list cut at SUMMARY_PAGE, `has_more` beyond).
   */
  setActiveEntitlements(customerId: string, lookupKeys: string[]): Stripe.Event {
    this.customer(customerId);
    const entitlements = [...new Set(lookupKeys)].map((key) => {
      const feature = this.features.get(key) ?? stripeId('feat_test');
      this.features.set(key, feature);
      return activeEntitlementObject({ feature, lookup_key: key });
    });
    this.activeEntitlements.set(customerId, entitlements);
    const summary = activeEntitlementSummaryObject(customerId, entitlements.slice(0, SUMMARY_PAGE), entitlements.length > SUMMARY_PAGE);
    return this.emit({ type: 'entitlements.active_entitlement_summary.updated', data: { object: summary } });
  }

  /** GET /v1/entitlements/active_entitlements?customer= (oldest first, as Stripe lists them). */
  listActiveEntitlements(params: Params): Stripe.Entitlements.ActiveEntitlement[] {
    const customer = str(params.customer);
    if (!customer) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
    this.customer(customer);
    return this.activeEntitlements.get(customer) ?? [];
  }

  /** GET /v1/tax/settings. */
  taxSettings(): Stripe.Tax.Settings {
    const active = this.taxSettingsStatus === 'active';
    return {
      object: 'tax.settings',
      defaults: { provider: 'stripe', tax_behavior: active ? 'exclusive' : null, tax_code: null },
      head_office: active ? { address: TEST_ADDRESS } : null,
      livemode: false,
      status: this.taxSettingsStatus,
      status_details: active ? { active: {} } : { pending: { missing_fields: ['head_office'] } },
    };
  }

  // --- events ---------------------------------------------------------------------------------------------

  /** An invoice billing the subscription's current period (for triggers), stored. */
  private invoiceFor(subscription: Stripe.Subscription, status: 'paid' | 'open'): Stripe.Invoice {
    const lines = subscription.items.data.map((i) => periodLine(subscription.id, i, i.current_period_start, i.current_period_end));
    const start = subscription.items.data[0]?.current_period_start ?? nowSeconds();
    return this.createInvoice(subscription, { lines, billingReason: 'subscription_cycle', status, periodStart: start, periodEnd: start, attempted: true });
  }

  /**
   * Records an event like Stripe does (a copy of its object) and hands it to the webhook delivery (unless recording
   * only); updated events carry `data.previous_attributes`. `created` never goes back.
   */
  emit(payload: EventPayload, deliver?: boolean): Stripe.Event;
  /** A subscription event of the subscription's current state (tests replay one). */
  emit(type: SubscriptionEventType, subscription: Stripe.Subscription, deliver?: boolean): Stripe.Event;
  emit(what: EventPayload | SubscriptionEventType, subscriptionOrDeliver?: Stripe.Subscription | boolean, maybeDeliver?: boolean): Stripe.Event {
    let payload: EventPayload;
    let deliver: boolean;
    if (typeof what === 'string') {
      if (typeof subscriptionOrDeliver !== 'object') throw new Error(`emit('${what}') needs the subscription`);
      payload = { type: what, data: { object: subscriptionOrDeliver } };
      deliver = maybeDeliver ?? true;
    } else {
      payload = what;
      deliver = typeof subscriptionOrDeliver === 'boolean' ? subscriptionOrDeliver : true;
    }
    const last = this.events[this.events.length - 1];
    const event = stripeEvent(clone(payload), { created: Math.max(nowSeconds(), last?.created ?? 0) });
    this.events.push(event);
    if (deliver) this.delivery.send(event);
    else this.delivery.delivered.set(event.id, false);
    return event;
  }

  event(id: string): Stripe.Event {
    const event = this.events.find((e) => e.id === id);
    if (!event) throw EmulatorError.missing('event', id);
    return event;
  }
}

// --- checkout helpers ----------------------------------------------------------------------------------

/** Checkout's totals: the promotion code's discount off the subtotal, then (once an address is known) tax on the rest. */
function checkoutTotals(subtotal: number, promotion: PromotionCodeSeed | undefined, taxed: boolean): { subtotal: number; discount: number; tax: number; total: number } {
  const discount = !promotion ? 0 : promotion.percentOff !== undefined ? Math.round((subtotal * promotion.percentOff) / 100) : Math.min(promotion.amountOff ?? 0, subtotal);
  const tax = taxed ? Math.round((subtotal - discount) * EMULATOR_TAX_RATE) : 0;
  return { subtotal, discount, tax, total: subtotal - discount + tax };
}

// --- subscription helpers ------------------------------------------------------------------------------

const priceName = (price: Stripe.Price): string => price.nickname ?? price.id;

const money = (amount: number, currency: string): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);

/** Stripe's date in line descriptions: "15 Jan 2026" (UTC). */
const day = (at: number): string => new Date(at * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

function periodDescription(price: Stripe.Price, quantity: number): string {
  const every = price.recurring ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ${price.recurring.interval}s` : price.recurring.interval}` : '';
  return `${quantity} × ${priceName(price)} (at ${money(price.unit_amount ?? 0, price.currency)}${every})`;
}

/** The line billing an item's whole period at its price. */
function periodLine(subscription: string, item: Stripe.SubscriptionItem, start: number, end: number): Stripe.InvoiceLineItem {
  const quantity = item.quantity ?? 1;
  return invoiceLineObject({
    amount: (item.price.unit_amount ?? 0) * quantity,
    currency: item.price.currency,
    description: periodDescription(item.price, quantity),
    price: item.price,
    quantity,
    period: { start, end },
    subscription,
    subscriptionItem: item.id,
  });
}

/** The credit for `old` (and the charge for `next`, when given) over [date, period end]; see `planItemChange`. */
function prorationLines(subscription: string, old: Stripe.SubscriptionItem, next: Stripe.SubscriptionItem | null, date: number): Stripe.InvoiceLineItem[] {
  const start = old.current_period_start;
  const end = old.current_period_end;
  if (end <= date || end <= start) return [];
  const fraction = (end - date) / (end - start);
  const oldQuantity = old.quantity ?? 1;
  const lines = [
    invoiceLineObject({
      amount: -Math.round((old.price.unit_amount ?? 0) * oldQuantity * fraction),
      currency: old.price.currency,
      description: `Unused time on ${oldQuantity > 1 ? `${oldQuantity} × ` : ''}${priceName(old.price)} after ${day(date)}`,
      price: old.price,
      quantity: oldQuantity,
      period: { start: date, end },
      subscription,
      subscriptionItem: old.id,
      proration: true,
    }),
  ];
  if (next) {
    const quantity = next.quantity ?? 1;
    lines.push(
      invoiceLineObject({
        amount: Math.round((next.price.unit_amount ?? 0) * quantity * fraction),
        currency: next.price.currency,
        description: `Remaining time on ${quantity > 1 ? `${quantity} × ` : ''}${priceName(next.price)} after ${day(date)}`,
        price: next.price,
        quantity,
        period: { start: date, end },
        subscription,
        subscriptionItem: next.id,
        proration: true,
      }),
    );
  }
  return lines;
}

/** The end of the subscription's current period: in this API version the latest of its items'. */
function currentPeriodEnd(subscription: Stripe.Subscription): number {
  const ends = subscription.items.data.map((i) => i.current_period_end);
  return ends.length ? Math.max(...ends) : subscription.created;
}

function prorationBehavior(value: unknown, param: string): ProrationBehavior {
  if (value === undefined || value === '') return 'create_prorations';
  if (value === 'create_prorations' || value === 'always_invoice' || value === 'none') return value;
  throw EmulatorError.invalid(`Invalid ${param}: must be one of always_invoice, create_prorations, or none`, param);
}

/** `proration_date`: now by default; otherwise a unix time inside the current period. */
function prorationDate(value: unknown, subscription: Stripe.Subscription, now: number, param: string): number {
  if (value === undefined || value === '') return now;
  const at = Number(value);
  if (!Number.isInteger(at)) throw EmulatorError.invalid(`Invalid integer: ${JSON.stringify(value)}`, param);
  const start = Math.min(...subscription.items.data.map((i) => i.current_period_start));
  if (at < start || at > currentPeriodEnd(subscription)) throw EmulatorError.invalid(`The ${param} must be within the subscription's current billing period.`, param);
  return at;
}

/** Stripe's metadata update: keys merge, a key set to '' is removed, `metadata=''` clears all. */
function mergeMetadata(current: Stripe.Metadata, value: unknown): Stripe.Metadata {
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw EmulatorError.invalid('Invalid metadata: must be a hash', 'metadata');
  const merged: Stripe.Metadata = { ...current };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === '') delete merged[key];
    else merged[key] = String(v);
  }
  return merged;
}

/**
 * `cancel_at_period_end` and `cancel_at`. `cancel_at_period_end=true` sets `cancel_at` to the period end;
 * `cancel_at=<unix>` (or `max_period_end` / `min_period_end`) schedules the end and leaves
 * `cancel_at_period_end` false, as in Stripe's flexible billing mode; `false` or `cancel_at=''` clears both.
 * A scheduled cancellation sets `canceled_at` to the time of the request (Stripe's reference) and
 * `cancellation_details.reason = cancellation_requested`.
 */
function applyCancellation(next: Stripe.Subscription, params: Params, now: number): void {
  const atPeriodEnd = params.cancel_at_period_end;
  const cancelAt = params.cancel_at;
  if (atPeriodEnd !== undefined && atPeriodEnd !== 'true' && atPeriodEnd !== 'false')
    throw EmulatorError.invalid(`Invalid boolean: ${JSON.stringify(atPeriodEnd)}`, 'cancel_at_period_end');
  if (atPeriodEnd === 'true' && cancelAt !== undefined && cancelAt !== '')
    throw EmulatorError.invalid('You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'cancel_at');
  const schedule = (at: number | null, periodEnd: boolean) => {
    next.cancel_at = at;
    next.cancel_at_period_end = periodEnd;
    next.canceled_at = at === null ? null : now;
    next.cancellation_details = {
      comment: next.cancellation_details?.comment ?? null,
      feedback: next.cancellation_details?.feedback ?? null,
      feedback_option: next.cancellation_details?.feedback_option ?? null,
      reason: at === null ? null : 'cancellation_requested',
    };
  };
  if (atPeriodEnd === 'true') schedule(currentPeriodEnd(next), true);
  if (atPeriodEnd === 'false') schedule(null, false);
  if (cancelAt === undefined) return;
  if (cancelAt === '') return schedule(null, false);
  if (cancelAt === 'max_period_end' || cancelAt === 'min_period_end') return schedule(currentPeriodEnd(next), false);
  const at = Number(cancelAt);
  if (!Number.isInteger(at)) throw EmulatorError.invalid(`Invalid cancel_at: must be a unix timestamp, max_period_end or min_period_end`, 'cancel_at');
  if (at <= now) throw EmulatorError.invalid('cancel_at must be in the future.', 'cancel_at');
  schedule(at, false);
}

/** `pause_collection[behavior]` (keep_as_draft, mark_uncollectible, void) with optional `[resumes_at]`; `pause_collection=''` clears it. The status does not change. */
function applyPauseCollection(next: Stripe.Subscription, params: Params, now: number): void {
  const value = params.pause_collection;
  if (value === undefined) return;
  if (value === '') {
    next.pause_collection = null;
    return;
  }
  const spec = (typeof value === 'object' && value !== null ? value : {}) as Params;
  const behavior = str(spec.behavior);
  if (behavior !== 'keep_as_draft' && behavior !== 'mark_uncollectible' && behavior !== 'void') {
    throw EmulatorError.invalid('Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void', 'pause_collection[behavior]');
  }
  let resumesAt: number | null = null;
  if (spec.resumes_at !== undefined && spec.resumes_at !== '') {
    resumesAt = Number(spec.resumes_at);
    if (!Number.isInteger(resumesAt) || resumesAt <= now)
      throw EmulatorError.invalid('pause_collection[resumes_at] must be a unix timestamp in the future.', 'pause_collection[resumes_at]');
  }
  next.pause_collection = { behavior, resumes_at: resumesAt };
}

/** A hash of Stripe's wire format (not an array, not a decimal: those are values whole). */
const isHash = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !isDecimal(v);

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isDecimal(a) && isDecimal(b)) return a.eq(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isHash(a) && isHash(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return false;
}

/** The old values of what changed between two hashes (see `previousAttributes`). */
function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (sameValue(a, b)) continue;
    out[key] = isHash(a) && isHash(b) ? (changedAttributes(a, b) ?? {}) : a === undefined ? null : clone(a);
  }
  return Object.keys(out).length ? out : null;
}

/**
 * Stripe's `data.previous_attributes` of an `*.updated` event: the old values of what changed — nested hashes
 * with only their changed keys, arrays and scalars whole (so a plan change gives `items: { data: [old items] }`);
 * a field that did not exist before is null. Null when nothing changed.
 */
export function previousAttributes<T extends object>(before: T, after: T): Record<string, unknown> | null {
  return changedAttributes(Object.fromEntries(Object.entries(before)), Object.fromEntries(Object.entries(after)));
}

/** The subscription's items for a new billing period that starts at `startOf(item)` and lasts one price interval. */
function nextPeriodItems(subscription: Stripe.Subscription, startOf: (item: Stripe.SubscriptionItem) => number): Stripe.SubscriptionItem[] {
  return subscription.items.data.map((item) =>
    subscriptionItemObject({
      id: item.id,
      subscription: subscription.id,
      price: item.price,
      quantity: item.quantity,
      created: item.created,
      periodStart: startOf(item),
      periodEnd: addInterval(startOf(item), item.price.recurring),
    }),
  );
}
