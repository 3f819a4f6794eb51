import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { stripeId } from './ids.js';
import type { EmulatorStore } from './store.js';
import { activeEntitlementObject, activeEntitlementSummaryObject } from './objects.js';
import { str, type Params } from './params.js';

/*
 * Stripe Entitlements: active features per customer.
 */

/** How many entitlements a summary event carries before it says `has_more` (the rest: GET /v1/entitlements/active_entitlements). */
const SUMMARY_PAGE = 10;

/**
 * Stripe Entitlements: the customer's active features become exactly these lookup_keys, and
 * `entitlements.active_entitlement_summary.updated` is emitted (its list cut at SUMMARY_PAGE, `has_more` beyond).
 */
export function setActiveEntitlements(store: EmulatorStore, customerId: string, lookupKeys: string[]): Stripe.Event {
  store.customer(customerId);
  const entitlements = [...new Set(lookupKeys)].map((key) => {
    const feature = store.features.get(key) ?? stripeId('feat_test');
    store.features.set(key, feature);
    return activeEntitlementObject({ feature, lookup_key: key });
  });
  store.activeEntitlements.set(customerId, entitlements);
  const summary = activeEntitlementSummaryObject(customerId, entitlements.slice(0, SUMMARY_PAGE), entitlements.length > SUMMARY_PAGE);
  return store.emit({ type: 'entitlements.active_entitlement_summary.updated', data: { object: summary } });
}

/** GET /v1/entitlements/active_entitlements?customer= (oldest first, as Stripe lists them). */
export function listActiveEntitlements(store: EmulatorStore, params: Params): Stripe.Entitlements.ActiveEntitlement[] {
  const customer = str(params.customer);
  if (!customer) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
  store.customer(customer);
  return store.activeEntitlements.get(customer) ?? [];
}
