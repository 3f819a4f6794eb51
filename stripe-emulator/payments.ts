import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { clone } from './objects.js';

/**
 * How a charge on a customer's saved card ends in the emulator: it succeeds, is declined, or needs 3-D Secure
 * (the customer must authenticate on the invoice page). Tests choose it per customer, or by Stripe's test
 * payment methods, which behave the same way on real Stripe test mode.
 */
export type PaymentOutcome = 'succeeds' | 'declined' | 'requires_action';

/** Stripe's test payment methods for off-session charges, and what they do. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, PaymentOutcome>> = {
  pm_card_visa: 'succeeds',
  pm_card_chargeCustomerFail: 'declined',
  pm_card_visa_chargeDeclined: 'declined',
  pm_card_authenticationRequired: 'requires_action',
};

/** `payment_behavior` of a subscription update, as this API version accepts it. */
export type PaymentBehavior = 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';

/** The parameters a pending update may carry (Stripe's "pending updates reference"; `metadata` since 2026-05-27). */
const PENDING_UPDATE_PARAMS = new Set([
  'expand',
  'payment_behavior',
  'proration_behavior',
  'proration_date',
  'billing_cycle_anchor',
  'items',
  'trial_end',
  'trial_from_plan',
  'add_invoice_items',
  'metadata',
]);

/** Pending updates are discarded 23 hours after they are made. */
const PENDING_UPDATE_TTL_SECONDS = 23 * 60 * 60;

export function paymentBehavior(params: Record<string, unknown>): PaymentBehavior {
  const value = params.payment_behavior;
  if (value === undefined || value === '') return 'allow_incomplete';
  if (value === 'allow_incomplete' || value === 'default_incomplete' || value === 'error_if_incomplete' || value === 'pending_if_incomplete') {
    if (value === 'pending_if_incomplete') {
      const unsupported = Object.keys(params).find((k) => !PENDING_UPDATE_PARAMS.has(k));
      if (unsupported) throw EmulatorError.invalid(`When using payment_behavior=pending_if_incomplete, the parameter ${unsupported} is not supported.`, unsupported);
    }
    return value;
  }
  throw EmulatorError.invalid('Invalid payment_behavior: must be one of allow_incomplete, default_incomplete, error_if_incomplete, or pending_if_incomplete', 'payment_behavior');
}

/** Each customer's card, as the tests set it (`pm_card_visa` unless told). */
export class CustomerPayments {
  private readonly outcomes = new Map<string, PaymentOutcome>();

  /** Sets the customer's default card by a test payment method id, or the outcome directly. */
  set(customer: string, method: string): PaymentOutcome {
    const outcome = TEST_PAYMENT_METHODS[method] ?? (['succeeds', 'declined', 'requires_action'].includes(method) ? (method as PaymentOutcome) : undefined);
    if (!outcome) throw EmulatorError.invalid(`Unknown test payment method: ${method}`, 'payment_method');
    this.outcomes.set(customer, outcome);
    return outcome;
  }

  /** What charging `amount` to the customer's card would do; nothing to charge always succeeds. */
  charge(customer: string, amount: number): PaymentOutcome {
    return amount <= 0 ? 'succeeds' : (this.outcomes.get(customer) ?? 'succeeds');
  }
}

/** Stripe's 402 for `error_if_incomplete` (and for paying an invoice) when the card fails. */
export function cardError(outcome: Exclude<PaymentOutcome, 'succeeds'>): EmulatorError {
  return outcome === 'declined'
    ? new EmulatorError(402, 'card_error', 'Your card was declined.', 'card_declined')
    : new EmulatorError(402, 'card_error', 'This payment requires additional user action before it can be completed successfully.', 'subscription_payment_intent_requires_action');
}

/** The invoice after a failed first attempt: open, attempted, payable on its hosted page (and by client secret under 3-D Secure). */
export function unpaidInvoice(invoice: Stripe.Invoice, outcome: Exclude<PaymentOutcome, 'succeeds'>, baseUrl: string): Stripe.Invoice {
  return {
    ...invoice,
    status: 'open',
    amount_paid: 0,
    amount_remaining: invoice.amount_due,
    attempted: true,
    attempt_count: 1,
    hosted_invoice_url: `${baseUrl}/invoice/${invoice.id}`,
    confirmation_secret: outcome === 'requires_action' ? { client_secret: `pi_${invoice.id.slice(3)}_secret_emulator`, type: 'payment_intent' } : null,
    status_transitions: { ...invoice.status_transitions, paid_at: null },
  };
}

/** `pending_update` for an update whose payment failed: the items (and anchor, metadata) applied once the invoice is paid. */
export function pendingUpdate(
  items: Stripe.SubscriptionItem[],
  anchor: number | null,
  metadata: Stripe.Metadata | null,
  now: number,
  trialEnd: number | null = null,
): Stripe.Subscription.PendingUpdate {
  return {
    billing_cycle_anchor: anchor,
    cancel_at_period_end: null,
    discount: null,
    discounts: null,
    expires_at: now + PENDING_UPDATE_TTL_SECONDS,
    metadata,
    subscription_items: items.map((i) => clone(i)),
    trial_end: trialEnd,
    trial_from_plan: null,
  };
}

/** The subscription once its pending update is applied (its invoice was paid). */
export function withPendingUpdateApplied(sub: Stripe.Subscription): Stripe.Subscription {
  const update = sub.pending_update;
  if (!update) return sub;
  const next = clone(sub);
  if (update.subscription_items) next.items = { ...next.items, data: update.subscription_items.map((item) => clone(item)) };
  if (update.billing_cycle_anchor !== null) next.billing_cycle_anchor = update.billing_cycle_anchor;
  if (update.metadata) next.metadata = { ...next.metadata, ...update.metadata };
  // a pending update that ends the trial: the subscription is now active
  if (update.trial_end !== null) [next.trial_end, next.status] = [update.trial_end, 'active'];
  next.pending_update = null;
  return next;
}
