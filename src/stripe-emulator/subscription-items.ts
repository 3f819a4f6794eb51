import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { clone, subscriptionItemObject } from './objects.js';
import type { ScheduleHost } from './schedules.js';

/**
 * Test control: an item of another price is added to a subscription (an add-on made in the Dashboard), listed first,
 * with the subscription's current period; emits `customer.subscription.updated`.
 */
export function addSubscriptionItem(host: ScheduleHost, subscriptionId: string, priceId: string, quantity = 1): Stripe.Subscription {
  const sub = host.subscription(subscriptionId);
  const price = host.price(priceId, 'price');
  if (price.type !== 'recurring') throw EmulatorError.invalid('A subscription item needs a recurring price.', 'price');
  const first = sub.items.data[0];
  const item = subscriptionItemObject({
    subscription: sub.id,
    price,
    quantity,
    periodStart: first?.current_period_start ?? sub.created,
    periodEnd: first?.current_period_end ?? sub.created,
  });
  return host.replaceSubscription({ ...clone(sub), items: { ...sub.items, data: [item, ...sub.items.data] } });
}
