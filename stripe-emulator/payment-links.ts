import type Stripe from 'stripe';
import { stripeId } from './ids.js';
import { listPage } from './list.js';
import { checkoutLineItemObject } from './objects.js';
import type { EmulatorStore } from './store.js';
import type { Params } from './params.js';

/**
 * A Checkout Session as a Payment Link opens it (Stripe creates it, not this API): no metadata, only what the
 * link's URL carries (`client_reference_id`, `prefilled_email`), and `payment_link` set. Its plan is in its line items.
 */
export function paymentLinkSession(
  store: EmulatorStore,
  options: { price: string; quantity?: number; clientReferenceId?: string; customerEmail?: string; paymentLink?: string },
): Stripe.Checkout.Session {
  const price = store.price(options.price, 'line_items[0][price]');
  const session = store.createCheckoutSession({
    mode: price.type === 'recurring' ? 'subscription' : 'payment',
    line_items: [{ price: price.id, quantity: String(options.quantity ?? 1) }],
    success_url: 'https://example.com/thanks',
    ...(options.clientReferenceId ? { client_reference_id: options.clientReferenceId } : {}),
    ...(options.customerEmail ? { customer_email: options.customerEmail } : {}),
  });
  const record = store.sessionRecord(session.id);
  record.session = { ...record.session, payment_link: options.paymentLink ?? stripeId('plink', 24) };
  return record.session;
}

/**
 * `GET /v1/checkout/sessions/:id/line_items`: the session's real items (the emulator's sessions have one), never an
 * empty list; `expand[]=data.price.product` is not needed: the price carries its product id.
 */
export function listSessionLineItems(store: EmulatorStore, sessionId: string, params: Params) {
  const { session, price, quantity } = store.sessionRecord(sessionId);
  return listPage([checkoutLineItemObject(session, price, quantity)], params, `/v1/checkout/sessions/${sessionId}/line_items`);
}
