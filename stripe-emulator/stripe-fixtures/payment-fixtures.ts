import type Stripe from 'stripe';
import { blankAddress } from './address.js';

/*
 * More of Stripe's published example objects (fixtures3.json `resources`, as in fixtures.ts), for the charges and
 * balance transactions the emulator makes for paid sessions (see ../charges.ts), each checked against the SDK's type.
 */

/** `resources["charge"]` of fixtures3.json. */
export const chargeFixture = {
  amount: 100,
  amount_captured: 0,
  amount_refunded: 0,
  application: null,
  application_fee: null,
  application_fee_amount: null,
  balance_transaction: 'txn_1PgaxNB7WZ01zgkWEV3TLf40',
  billing_details: {
    address: blankAddress(),
    email: null,
    name: 'Jenny Rosen',
    phone: null,
    tax_id: null,
  },
  calculated_statement_descriptor: null,
  captured: false,
  created: 1234567890,
  currency: 'usd',
  customer: null,
  description: 'My First Test Charge (created for API docs)',
  disputed: false,
  failure_balance_transaction: null,
  failure_code: null,
  failure_message: null,
  fraud_details: {},
  id: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
  livemode: false,
  metadata: {},
  object: 'charge',
  on_behalf_of: null,
  outcome: {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: null,
    reason: null,
    seller_message: null,
    type: 'type',
  },
  paid: true,
  payment_intent: null,
  payment_method: 'card_1PgaftB7WZ01zgkWm3waTcFp',
  payment_method_details: {
    card: {
      amount_authorized: null,
      // added for the pinned API version (not in fixtures3.json)
      electronic_commerce_indicator: null,
      brand: 'visa',
      checks: {
        address_line1_check: null,
        address_postal_code_check: null,
        cvc_check: 'pass',
      },
      country: 'US',
      exp_month: 8,
      exp_year: 2030,
      extended_authorization: {
        status: 'disabled',
      },
      fingerprint: 'AOB934RVNwzk6xtn',
      funding: 'credit',
      incremental_authorization: {
        status: 'unavailable',
      },
      installments: {
        plan: {
          count: null,
          interval: null,
          type: 'fixed_count',
        },
      },
      last4: '4242',
      mandate: null,
      multicapture: {
        status: 'unavailable',
      },
      network: 'visa',
      network_token: {
        used: false,
      },
      overcapture: {
        maximum_amount_capturable: 100,
        status: 'unavailable',
      },
      three_d_secure: {
        authentication_flow: null,
        electronic_commerce_indicator: null,
        exemption_indicator: null,
        result: null,
        result_reason: null,
        transaction_id: null,
        version: null,
      },
      wallet: {
        dynamic_last4: null,
        type: 'link',
      },
      authorization_code: null,
      regulated_status: null,
      network_transaction_id: null,
      transaction_link_id: null,
    },
    type: 'card',
  },
  receipt_email: null,
  receipt_number: null,
  receipt_url:
    'https://sangeekp-15t6ai--manage-mydev.dev.stripe.me/receipts/payment/CAcaFwoVYWNjdF8xUGdhZlRCN1daMDF6Z2tXKI_ei7UGMgZv2S_KfiY6LCJrxC7awazgQA9I88krZKw5uuCkZ5Nup2tomEtAbSpdfzjVZHO3ZYP5KFZP',
  refunded: false,
  refunds: {
    data: [],
    has_more: false,
    object: 'list',
    url: '/v1/charges/ch_1PgafuB7WZ01zgkWXYmPNZs8/refunds',
  },
  review: null,
  shipping: {},
  source_transfer: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  status: 'succeeded',
  transfer_data: {
    amount: null,
    // an id where fixtures3.json has a stub object the pinned SDK types do not accept
    destination: 'acct_123',
  },
  transfer_group: null,
  source: {
    allow_redisplay: null,
    amount: null,
    client_secret: 'client_secret',
    created: 1028554472,
    currency: null,
    flow: 'flow',
    id: 'obj_123',
    livemode: true,
    metadata: null,
    object: 'source',
    owner: {
      address: blankAddress(),
      email: null,
      name: null,
      phone: null,
      verified_address: blankAddress(),
      verified_email: null,
      verified_name: null,
      verified_phone: null,
    },
    statement_descriptor: null,
    status: 'status',
    type: 'ach_credit_transfer',
    usage: null,
  },
} satisfies Stripe.Charge;

/** `resources["balance_transaction"]` of fixtures3.json. */
export const balanceTransactionFixture = {
  amount: 100,
  available_on: 1234567890,
  created: 1234567890,
  currency: 'usd',
  description: 'My First Test Charge (created for API docs)',
  exchange_rate: null,
  fee: 0,
  fee_details: [],
  id: 'txn_1PgaxNB7WZ01zgkWEV3TLf40',
  net: 100,
  object: 'balance_transaction',
  reporting_category: 'charge',
  source: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
  status: 'available',
  type: 'charge',
  balance_type: 'payments',
} satisfies Stripe.BalanceTransaction;
