import type Stripe from 'stripe';
import request from 'supertest';
import { stripeSignature } from '../../stripe-emulator/webhook-delivery.js';
import type { TestApp } from './app.js';

export const WEBHOOK_SECRET = 'whsec_test_primary_secret_0123456789';
export const ROTATED_SECRET = 'whsec_test_rotated_secret_9876543210';

/** Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (the emulator's signer, the one copy). */
export const signPayload = stripeSignature;

/** Posts an event to the webhook exactly as Stripe would: raw JSON bytes and a signature over them. */
export function deliver(t: TestApp, event: Stripe.Event | Record<string, unknown>, options: { secret?: string; timestamp?: number; header?: string | null } = {}) {
  const payload = JSON.stringify(event, null, 2);
  const req = request(t.http).post('/api/webhooks/stripe').set('Content-Type', 'application/json; charset=utf-8');
  const header = options.header === undefined ? signPayload(payload, options.secret ?? WEBHOOK_SECRET, options.timestamp) : options.header;
  if (header !== null) req.set('Stripe-Signature', header);
  return req.send(payload);
}
