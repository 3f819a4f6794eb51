import { randomBytes } from 'node:crypto';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { stripeSignature } from '../../stripe-emulator/webhook-delivery.js';

export interface SignedDelivery {
  eventId: string;
  sessionId: string;
  body: string;
  signature: string;
}

/** A signed `checkout.session.completed` for one of the seeded open sessions, as Stripe would send it. */
export function completedDelivery(sessionId: string, userId: string, secret: string): SignedDelivery {
  const suffix = sessionId.slice(-20);
  const session = checkoutSessionObject({
    id: sessionId,
    mode: 'subscription',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: userId,
    customer: `cus_${suffix}`,
    subscription: `sub_${suffix}`,
    amount_total: 2000,
    currency: 'usd',
    // what a real session of a paying customer carries besides (name, address, tax ids, the collected fields,
    // the payment method options), so that an event is about the ~3.5 KB Stripe sends
    customer_details: {
      email: 'payer@example.com',
      name: 'Ada Lovelace',
      phone: '+442071838750',
      tax_exempt: 'none',
      tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
      address: { city: 'London', country: 'GB', line1: '12 St James Square', line2: 'Flat 4', postal_code: 'SW1Y 4JH', state: null },
      business_name: null,
      individual_name: null,
    },
    custom_fields: [
      {
        key: 'company',
        label: { custom: 'Company name', type: 'custom' },
        optional: true,
        type: 'text',
        text: { value: 'Analytical Engines Ltd', default_value: null, maximum_length: null, minimum_length: null },
      },
    ] as never,
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: { message: 'You can cancel at any time from the customer portal.' },
      terms_of_service_acceptance: null,
    },
    payment_method_options: { card: { request_three_d_secure: 'automatic', setup_future_usage: 'off_session', installments: { enabled: false } } },
    payment_method_configuration_details: { id: `pmc_${suffix}`, parent: null },
    consent: { promotions: 'opt_in', terms_of_service: 'accepted' } as never,
    consent_collection: { payment_method_reuse_agreement: null, promotions: 'auto', terms_of_service: 'required' },
    invoice_creation: {
      enabled: false,
      invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null },
    },
    phone_number_collection: { enabled: true },
    tax_id_collection: { enabled: true, required: 'never' },
    shipping_address_collection: { allowed_countries: ['GB', 'DE', 'FR', 'US'] },
    collected_information: {
      business_name: null,
      individual_name: null,
      shipping_details: { name: 'Ada Lovelace', address: { city: 'London', country: 'GB', line1: '12 St James Square', line2: 'Flat 4', postal_code: 'SW1Y 4JH', state: null } },
    },
    metadata: { userId, plan: 'pro', interval: 'month', campaign: 'spring-2026', referrer: 'newsletter-2026-03', attempt: 'a1b2c3d4e5f60718' },
  });
  const event = eventObject('checkout.session.completed', session, { id: `evt_${randomBytes(12).toString('hex')}` });
  const body = JSON.stringify(event);
  return { eventId: event.id, sessionId, body, signature: stripeSignature(body, secret) };
}
