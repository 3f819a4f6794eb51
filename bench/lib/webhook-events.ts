import { randomBytes } from 'node:crypto';
import { checkoutSessionObject, eventObject } from '../../src/stripe-emulator/objects.js';
import { stripeSignature } from '../../src/stripe-emulator/webhook-delivery.js';

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
    metadata: { userId, plan: 'pro', interval: 'month' },
    customer: `cus_${suffix}`,
    subscription: `sub_${suffix}`,
    amount_total: 2000,
    currency: 'usd',
    customer_details: { email: 'payer@example.com' } as never,
  });
  const event = eventObject('checkout.session.completed', session, { id: `evt_${randomBytes(12).toString('hex')}` });
  const body = JSON.stringify(event);
  return { eventId: event.id, sessionId, body, signature: stripeSignature(body, secret) };
}
