import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import type { EmulatorStore } from './store.js';
import { checkoutSessionObject, customerDetailsObject, invoiceLineObject, subscriptionObject } from './objects.js';
import { str, type Params } from './params.js';
import { updateSubscriptionState } from './subscription-state.js';
import { periodLine, priceName } from './invoice-lines.js';
import { createInvoice, settleInvoice } from './invoices.js';

/*
 * Checkout Sessions: creation and its checks, promotion codes, completion (which makes the subscription), delayed
 * payments.
 */

export interface SessionRecord {
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

export interface PromotionCode extends PromotionCodeSeed {
  id: string;
  coupon: string;
}

/** The emulator's Stripe Tax: this share of the discounted subtotal, for any address. */
export const EMULATOR_TAX_RATE = 0.1;

/** Where a customer who types no address lives, when Checkout collects one (Stripe's own test address). */
export const TEST_ADDRESS: Stripe.Address = { city: 'South San Francisco', country: 'US', line1: '354 Oyster Point Blvd', line2: null, postal_code: '94080', state: 'CA' };

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

export function createCheckoutSession(store: EmulatorStore, params: Params): Stripe.Checkout.Session {
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
  if (subscriptionData !== undefined && mode !== 'subscription') throw EmulatorError.invalid('You can only pass `subscription_data` in `subscription` mode.', 'subscription_data');
  const trial = checkoutTrial(store, subscriptionData);
  const hasTrial = trial.trialPeriodDays !== undefined || trial.trialEnd !== undefined;
  const items = (params.line_items as Array<{ price?: string; quantity?: string }> | undefined) ?? [];
  if (items.length !== 1 || !items[0].price) throw EmulatorError.invalid('The emulator supports exactly one line item with a price', 'line_items');
  const price = store.price(items[0].price, 'line_items[0][price]');
  if (!price.active) throw EmulatorError.invalid(`The price specified (${price.id}) is inactive.`, 'line_items[0][price]');
  if (mode === 'subscription' && price.type !== 'recurring')
    throw EmulatorError.invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
  if (mode === 'payment' && price.type === 'recurring')
    throw EmulatorError.invalid('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', 'line_items');
  const customerId = str(params.customer);
  // like Stripe: an unknown (e.g. deleted) customer is resource_missing on the `customer` parameter
  if (customerId && !store.customers.has(customerId)) throw EmulatorError.missing('customer', customerId, 'customer');
  const quantity = Number(items[0].quantity ?? 1);
  const created = nowSeconds();
  const id = stripeId('cs_test', 58);
  // with a trial nothing is due today: Checkout's totals are those of the first ($0) invoice
  const amount = hasTrial ? 0 : (price.unit_amount ?? 0) * quantity;
  const automaticTax = (params.automatic_tax as Params | undefined)?.enabled === 'true';
  const customerUpdate = (params.customer_update as { address?: string; name?: string } | undefined) ?? {};
  if (params.customer_update !== undefined && !customerId) throw EmulatorError.invalid('`customer_update` can only be used with `customer`.', 'customer_update');
  const existing = customerId ? store.customer(customerId) : null;
  if (automaticTax) {
    if (store.taxSettingsStatus !== 'active') {
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
    url: hosted ? `${store.baseUrl()}/checkout/${id}` : null,
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
  store.sessions.set(id, { session, price, quantity, subscriptionMetadata, customerUpdate, ...trial });
  return session;
}

/** The record of an embedded or elements session, found by its client secret (what Stripe.js mounts with). */
export function sessionByClientSecret(store: EmulatorStore, clientSecret: string): SessionRecord | undefined {
  return [...store.sessions.values()].find((r) => r.session.client_secret !== null && r.session.client_secret === clientSecret);
}

/** The customer enters a promotion code on the page (sessions with `allow_promotion_codes` only); the totals change. */
export function applyPromotionCode(store: EmulatorStore, id: string, code: string): Stripe.Checkout.Session {
  const record = store.sessionRecord(id);
  if (record.session.status !== 'open') throw EmulatorError.invalid(`This Checkout Session is ${record.session.status}`);
  if (!record.session.allow_promotion_codes) throw EmulatorError.invalid('This Checkout Session does not accept promotion codes.', 'promotion_code');
  const promotion = store.promotionCodes.get(code.trim().toUpperCase());
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
function checkoutTrial(store: EmulatorStore, data: Params | undefined): { trialPeriodDays?: number; trialEnd?: number } {
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

export function expireCheckout(store: EmulatorStore, id: string): Stripe.Checkout.Session {
  const record = store.sessionRecord(id);
  if (record.session.status !== 'open')
    throw EmulatorError.invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${record.session.status}".`);
  record.session = { ...record.session, status: 'expired', url: null };
  store.emit({ type: 'checkout.session.expired', data: { object: record.session } });
  return record.session;
}

/** Expires open sessions whose `expires_at` has passed. */
export function expireDue(store: EmulatorStore, now = nowSeconds()): void {
  for (const record of store.sessions.values()) {
    if (record.session.status === 'open' && record.session.expires_at <= now) store.expireCheckout(record.session.id);
  }
}

/** The customer pays on the hosted page: `async_pending` is a delayed method (bank debit) not yet settled. */
export function completeCheckout(store: EmulatorStore, id: string, outcome: 'paid' | 'async_pending' = 'paid'): Stripe.Checkout.Session {
  const record = store.sessionRecord(id);
  const { session, price, quantity } = record;
  if (session.status !== 'open') throw EmulatorError.invalid(`This Checkout Session is ${session.status}`);
  const customerId = (session.customer as string | null) ?? store.createCustomer({ email: session.customer_email ?? 'customer@example.com' }).id;
  const email = store.customers.get(customerId)?.email ?? session.customer_email ?? 'customer@example.com';
  // Checkout collects an address for tax (or when asked to), and saves it (and the name) when customer_update says so
  const collectsAddress = session.automatic_tax.enabled || session.billing_address_collection === 'required';
  const known = store.customers.get(customerId);
  const address = known?.address ?? (collectsAddress ? TEST_ADDRESS : null);
  if (known && record.customerUpdate?.address === 'auto' && address && !known.address) store.customers.set(customerId, { ...known, address });
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
    invoice = createInvoice(store, subscription, { lines: [line], billingReason: 'subscription_create', status: paid ? 'paid' : 'open', periodStart: now, periodEnd: now });
    subscription.latest_invoice = invoice.id;
    store.subscriptions.set(subscription.id, subscription);
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
  store.emit({ type: 'checkout.session.completed', data: { object: record.session } });
  if (subscription) {
    store.emit({ type: 'customer.subscription.created', data: { object: subscription } });
    if (paid && invoice) store.emit({ type: 'invoice.paid', data: { object: invoice } });
  }
  return record.session;
}

export function settleAsyncPayment(store: EmulatorStore, id: string, succeeded: boolean): Stripe.Checkout.Session {
  const record = store.sessionRecord(id);
  if (record.session.status !== 'complete' || record.session.payment_status !== 'unpaid' || record.paymentFailed)
    throw EmulatorError.invalid('This Checkout Session has no pending payment');
  const subscriptionId = record.session.subscription as string | null;
  if (succeeded) {
    record.session = { ...record.session, payment_status: 'paid' };
    store.emit({ type: 'checkout.session.async_payment_succeeded', data: { object: record.session } });
    if (subscriptionId) {
      const subscription = updateSubscriptionState(store, subscriptionId, { status: 'active' });
      const invoice =
        settleInvoice(store, subscription.latest_invoice as string | null, 'paid') ??
        createInvoice(store, subscription, {
          lines: subscription.items.data.map((i) => periodLine(subscription.id, i, i.current_period_start, i.current_period_end)),
          billingReason: 'subscription_create',
          status: 'paid',
          periodStart: nowSeconds(),
          periodEnd: nowSeconds(),
        });
      store.emit({ type: 'invoice.paid', data: { object: invoice } });
    }
  } else {
    record.paymentFailed = true;
    store.emit({ type: 'checkout.session.async_payment_failed', data: { object: record.session } });
    if (subscriptionId) {
      const current = store.subscription(subscriptionId);
      settleInvoice(store, current.latest_invoice as string | null, 'void');
      const subscription = updateSubscriptionState(store, subscriptionId, { status: 'incomplete_expired', ended_at: nowSeconds() });
      store.emit({ type: 'customer.subscription.deleted', data: { object: subscription } });
    }
  }
  return record.session;
}

/** Checkout's totals: the promotion code's discount off the subtotal, then (once an address is known) tax on the rest. */
function checkoutTotals(subtotal: number, promotion: PromotionCodeSeed | undefined, taxed: boolean): { subtotal: number; discount: number; tax: number; total: number } {
  const discount = !promotion ? 0 : promotion.percentOff !== undefined ? Math.round((subtotal * promotion.percentOff) / 100) : Math.min(promotion.amountOff ?? 0, subtotal);
  const tax = taxed ? Math.round((subtotal - discount) * EMULATOR_TAX_RATE) : 0;
  return { subtotal, discount, tax, total: subtotal - discount + tax };
}
