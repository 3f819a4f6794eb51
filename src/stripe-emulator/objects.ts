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
    ui_mode: 'hosted',
    url: `https://checkout.stripe.com/c/pay/${id}`,
    ...overrides,
  } as unknown as Stripe.Checkout.Session;
}

export function priceObject(overrides: DeepPartial<Stripe.Price> = {}): Stripe.Price {
  return {
    id: stripeId('price'),
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
    product: stripeId('prod', 14),
    recurring: { interval: 'month', interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: 2000,
    unit_amount_decimal: '2000',
    ...overrides,
  } as unknown as Stripe.Price;
}

export function subscriptionObject(
  overrides: Partial<Omit<Stripe.Subscription, 'items'>> & { price?: Stripe.Price; periodEnd?: number } = {},
): Stripe.Subscription {
  const { price: givenPrice, periodEnd, ...rest } = overrides;
  const id = rest.id ?? stripeId('sub');
  const created = rest.created ?? nowSeconds();
  const price = givenPrice ?? priceObject();
  const end = periodEnd ?? created + 30 * 24 * 3600;
  return {
    id,
    object: 'subscription',
    application: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: created,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    collection_method: 'charge_automatically',
    created,
    currency: price.currency,
    customer: stripeId('cus', 14),
    default_payment_method: null,
    description: null,
    discounts: [],
    ended_at: null,
    items: {
      object: 'list',
      data: [
        {
          id: stripeId('si', 14),
          object: 'subscription_item',
          created,
          current_period_start: created,
          current_period_end: end,
          discounts: [],
          metadata: {},
          price,
          quantity: 1,
          subscription: id,
          tax_rates: [],
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: {},
    start_date: created,
    status: 'active',
    trial_end: null,
    trial_start: null,
    ...rest,
  } as unknown as Stripe.Subscription;
}

export function invoiceObject(overrides: Partial<Stripe.Invoice> & { subscriptionId?: string } = {}): Stripe.Invoice {
  const { subscriptionId, ...rest } = overrides;
  return {
    id: stripeId('in'),
    object: 'invoice',
    amount_due: 2000,
    amount_paid: 2000,
    amount_remaining: 0,
    billing_reason: 'subscription_create',
    collection_method: 'charge_automatically',
    created: nowSeconds(),
    currency: 'usd',
    customer: stripeId('cus', 14),
    livemode: false,
    metadata: {},
    parent: subscriptionId
      ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: null, subscription: subscriptionId } }
      : null,
    status: 'paid',
    total: 2000,
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
