import Stripe from 'stripe';
import { blankAddress } from './address.js';

/*
 * Stripe's published example objects: `resources` of Stripe's fixtures3.json (stripe/openapi repository, commit
 * f6c2a48fbac2819d1feba8143d942ffc65e1c0d2, MIT licence), each checked against the SDK's type. README.md beside
 * this file says where they come from and lists the few changes made for the API version the SDK pins.
 */

/** The discount fixtures3.json puts wherever an object has one (a subscription's pending update, a customer); a fresh object each time. */
const discountFixture = () =>
  ({
    checkout_session: null,
    customer: null,
    end: null,
    id: 'obj_123',
    invoice: null,
    invoice_item: null,
    object: 'discount',
    promotion_code: null,
    start: 109757538,
    subscription: null,
    subscription_item: null,
    source: {
      coupon: null,
      type: 'coupon',
    },
    customer_account: null,
  }) satisfies Stripe.Discount;

/** `resources["checkout.session"]` of fixtures3.json. */
export const checkoutSessionFixture = {
  after_expiration: {
    recovery: {
      allow_promotion_codes: true,
      enabled: true,
      expires_at: null,
      url: null,
    },
  },
  allow_promotion_codes: null,
  allowed_payment_method_types: null,
  amount_subtotal: null,
  amount_total: null,
  automatic_tax: {
    enabled: false,
    liability: {
      type: 'account',
    },
    status: null,
    provider: null,
  },
  billing_address_collection: null,
  cancel_url: 'https://example.com/cancel',
  client_reference_id: null,
  client_secret: null,
  consent: {
    promotions: null,
    terms_of_service: null,
  },
  consent_collection: {
    payment_method_reuse_agreement: {
      position: 'hidden',
    },
    promotions: null,
    terms_of_service: null,
  },
  created: 1234567890,
  currency: null,
  custom_fields: [],
  custom_text: {
    after_submit: {
      message: 'message',
    },
    shipping_address: {
      message: 'message',
    },
    submit: {
      message: 'message',
    },
    terms_of_service_acceptance: {
      message: 'message',
    },
  },
  customer: null,
  customer_creation: null,
  customer_details: {
    address: blankAddress(),
    email: 'example@example.com',
    name: null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: null,
    business_name: null,
    individual_name: null,
  },
  customer_email: null,
  expires_at: 1234567890,
  id: 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY',
  invoice: null,
  invoice_creation: {
    enabled: true,
    invoice_data: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: {
        type: 'account',
      },
      metadata: null,
      rendering_options: {
        amount_tax_display: null,
        template: null,
      },
    },
  },
  livemode: false,
  locale: null,
  metadata: {},
  mode: 'payment',
  object: 'checkout.session',
  payment_intent: 'pi_1PgafyB7WZ01zgkWSjxsAJo3',
  payment_link: null,
  payment_method_collection: null,
  payment_method_configuration_details: {
    id: 'obj_123',
    parent: null,
  },
  payment_method_options: {},
  payment_method_types: ['card'],
  payment_status: 'unpaid',
  phone_number_collection: {
    enabled: false,
  },
  recovered_from: null,
  saved_payment_method_options: {
    allow_redisplay_filters: null,
    payment_method_remove: null,
    payment_method_save: null,
  },
  setup_intent: null,
  shipping_address_collection: {
    allowed_countries: ['SC'],
  },
  shipping_cost: {
    amount_subtotal: 1555417355,
    amount_tax: 1424534716,
    amount_total: 1117121693,
    shipping_rate: null,
  },
  shipping_options: [],
  status: 'open',
  submit_type: null,
  subscription: null,
  success_url: 'https://example.com/success',
  total_details: {
    amount_discount: 406046392,
    amount_shipping: null,
    amount_tax: 1424534716,
  },
  ui_mode: null,
  url: 'https://checkout.stripe.com/pay/c/cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY',
  adaptive_pricing: {
    enabled: true,
  },
  discounts: null,
  collected_information: {
    shipping_details: {
      address: blankAddress(),
      name: 'name',
    },
    business_name: null,
    individual_name: null,
  },
  permissions: {
    update_shipping_details: null,
  },
  wallet_options: {},
  origin_context: null,
  currency_conversion: {
    amount_subtotal: 1555417355,
    amount_total: 1117121693,
    fx_rate: Stripe.Decimal.from('291452898'),
    source_currency: 'usd',
  },
  customer_account: null,
  integration_identifier: null,
  managed_payments: {
    enabled: true,
  },
} satisfies Stripe.Checkout.Session;

/** `resources["price"]` of fixtures3.json. */
export const priceFixture = {
  active: true,
  billing_scheme: 'per_unit',
  created: 1234567890,
  currency: 'usd',
  custom_unit_amount: {
    maximum: null,
    minimum: null,
    preset: null,
  },
  id: 'price_1PgafmB7WZ01zgkW6dKueIc5',
  livemode: false,
  lookup_key: null,
  metadata: {},
  nickname: null,
  object: 'price',
  product: 'prod_QXg1hqf4jFNsqG',
  recurring: {
    interval: 'month',
    interval_count: 1,
    meter: null,
    usage_type: 'licensed',
    trial_period_days: null,
  },
  tax_behavior: 'unspecified',
  tiers_mode: null,
  transform_quantity: {
    divide_by: 1592560163,
    round: 'down',
  },
  type: 'recurring',
  unit_amount: 2000,
  unit_amount_decimal: Stripe.Decimal.from('2000'),
} satisfies Stripe.Price;

/** `resources["plan"]` of fixtures3.json. */
export const planFixture = {
  active: true,
  amount: 2000,
  amount_decimal: Stripe.Decimal.from('2000'),
  billing_scheme: 'per_unit',
  created: 1234567890,
  currency: 'usd',
  id: 'price_1PgafmB7WZ01zgkW6dKueIc5',
  interval: 'month',
  interval_count: 1,
  livemode: false,
  metadata: {},
  meter: null,
  nickname: null,
  object: 'plan',
  product: 'prod_QXg1hqf4jFNsqG',
  tiers_mode: null,
  transform_usage: {
    divide_by: 1592560163,
    round: 'down',
  },
  trial_period_days: null,
  usage_type: 'licensed',
} satisfies Stripe.Plan;

/** `resources["subscription_item"]` of fixtures3.json. */
export const subscriptionItemFixture = {
  created: 1721954060,
  discounts: [],
  id: 'si_QXhVBoJ7NQdNXh',
  metadata: {},
  object: 'subscription_item',
  // a subscription item carries its price whole: Stripe's price fixture (`resources["price"]`), created earlier
  price: { ...priceFixture, created: 1721948530 },
  quantity: 1,
  subscription: 'sub_1Pgc6xB7WZ01zgkWJMvZp5ja',
  tax_rates: [],
  plan: {
    active: true,
    amount: null,
    amount_decimal: null,
    billing_scheme: 'tiered',
    created: 1028554472,
    currency: 'currency',
    id: 'obj_123',
    interval: 'month',
    interval_count: 797691627,
    livemode: true,
    metadata: null,
    meter: null,
    nickname: null,
    object: 'plan',
    product: null,
    tiers_mode: null,
    transform_usage: {
      divide_by: 1592560163,
      round: 'down',
    },
    trial_period_days: null,
    usage_type: 'licensed',
  },
  current_period_end: 976287773,
  current_period_start: 1896570518,
  current_trial: null,
  billing_thresholds: {
    usage_gte: null,
  },
} satisfies Stripe.SubscriptionItem;

/** `resources["subscription"]` of fixtures3.json. */
export const subscriptionFixture = {
  application: null,
  application_fee_percent: null,
  automatic_tax: {
    enabled: false,
    liability: {
      type: 'account',
    },
    disabled_reason: null,
  },
  billing_cycle_anchor: 1234567890,
  billing_cycle_anchor_config: {
    day_of_month: 1361669285,
    hour: null,
    minute: null,
    month: null,
    second: null,
  },
  cancel_at: 1234567890,
  canceled_at: 1234567890,
  cancellation_details: {
    comment: null,
    feedback: null,
    feedback_option: null,
    reason: null,
  },
  collection_method: 'charge_automatically',
  created: 1234567890,
  currency: 'usd',
  customer: 'cus_QXg1o8vcGmoR32',
  days_until_due: null,
  default_payment_method: null,
  default_source: null,
  default_tax_rates: [],
  description: null,
  discounts: [],
  ended_at: 1234567890,
  id: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw',
  invoice_settings: {
    account_tax_ids: null,
    issuer: {
      type: 'self',
    },
    custom_fields: null,
    description: null,
    footer: null,
  },
  items: {
    // its one item is Stripe's subscription item fixture (`resources["subscription_item"]`) under another id
    data: [{ ...subscriptionItemFixture, created: 1721954054, id: 'si_QXhVnC2h0Jczwc', subscription: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw' }],
    has_more: false,
    object: 'list',
    url: '/v1/subscription_items?subscription=sub_1Pgc6rB7WZ01zgkWNy0Cn5nw',
  },
  latest_invoice: null,
  livemode: false,
  metadata: {},
  next_pending_invoice_item_invoice: 1234567890,
  object: 'subscription',
  on_behalf_of: null,
  pause_collection: {
    behavior: 'mark_uncollectible',
    resumes_at: null,
  },
  payment_settings: {
    payment_method_options: {
      acss_debit: {},
      bancontact: {
        preferred_language: 'fr',
      },
      card: {
        network: null,
        request_three_d_secure: null,
      },
      customer_balance: {
        funding_type: null,
      },
      konbini: {},
      sepa_debit: {},
      us_bank_account: {},
      payto: {},
      pix: {},
      upi: {},
    },
    payment_method_types: null,
    save_default_payment_method: null,
  },
  pending_invoice_item_interval: {
    interval: 'month',
    interval_count: 797691627,
  },
  pending_setup_intent: null,
  pending_update: {
    billing_cycle_anchor: null,
    cancel_at_period_end: null,
    discount: discountFixture(),
    discounts: [],
    expires_at: 833811170,
    subscription_items: null,
    trial_end: null,
    trial_from_plan: null,
    metadata: null,
  },
  schedule: null,
  start_date: 1234567890,
  status: 'active',
  test_clock: null,
  transfer_data: {
    amount_percent: null,
    destination: 'obj_123',
  },
  trial_end: 1234567890,
  trial_settings: {
    end_behavior: {
      billing_cycle_anchor: null,
      missing_payment_method: 'create_invoice',
    },
  },
  trial_start: 1234567890,
  cancel_at_period_end: true,
  billing_thresholds: {
    amount_gte: null,
    reset_billing_cycle_anchor: null,
  },
  billing_mode: {
    type: 'classic',
    flexible: {},
  },
  customer_account: null,
  managed_payments: {
    enabled: true,
  },
  billing_schedules: [
    {
      applies_to: null,
      bill_until: {
        computed_timestamp: 2082605468,
        duration: {
          interval: 'month',
          interval_count: null,
        },
        timestamp: null,
        type: 'duration',
      },
      key: 'key',
    },
  ],
} satisfies Stripe.Subscription;

/** `resources["line_item"]` of fixtures3.json. */
export const invoiceLineItemFixture = {
  amount: 1000,
  currency: 'usd',
  description: 'My First Invoice Item (created for API docs)',
  discount_amounts: [],
  discountable: true,
  discounts: [],
  id: 'il_tmp_1Pgc6sB7WZ01zgkWrG16hkdl',
  invoice: 'in_1Pgc6tB7WZ01zgkWu9fdqL6I',
  livemode: false,
  metadata: {},
  object: 'line_item',
  period: {
    end: 1721954054,
    start: 1721954054,
  },
  quantity: 1,
  subscription: null,
  pretax_credit_amounts: null,
  taxes: null,
  parent: {
    invoice_item_details: {
      invoice_item: 'invoice_item',
      proration: true,
      proration_details: {
        credited_items: {
          invoice: 'invoice',
          invoice_line_items: ['invoice_line_items'],
        },
      },
      subscription: null,
    },
    subscription_item_details: {
      invoice_item: null,
      proration: true,
      proration_details: {
        credited_items: {
          invoice: 'invoice',
          invoice_line_items: ['invoice_line_items'],
        },
      },
      subscription: 'subscription',
      subscription_item: 'subscription_item',
    },
    type: 'invoice_item_details',
  },
  pricing: {
    type: 'price_details',
    unit_amount_decimal: null,
  },
  subtotal: 2060319484,
  quantity_decimal: null,
} satisfies Stripe.InvoiceLineItem;

/** `resources["invoice"]` of fixtures3.json. */
export const invoiceFixture = {
  account_country: 'US',
  account_name: null,
  account_tax_ids: null,
  amount_due: 1000,
  amount_paid: 0,
  amount_remaining: 1000,
  amount_shipping: 0,
  application: null,
  attempt_count: 0,
  attempted: false,
  auto_advance: false,
  automatic_tax: {
    enabled: false,
    liability: {
      type: 'account',
    },
    status: null,
    disabled_reason: null,
    provider: null,
  },
  billing_reason: 'manual',
  collection_method: 'charge_automatically',
  created: 1234567890,
  currency: 'usd',
  custom_fields: null,
  customer: 'cus_QXg1o8vcGmoR32',
  customer_address: blankAddress(),
  customer_email: null,
  customer_name: null,
  customer_phone: null,
  customer_shipping: {},
  customer_tax_exempt: 'none',
  customer_tax_ids: [],
  default_payment_method: null,
  default_source: null,
  default_tax_rates: [],
  description: null,
  discounts: [],
  due_date: 1234567890,
  effective_at: 1234567890,
  ending_balance: null,
  footer: null,
  from_invoice: {
    action: 'action',
    invoice: 'invoice',
  },
  hosted_invoice_url: null,
  id: 'in_1Pgc6tB7WZ01zgkWu9fdqL6I',
  invoice_pdf: null,
  issuer: {
    type: 'self',
  },
  last_finalization_error: {
    type: 'idempotency_error',
  },
  latest_revision: null,
  lines: {
    // Stripe's invoice fixture embeds its line item (`resources["line_item"]`) under the line's final id
    data: [{ ...invoiceLineItemFixture, id: 'il_1Pgc6sB7WZ01zgkWFnxLrLCq' }],
    has_more: false,
    object: 'list',
    url: '/v1/invoices/in_1Pgc6tB7WZ01zgkWu9fdqL6I/lines',
  },
  livemode: false,
  metadata: {},
  next_payment_attempt: 1234567890,
  number: null,
  object: 'invoice',
  on_behalf_of: null,
  payment_settings: {
    default_mandate: null,
    payment_method_options: {
      acss_debit: {},
      bancontact: {
        preferred_language: 'fr',
      },
      card: {
        request_three_d_secure: null,
      },
      customer_balance: {
        funding_type: null,
      },
      konbini: {},
      sepa_debit: {},
      us_bank_account: {},
      payto: {},
      pix: {
        amount_includes_iof: null,
      },
      upi: {},
    },
    payment_method_types: null,
  },
  period_end: 1234567890,
  period_start: 1234567890,
  post_payment_credit_notes_amount: 0,
  pre_payment_credit_notes_amount: 0,
  receipt_number: null,
  rendering: {
    amount_tax_display: null,
    pdf: {
      page_size: null,
    },
    template: null,
    template_version: null,
  },
  shipping_cost: {
    amount_subtotal: 1555417355,
    amount_tax: 1424534716,
    amount_total: 1117121693,
    shipping_rate: null,
  },
  shipping_details: {},
  starting_balance: 0,
  statement_descriptor: null,
  status: 'draft',
  status_transitions: {
    finalized_at: null,
    marked_uncollectible_at: null,
    paid_at: null,
    voided_at: null,
  },
  subtotal: 1000,
  subtotal_excluding_tax: 1000,
  test_clock: null,
  total: 1000,
  total_discount_amounts: [],
  total_excluding_tax: 1000,
  webhooks_delivered_at: 1234567890,
  automatically_finalizes_at: null,
  total_pretax_credit_amounts: null,
  total_taxes: null,
  amount_overpaid: 149300825,
  parent: {
    quote_details: {
      quote: 'quote',
    },
    subscription_details: {
      metadata: null,
      subscription: 'subscription',
    },
    type: 'quote_details',
  },
  customer_account: null,
} satisfies Stripe.Invoice;

/** `resources["item"]` of fixtures3.json: a line item of a Checkout Session. */
export const checkoutLineItemFixture = {
  amount_discount: 0,
  amount_subtotal: 0,
  amount_tax: 0,
  amount_total: 0,
  currency: 'usd',
  description: 'T-shirt',
  id: 'li_1Pgc73B7WZ01zgkWx8kcmZPK',
  object: 'item',
  price: {
    active: true,
    billing_scheme: 'per_unit',
    created: 1721948530,
    currency: 'usd',
    custom_unit_amount: {
      maximum: null,
      minimum: null,
      preset: null,
    },
    id: 'price_1PgafmB7WZ01zgkW02Hf9z6c',
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    object: 'price',
    product: 'prod_QXg1hqf4jFNsqG',
    recurring: {
      interval: 'month',
      interval_count: 797691627,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: {
      divide_by: 1592560163,
      round: 'down',
    },
    type: 'one_time',
    unit_amount: 1000,
    unit_amount_decimal: Stripe.Decimal.from('1000'),
  },
  quantity: 1,
  metadata: null,
  adjustable_quantity: {
    enabled: true,
    maximum: null,
    minimum: null,
  },
} satisfies Stripe.LineItem;

/** `resources["customer"]` of fixtures3.json. */
export const customerFixture = {
  address: blankAddress(),
  balance: 0,
  created: 1234567890,
  currency: 'usd',
  default_source: null,
  delinquent: false,
  description: null,
  discount: discountFixture(),
  email: null,
  id: 'cus_QXg1o8vcGmoR32',
  invoice_prefix: '7FE1103',
  invoice_settings: {
    custom_fields: null,
    default_payment_method: null,
    footer: null,
    rendering_options: {
      amount_tax_display: null,
      template: null,
    },
  },
  livemode: false,
  metadata: {},
  name: null,
  next_invoice_sequence: 1,
  object: 'customer',
  phone: null,
  preferred_locales: [],
  shipping: {},
  tax_exempt: 'none',
  test_clock: null,
} satisfies Stripe.Customer;

/** `resources["billing_portal.session"]` of fixtures3.json. */
export const billingPortalSessionFixture = {
  configuration: 'bpc_1Pgc7HB7WZ01zgkWxH2EPWRX',
  created: 1234567890,
  customer: 'cus_QXg1o8vcGmoR32',
  flow: {
    after_completion: {
      hosted_confirmation: {
        custom_message: null,
      },
      redirect: {
        return_url: 'return_url',
      },
      type: 'hosted_confirmation',
    },
    customer_update: null,
    subscription_cancel: {
      retention: {
        coupon_offer: {
          coupon: 'coupon',
        },
        type: 'coupon_offer',
      },
      subscription: 'subscription',
    },
    subscription_pause: null,
    subscription_update: {
      subscription: 'subscription',
    },
    subscription_update_confirm: {
      discounts: null,
      items: [
        {
          id: null,
          price: null,
        },
      ],
      subscription: 'subscription',
    },
    type: 'subscription_update',
  },
  id: 'bps_1Pgc7HB7WZ01zgkWNs8s9Auh',
  livemode: true,
  locale: null,
  object: 'billing_portal.session',
  on_behalf_of: null,
  return_url: 'https://example.com/account',
  url: 'https://sangeekp-15t6ai--customer_portal-mydev.dev.stripe.me/session/{SESSION_SECRET}',
  customer_account: null,
} satisfies Stripe.BillingPortal.Session;

/** `resources["entitlements.active_entitlement"]` of fixtures3.json. */
export const activeEntitlementFixture = {
  feature: 'feat_test_61QGU1MWyFMSP9YBZ41ClCIKljWvsTgu',
  id: 'ent_test_61QG5x2cU1GluFTYs41JqiESbLiX8C8O',
  livemode: false,
  lookup_key: 'something',
  object: 'entitlements.active_entitlement',
} satisfies Stripe.Entitlements.ActiveEntitlement;

/** `resources["entitlements.active_entitlement_summary"]` of fixtures3.json. */
export const activeEntitlementSummaryFixture = {
  customer: 'customer',
  entitlements: {
    data: [
      {
        feature: {
          active: true,
          id: 'obj_123',
          livemode: true,
          lookup_key: 'lookup_key',
          metadata: {
            undefined: 'metadata',
          },
          name: 'name',
          object: 'entitlements.feature',
        },
        id: 'obj_123',
        livemode: true,
        lookup_key: 'lookup_key',
        object: 'entitlements.active_entitlement',
      },
    ],
    has_more: true,
    object: 'list',
    url: 'url',
  },
  livemode: true,
  object: 'entitlements.active_entitlement_summary',
} satisfies Stripe.Entitlements.ActiveEntitlementSummary;

/** `resources["event"]` of fixtures3.json. */
export const eventFixture = {
  api_version: null,
  created: 1234567890,
  data: {
    object: {
      active: true,
      amount: 2000,
      amount_decimal: Stripe.Decimal.from('2000'),
      billing_scheme: 'per_unit',
      created: 1721948530,
      currency: 'usd',
      id: 'price_1PgafmB7WZ01zgkW6dKueIc5',
      interval: 'month',
      interval_count: 1,
      livemode: false,
      metadata: {},
      meter: null,
      nickname: null,
      object: 'plan',
      product: 'prod_QXg1hqf4jFNsqG',
      tiers_mode: null,
      transform_usage: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
  },
  id: 'evt_1Pgc76B7WZ01zgkWwyRHS12y',
  livemode: false,
  object: 'event',
  pending_webhooks: 0,
  request: {
    id: null,
    idempotency_key: null,
  },
  type: 'plan.created',
} satisfies Stripe.Event;
