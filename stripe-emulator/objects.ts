import Stripe from 'stripe';
import { nowSeconds, stripeId } from './ids.js';
import {
  activeEntitlementFixture,
  activeEntitlementSummaryFixture,
  billingPortalSessionFixture,
  checkoutLineItemFixture,
  checkoutSessionFixture,
  customerFixture,
  eventFixture,
  invoiceFixture,
  invoiceLineItemFixture,
  planFixture,
  priceFixture,
  subscriptionFixture,
  subscriptionItemFixture,
} from './stripe-fixtures/fixtures.js';

/**
 * Builders of Stripe objects. Each starts from Stripe's own published example object of its type
 * (stripe-fixtures/, from Stripe's fixtures3.json) and sets what the emulator knows (ids, amounts, periods,
 * references), and each is checked with `satisfies` against the SDK's type of the pinned API version, so a
 * field that is missing, renamed or of the wrong type fails to compile. The emulator serves them; tests sign
 * them as events.
 */

/** The SDK's decimal class (`Stripe.Decimal.from` makes its instances; their JSON is Stripe's decimal string). */
const DecimalClass = Stripe.Decimal.zero.constructor;

export function isDecimal(value: unknown): value is Stripe.Decimal {
  return value instanceof DecimalClass;
}

/**
 * A deep copy of a Stripe object: plain objects and arrays are copied, decimals (immutable) kept. Unlike
 * `structuredClone`, which would turn a `Stripe.Decimal` into a plain object that no longer serialises to
 * Stripe's decimal string.
 */
export function clone<T>(value: T): T;
export function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => clone(item));
  if (typeof value !== 'object' || value === null || isDecimal(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]: [string, unknown]) => [key, clone(item)]));
}

export function checkoutSessionObject(overrides: Partial<Stripe.Checkout.Session> = {}): Stripe.Checkout.Session {
  const id = overrides.id ?? stripeId('cs_test', 58);
  const created = overrides.created ?? nowSeconds();
  return {
    ...clone(checkoutSessionFixture),
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: 2000,
    amount_total: 2000,
    automatic_tax: { enabled: false, liability: null, status: null, provider: null },
    billing_address_collection: null,
    cancel_url: 'http://localhost:3000/checkout/cancel',
    client_reference_id: null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: 'usd',
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_account: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: null,
    discounts: null,
    expires_at: created + 24 * 3600,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: {},
    mode: 'subscription',
    origin_context: null,
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
  } satisfies Stripe.Checkout.Session;
}

/** The line item of a session (`expand[]=line_items`): the emulator's sessions have one price. */
export function checkoutLineItemObject(session: Stripe.Checkout.Session, price: Stripe.Price, quantity: number): Stripe.LineItem {
  return {
    ...clone(checkoutLineItemFixture),
    id: `li_${session.id.slice(-14)}`,
    object: 'item',
    adjustable_quantity: null,
    amount_discount: session.total_details?.amount_discount ?? 0,
    amount_subtotal: session.amount_subtotal ?? 0,
    amount_tax: session.total_details?.amount_tax ?? 0,
    amount_total: session.amount_total ?? 0,
    currency: session.currency ?? price.currency,
    description: price.nickname,
    metadata: {},
    price,
    quantity,
  } satisfies Stripe.LineItem;
}

/** What Checkout collected about the customer (`customer_details` of a completed session). */
export function customerDetailsObject(details: Pick<Stripe.Checkout.Session.CustomerDetails, 'email' | 'name' | 'address'>): Stripe.Checkout.Session.CustomerDetails {
  return {
    ...clone(checkoutSessionFixture.customer_details),
    business_name: null,
    individual_name: null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
    ...details,
  } satisfies Stripe.Checkout.Session.CustomerDetails;
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

/** The id of a price's product, expanded or not. */
const productId = (product: Stripe.Price['product']): string => (typeof product === 'string' ? product : product.id);

export function priceObject(overrides: Partial<Stripe.Price> = {}): Stripe.Price {
  const id = overrides.id ?? stripeId('price');
  const unitAmount = overrides.unit_amount === undefined ? 2000 : overrides.unit_amount;
  return {
    ...clone(priceFixture),
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
    // Stripe's decimal twin of unit_amount: a string on the wire, a Stripe.Decimal in the SDK
    unit_amount_decimal: unitAmount === null ? null : Stripe.Decimal.from(unitAmount),
    ...overrides,
  } satisfies Stripe.Price;
}

/** The legacy `plan` Stripe still puts beside `price` on every subscription item. */
export function planObject(price: Stripe.Price): Stripe.Plan {
  return {
    ...clone(planFixture),
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
    usage_type: price.recurring?.usage_type ?? 'licensed',
  } satisfies Stripe.Plan;
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
    ...clone(subscriptionItemFixture),
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
  } satisfies Stripe.SubscriptionItem;
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
    ...clone(subscriptionFixture),
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
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
    ...rest,
  } satisfies Stripe.Subscription;
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
    ...clone(invoiceLineItemFixture),
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
    pricing: { type: 'price_details', price_details: { price: spec.price.id, product: productId(spec.price.product) }, unit_amount_decimal: spec.price.unit_amount_decimal },
    quantity: spec.quantity,
    quantity_decimal: Stripe.Decimal.from(spec.quantity),
    subscription: spec.subscription,
    subtotal: spec.amount,
    taxes: [],
  } satisfies Stripe.InvoiceLineItem;
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
    ...clone(invoiceFixture),
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
  } satisfies Stripe.Invoice;
}

export function customerObject(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
  return {
    ...clone(customerFixture),
    id: stripeId('cus', 14),
    object: 'customer',
    // no address until one is saved (Checkout's customer_update, tax): the fixture's is an empty one
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    customer_account: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: 'ABC123',
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
    ...overrides,
  } satisfies Stripe.Customer;
}

/** One of a customer's active entitlements (`GET /v1/entitlements/active_entitlements`). */
export function activeEntitlementObject(overrides: Partial<Stripe.Entitlements.ActiveEntitlement> & { lookup_key: string }): Stripe.Entitlements.ActiveEntitlement {
  return {
    ...clone(activeEntitlementFixture),
    id: stripeId('ent_test'),
    object: 'entitlements.active_entitlement',
    feature: stripeId('feat_test'),
    livemode: false,
    ...overrides,
  } satisfies Stripe.Entitlements.ActiveEntitlement;
}

/** The object of `entitlements.active_entitlement_summary.updated`: the customer's active entitlements (it has no id). */
export function activeEntitlementSummaryObject(
  customer: string,
  entitlements: Stripe.Entitlements.ActiveEntitlement[],
  hasMore = false,
): Stripe.Entitlements.ActiveEntitlementSummary {
  return {
    ...clone(activeEntitlementSummaryFixture),
    object: 'entitlements.active_entitlement_summary',
    customer,
    entitlements: { object: 'list', data: entitlements, has_more: hasMore, url: `/v1/customer/${customer}/entitlements` },
    livemode: false,
  } satisfies Stripe.Entitlements.ActiveEntitlementSummary;
}

/** A Customer Portal session (`POST /v1/billing_portal/sessions`); `url` is where the emulator serves its page. */
export function billingPortalSessionObject(spec: { id?: string; customer: string; returnUrl: string | null; url: string }): Stripe.BillingPortal.Session {
  return {
    ...clone(billingPortalSessionFixture),
    id: spec.id ?? stripeId('bps'),
    object: 'billing_portal.session',
    configuration: stripeId('bpc'),
    created: nowSeconds(),
    customer: spec.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: spec.returnUrl,
    url: spec.url,
  } satisfies Stripe.BillingPortal.Session;
}

/**
 * The `type` and `data` of one event type of the SDK's `Stripe.Event` union, e.g.
 * `{ type: 'invoice.paid', data: { object: Stripe.Invoice } }`: the type names the object it carries.
 */
export type EventPayload = Stripe.Event extends infer E ? (E extends Stripe.Event ? Pick<E, 'type' | 'data'> : never) : never;

/** What a test or the emulator may set on an event besides its type and object. */
export type EventOverrides = Partial<Pick<Stripe.Event, 'id' | 'account' | 'api_version' | 'context' | 'created' | 'livemode' | 'pending_webhooks' | 'request'>>;

/** Stripe's example event less its example object (a plan). */
const { data: _fixtureData, type: _fixtureType, ...eventEnvelopeFixture } = eventFixture;

function eventEnvelope(overrides: EventOverrides) {
  return {
    ...clone(eventEnvelopeFixture),
    id: stripeId('evt'),
    object: 'event' as const,
    api_version: Stripe.API_VERSION,
    created: nowSeconds(),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    ...overrides,
  };
}

/** An Event object as Stripe delivers it, its object checked against the event type (`data.object`, `data.previous_attributes`). */
export function stripeEvent(payload: EventPayload, overrides: EventOverrides = {}): Stripe.Event {
  return { ...eventEnvelope(overrides), ...payload } satisfies Stripe.Event;
}

/**
 * An event as it travels: any type and any object. Tests sign these too, with types the SDK does not list or
 * stand-in objects (`{ id }`), because the service must cope with whatever arrives.
 */
export type WireEvent = Omit<Stripe.Event, 'type' | 'data'> & { type: string; data: { object: object; previous_attributes?: object } };

/**
 * An Event object around `object`, as Stripe delivers it. With a type of the SDK's union and its object, it is
 * that event type (checked); with anything else (a stand-in object, an unlisted type) a `WireEvent`.
 */
export function eventObject<T extends Stripe.Event['type']>(
  type: T,
  object: Extract<Stripe.Event, { type: T }>['data']['object'],
  overrides?: EventOverrides,
): Extract<Stripe.Event, { type: T }>;
export function eventObject<T extends { id: string }>(type: string, object: T, overrides?: EventOverrides): WireEvent;
export function eventObject(type: string, object: object, overrides: EventOverrides = {}): WireEvent {
  return { ...eventEnvelope(overrides), type, data: { object } } satisfies WireEvent;
}
