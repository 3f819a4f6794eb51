/**
 * `npm run stripe:trigger -- <event type> [--user EMAIL] [--thin]`, like Stripe CLI's `trigger` (`--thin`: the
 * emulator delivers thin event notifications, which the service resolves through the SDK):
 * in local mode the running emulator creates the objects behind the event and delivers it signed;
 * otherwise a realistic event is signed with STRIPE_WEBHOOK_SECRET and posted to the service.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type Stripe from 'stripe';
import { loadDotEnv } from '../src/bootstrap.js';
import {
  activeEntitlementObject,
  activeEntitlementSummaryObject,
  checkoutSessionObject,
  customerObject,
  eventObject,
  invoiceObject,
  subscriptionObject,
} from '../stripe-emulator/objects.js';
import { localStateFile, type LocalStripeState } from '../stripe-emulator/local-mode.js';
import { stripeSignature } from '../stripe-emulator/webhook-delivery.js';

/**
 * What this command can make: the events of a checkout, a subscription and its invoices (each one a type the
 * service handles; test/e2e/commands.e2e-spec.ts checks that against the running handler registry).
 */
const TYPES: readonly Stripe.Event['type'][] = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'entitlements.active_entitlement_summary.updated',
];

function args(): { type: string; email?: string; thin: boolean } {
  const argv = process.argv.slice(2);
  const thin = argv.includes('--thin');
  const type = argv.find((a) => !a.startsWith('--') && argv[argv.indexOf(a) - 1] !== '--user');
  const userIndex = argv.indexOf('--user');
  const email = userIndex === -1 ? undefined : argv[userIndex + 1];
  if (!type || !(TYPES as readonly string[]).includes(type)) throw new Error(`usage: npm run stripe:trigger -- <${TYPES.join('|')}> [--user EMAIL] [--thin]`);
  if (userIndex !== -1 && !/^[^\s@]+@[^\s@]+$/.test(email ?? '')) throw new Error('--user needs an email');
  return { type, email, thin };
}

async function viaEmulator(state: LocalStripeState, type: string, email?: string, thin = false): Promise<boolean> {
  try {
    const res = await fetch(`${state.apiUrl}/_emulator/trigger`, {
      method: 'POST',
      // the trigger route needs the emulator's own key (kept with its state in the data folder)
      headers: { 'content-type': 'application/json', authorization: `Bearer ${state.secretKey}` },
      body: JSON.stringify({ type, email, ...(thin ? { format: 'thin' } : {}) }),
    });
    const body = (await res.json()) as { events?: Array<{ id: string; type: string }>; error?: { message: string } };
    if (!res.ok) throw new Error(body.error?.message ?? `emulator answered ${res.status}`);
    for (const event of body.events ?? []) console.log(`Triggered ${event.type} (${event.id}); the emulator delivers it signed to the service`);
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false; // emulator not running
    throw error;
  }
}

/** Without the emulator: one signed event, built like Stripe's, posted straight to the webhook. */
async function direct(type: string, email = 'customer@example.com'): Promise<void> {
  const secret = process.env.STRIPE_WEBHOOK_SECRET?.split(',')[0]?.trim();
  if (!secret) throw new Error('Neither a running emulator (npm start without STRIPE_SECRET_KEY) nor STRIPE_WEBHOOK_SECRET: nothing to sign with');
  const target = process.env.STRIPE_TRIGGER_URL ?? `http://localhost:${process.env.PORT ?? 3000}/api/webhooks/stripe`;
  const subscription = subscriptionObject({ status: type === 'customer.subscription.deleted' ? 'canceled' : 'active' });
  // Entitlements: a summary for a new customer (with the emulator, the email's customer gets it instead)
  const entitlements = () =>
    activeEntitlementSummaryObject(customerObject({ email }).id, [activeEntitlementObject({ lookup_key: 'premium_support' })]) as unknown as { id: string };
  const object = type.startsWith('entitlements.')
    ? entitlements()
    : type.startsWith('checkout.session')
      ? checkoutSessionObject({
          status: type.endsWith('expired') ? 'expired' : 'complete',
          payment_status: type.endsWith('completed') || type.endsWith('succeeded') ? 'paid' : 'unpaid',
          customer_details: { email } as never,
          subscription: subscription.id,
        })
      : type.startsWith('invoice')
        ? invoiceObject({ subscriptionId: subscription.id, status: type === 'invoice.paid' ? 'paid' : 'open' })
        : subscription;
  const payload = JSON.stringify(eventObject(type, object), null, 2);
  const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignature(payload, secret) }, body: payload });
  console.log(`Sent ${type} to ${target}: ${res.status} ${await res.text()}`);
  if (!res.ok) process.exitCode = 1;
}

async function main(): Promise<void> {
  loadDotEnv();
  const { type, email, thin } = args();
  const file = localStateFile(resolve(process.env.DATA_DIR ?? '.data'));
  if (!process.env.STRIPE_SECRET_KEY && existsSync(file)) {
    const state = JSON.parse(readFileSync(file, 'utf8')) as LocalStripeState;
    if (await viaEmulator(state, type, email, thin)) return;
  }
  // a thin notification only names its object, which the service then fetches from Stripe: only the emulator can serve that
  if (thin) throw new Error('--thin needs the running emulator (npm start without STRIPE_SECRET_KEY)');
  await direct(type, email);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
