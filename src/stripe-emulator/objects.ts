import type Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../stripe/stripe.client.js';
import { nowSeconds, stripeId } from './ids.js';

/**
 * Builders of Stripe objects in the shape of Stripe's own published examples (API version pinned by the
 * SDK), trimmed to what a Checkout integration reads. The emulator serves them; tests sign them as events.
 */

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? DeepPartial<T[K]> | T[K] : T[K] };

export function checkoutSessionObject(overrides: Partial<Stripe.Checkout.Session> = {}): Stripe.Checkout.Session {
  const id = overrides.id ?? stripeId('cs_test', 58);
  const created = overrides.created ?? nowSeconds();
  return {
    id,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: 2000,
    amount_total: 2000,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: 'http://localhost:3000/checkout/cancel',
    client_reference_id: null,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created,
    currency: 'usd',
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: null,
    expires_at: created + 24 * 3600,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    metadata: {},
    mode: 'subscription',
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: 'http://localhost:3000/checkout/success?session_id={CHECKOUT_SESSION_ID}',
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: `https://checkout.stripe.com/c/pay/${id}`,
    ...overrides,
  } as unknown as Stripe.Checkout.Session;
}

/**
 * The product of a price the seed does not name: stable, derived from the price id, one product per plan —
 * `price_pro_monthly` and `price_pro_yearly` → `prod_pro`, `price_lifetime_once` → `prod_lifetime`; an id
 * without an interval suffix keeps its whole rest (`price_1Pgaf…` → `prod_1Pgaf…`).
 */
export function productIdFor(priceId: string): string {
  const rest = priceId.replace(/^price_/, '');
  const plan = rest.replace(/[_-](monthly|yearly|annually|annual|weekly|daily|month|year|week|day|once|one_time)$/i, '');
  return `prod_${plan || rest}`;
}

export function priceObject(overrides: DeepPartial<Stripe.Price> = {}): Stripe.Price {
  const id = overrides.id ?? stripeId('price');
  const unitAmount = overrides.unit_amount === undefined ? 2000 : overrides.unit_amount;
  return {
    id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: nowSeconds(),
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: productIdFor(id),
    recurring: { interval: 'month', interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: unitAmount,
    // Stripe's decimal twin of unit_amount, a string on the wire
    unit_amount_decimal: unitAmount === null ? null : String(unitAmount),
    ...overrides,
  } as unknown as Stripe.Price;
}

/** The legacy `plan` Stripe still puts beside `price` on every subscription item. */
export function planObject(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata ?? {},
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: 'licensed',
  } as unknown as Stripe.Plan;
}

export interface SubscriptionItemSpec {
  subscription: string;
  price: Stripe.Price;
  quantity?: number;
  created?: number;
  periodStart: number;
  periodEnd: number;
  id?: string;
}

/** A subscription item: the period lives here in this API version (`current_period_start` / `current_period_end`). */
export function subscriptionItemObject(spec: SubscriptionItemSpec): Stripe.SubscriptionItem {
  return {
    id: spec.id ?? stripeId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: spec.created ?? spec.periodStart,
    current_period_end: spec.periodEnd,
    current_period_start: spec.periodStart,
    current_trial: null,
    discounts: [],
    metadata: {},
    plan: planObject(spec.price),
    price: spec.price,
    quantity: spec.quantity ?? 1,
    subscription: spec.subscription,
    tax_rates: [],
  } as unknown as Stripe.SubscriptionItem;
}

/** `start` advanced by `count` of a price's recurring interval, in calendar months/years like Stripe (UTC). */
export function addInterval(start: number, recurring: Pick<Stripe.Price.Recurring, 'interval' | 'interval_count'> | null | undefined, count = 1): number {
  const interval = recurring?.interval ?? 'month';
  const n = (recurring?.interval_count ?? 1) * count;
  if (interval === 'day') return start + n * 86400;
  if (interval === 'week') return start + n * 7 * 86400;
  const date = new Date(start * 1000);
  const day = date.getUTCDate();
  if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + n, date.getUTCMonth(), 1);
  else date.setUTCMonth(date.getUTCMonth() + n, 1);
  // Jan 31 + 1 month is the last day of February, as Stripe bills it
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return Math.floor(date.getTime() / 1000);
}

export function subscriptionObject(
  overrides: Partial<Omit<Stripe.Subscription, 'items'>> & { price?: Stripe.Price; periodEnd?: number; periodStart?: number; quantity?: number; itemId?: string } = {},
): Stripe.Subscription {
  const { price: givenPrice, periodEnd, periodStart, quantity, itemId, ...rest } = overrides;
  const id = rest.id ?? stripeId('sub');
  const created = rest.created ?? nowSeconds();
  const price = givenPrice ?? priceObject();
  const start = periodStart ?? created;
  const end = periodEnd ?? addInterval(start, price.recurring);
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: start,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'flexible', flexible: { proration_discounts: 'included' }, updated_at: created },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created,
    currency: price.currency,
    customer: stripeId('cus', 14),
    customer_account: null,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: [subscriptionItemObject({ id: itemId, subscription: id, price, quantity, created, periodStart: start, periodEnd: end })],
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: created,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: null,
    ...rest,
  } as unknown as Stripe.Subscription;
}

export interface InvoiceLineSpec {
  amount: number;
  currency: string;
  description: string;
  price: Stripe.Price;
  quantity: number;
  period: { start: number; end: number };
  subscription: string | null;
  subscriptionItem: string | null;
  proration?: boolean;
  invoice?: string | null;
}

/** An invoice line of this API version: the subscription item it bills lives under `parent.subscription_item_details`. */
export function invoiceLineObject(spec: InvoiceLineSpec): Stripe.InvoiceLineItem {
  const proration = spec.proration ?? false;
  return {
    id: stripeId('il', 24),
    object: 'line_item',
    amount: spec.amount,
    currency: spec.currency,
    description: spec.description,
    discount_amounts: [],
    discountable: !proration,
    discounts: [],
    invoice: spec.invoice ?? null,
    livemode: false,
    metadata: {},
    parent: spec.subscriptionItem
      ? {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: proration ? stripeId('ii') : null,
            proration,
            proration_details: { credited_items: null },
            subscription: spec.subscription,
            subscription_item: spec.subscriptionItem,
          },
        }
      : null,
    period: spec.period,
    pretax_credit_amounts: [],
    pricing: { type: 'price_details', price_details: { price: spec.price.id, product: spec.price.product as string }, unit_amount_decimal: spec.price.unit_amount_decimal },
    quantity: spec.quantity,
    quantity_decimal: String(spec.quantity),
    subscription: spec.subscription,
    subtotal: spec.amount,
    taxes: [],
  } as unknown as Stripe.InvoiceLineItem;
}

export function invoiceObject(overrides: Partial<Stripe.Invoice> & { subscriptionId?: string; subscriptionMetadata?: Record<string, string> | null } = {}): Stripe.Invoice {
  const { subscriptionId, subscriptionMetadata, ...rest } = overrides;
  const id = rest.id ?? stripeId('in');
  const created = rest.created ?? nowSeconds();
  const total = rest.total ?? 2000;
  const currency = rest.currency ?? 'usd';
  const status = rest.status ?? 'paid';
  const paid = status === 'paid';
  const amountDue = rest.amount_due ?? Math.max(0, total);
  const amountPaid = rest.amount_paid ?? (paid ? amountDue : 0);
  const lines = rest.lines ?? { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` };
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe emulator',
    account_tax_ids: null,
    amount_due: amountDue,
    amount_overpaid: 0,
    amount_paid: amountPaid,
    amount_remaining: Math.max(0, amountDue - amountPaid),
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? 1 : 0,
    attempted: paid,
    auto_advance: !paid,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'subscription_create',
    collection_method: 'charge_automatically',
    created,
    currency,
    custom_fields: null,
    customer: stripeId('cus', 14),
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: status === 'draft' ? null : created,
    ending_balance: status === 'draft' ? null : 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines,
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscriptionId
      ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: subscriptionMetadata ?? null, subscription: subscriptionId } }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: created,
    period_start: created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status,
    status_transitions: { finalized_at: status === 'draft' ? null : created, marked_uncollectible_at: null, paid_at: paid ? created : null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: status === 'draft' ? null : created,
    ...rest,
  } as unknown as Stripe.Invoice;
}

export function customerObject(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
  return {
    id: stripeId('cus', 14),
    object: 'customer',
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: null,
    invoice_prefix: 'ABC123',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    ...overrides,
  } as unknown as Stripe.Customer;
}

/** One of a customer's active entitlements (`GET /v1/entitlements/active_entitlements`). */
export function activeEntitlementObject(overrides: Partial<Stripe.Entitlements.ActiveEntitlement> & { lookup_key: string }): Stripe.Entitlements.ActiveEntitlement {
  return { id: stripeId('ent_test'), object: 'entitlements.active_entitlement', feature: stripeId('feat_test'), livemode: false, ...overrides };
}

/** The object of `entitlements.active_entitlement_summary.updated`: the customer's active entitlements (it has no id). */
export function activeEntitlementSummaryObject(
  customer: string,
  entitlements: Stripe.Entitlements.ActiveEntitlement[],
  hasMore = false,
): Stripe.Entitlements.ActiveEntitlementSummary {
  return {
    object: 'entitlements.active_entitlement_summary',
    customer,
    entitlements: { object: 'list', data: entitlements, has_more: hasMore, url: `/v1/customer/${customer}/entitlements` },
    livemode: false,
  } as unknown as Stripe.Entitlements.ActiveEntitlementSummary;
}

/** An Event object around `object`, as Stripe delivers it. */
export function eventObject<T extends { id: string }>(type: string, object: T, overrides: Partial<Stripe.Event> = {}): Stripe.Event {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created: nowSeconds(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    ...overrides,
  } as unknown as Stripe.Event;
}
