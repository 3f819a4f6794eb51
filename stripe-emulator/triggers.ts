import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import type { EmulatorStore } from './store.js';
import type { Params } from './params.js';
import { ENDED, updateSubscriptionState } from './subscription-state.js';
import { invoiceFor } from './invoices.js';

/*
 * Test control like Stripe CLI's `stripe trigger`: makes the objects behind an event type.
 */

/** Makes the objects behind an event type for the customer of `email`, like Stripe CLI's `trigger`; returns the events emitted. */
export function trigger(store: EmulatorStore, type: string, email = 'customer@example.com', lookupKeys?: string[]): Stripe.Event[] {
  const before = store.events.length;
  const customer = [...store.customers.values()].find((c) => c.email === email) ?? store.createCustomer({ email });
  const recurring = [...store.prices.values()].find((p) => p.active && p.type === 'recurring');
  if (!recurring) throw EmulatorError.invalid('The emulator has no recurring price to trigger with');
  const newSession = (subscriptionData?: Params) =>
    store.createCheckoutSession({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: recurring.id, quantity: '1' }],
      ...(subscriptionData ? { subscription_data: subscriptionData } : {}),
      success_url: `${store.baseUrl()}/return/success?session_id={CHECKOUT_SESSION_ID}`,
    });
  /** the customer's newest subscription that `keep` accepts, else a new one from a completed Checkout */
  const newest = (keep: (s: Stripe.Subscription) => boolean, subscriptionData?: Params) =>
    store.customerSubscriptions(customer.id).filter(keep).pop() ?? store.subscription(store.completeCheckout(newSession(subscriptionData).id).subscription as string);
  const latest = () => newest((s) => !ENDED.has(s.status));
  const unpaused = () => newest((s) => !ENDED.has(s.status) && s.status !== 'paused' && s.status !== 'incomplete');
  const trialing = () => newest((s) => s.status === 'trialing', { trial_period_days: '7' });
  switch (type) {
    case 'checkout.session.completed':
    case 'customer.subscription.created':
      store.completeCheckout(newSession().id, 'paid');
      break;
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed': {
      const session = store.completeCheckout(newSession().id, 'async_pending');
      store.settleAsyncPayment(session.id, type.endsWith('succeeded'));
      break;
    }
    case 'checkout.session.expired':
      store.expireCheckout(newSession().id);
      break;
    case 'customer.subscription.updated': {
      const subscription = latest();
      store.updateSubscription(subscription.id, { cancel_at_period_end: subscription.cancel_at_period_end ? 'false' : 'true' });
      break;
    }
    case 'customer.subscription.paused':
      store.pauseSubscription(unpaused().id);
      break;
    case 'customer.subscription.resumed': {
      const paused =
        store
          .customerSubscriptions(customer.id)
          .filter((s) => s.status === 'paused')
          .pop() ?? store.pauseSubscription(unpaused().id);
      store.resumeSubscription(paused.id);
      break;
    }
    case 'customer.subscription.trial_will_end':
      store.trialWillEnd(trialing().id);
      break;
    case 'customer.subscription.deleted':
      store.cancelSubscription(latest().id);
      break;
    case 'invoice.paid': {
      const subscription = latest();
      store.emit({ type: 'invoice.paid', data: { object: invoiceFor(store, subscription, 'paid') } });
      break;
    }
    case 'invoice.payment_failed': {
      const subscription = latest();
      const invoice = invoiceFor(store, subscription, 'open');
      store.emit({ type: 'invoice.payment_failed', data: { object: invoice } });
      updateSubscriptionState(store, subscription.id, { status: 'past_due', latest_invoice: invoice.id });
      break;
    }
    case 'entitlements.active_entitlement_summary.updated':
      store.setActiveEntitlements(customer.id, lookupKeys ?? ['premium_support']);
      break;
    default:
      throw EmulatorError.invalid(`The emulator cannot trigger ${type}`, 'type');
  }
  return store.events.slice(before);
}
