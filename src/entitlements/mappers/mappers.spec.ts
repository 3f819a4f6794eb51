import { checkoutSessionObject, priceObject, subscriptionObject } from '../../stripe-emulator/objects.js';
import { sessionFacts } from './stripe-session.mapper.js';
import { subscriptionFacts } from './stripe-subscription.mapper.js';

describe('stripe-session.mapper', () => {
  it('reads ids whether Stripe sent them as strings or expanded objects', () => {
    const session = checkoutSessionObject({
      customer: { id: 'cus_1' } as never,
      subscription: 'sub_1',
      payment_intent: null,
      customer_details: { email: 'Ada@Example.com' } as never,
      metadata: { userId: 'u1', plan: 'pro', interval: 'month' },
      currency: 'EUR',
    });
    expect(sessionFacts(session)).toMatchObject({
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
      paymentIntentId: null,
      customerEmail: 'ada@example.com',
      metadataUserId: 'u1',
      metadataPlan: 'pro',
      currency: 'eur',
    });
  });
});

describe('stripe-subscription.mapper', () => {
  it('takes the period end from the items (this API version moved it there)', () => {
    const sub = subscriptionObject({ price: priceObject({ id: 'price_x' }), periodEnd: 1_900_000_000, customer: 'cus_9' });
    expect(subscriptionFacts(sub)).toMatchObject({ price: { id: 'price_x' }, customerId: 'cus_9', currentPeriodEnd: new Date(1_900_000_000_000) });
  });
});
