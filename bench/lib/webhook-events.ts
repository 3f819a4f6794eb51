import { createHmac, randomBytes } from 'node:crypto';
import { checkoutSessionObject, eventObject } from '../../src/stripe-emulator/objects.js';

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
  const t = Math.floor(Date.now() / 1000);
  const signature = `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
  return { eventId: event.id, sessionId, body, signature };
}
