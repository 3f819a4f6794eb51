import type Stripe from 'stripe';
import { eventObject, priceObject, subscriptionObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { deliver, WEBHOOK_SECRET } from '../support/webhooks.js';

const PRO = priceObject({ id: 'price_pro_monthly' });
const TEAM = priceObject({ id: 'price_team_monthly', unit_amount: 9000 });

interface Step {
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted';
  status: Stripe.Subscription.Status;
  price: Stripe.Price;
  cancelAtPeriodEnd: boolean;
}

/** A realistic life of one subscription, in the order Stripe created the events (one second apart). */
const STREAM: Step[] = [
  { type: 'customer.subscription.created', status: 'incomplete', price: PRO, cancelAtPeriodEnd: false },
  { type: 'customer.subscription.updated', status: 'active', price: PRO, cancelAtPeriodEnd: false },
  { type: 'customer.subscription.updated', status: 'active', price: TEAM, cancelAtPeriodEnd: false },
  { type: 'customer.subscription.updated', status: 'past_due', price: TEAM, cancelAtPeriodEnd: true },
  { type: 'customer.subscription.deleted', status: 'canceled', price: TEAM, cancelAtPeriodEnd: true },
];

const EXPECTED_PLAN: Record<string, (price: Stripe.Price) => string> = {
  incomplete: () => 'free',
  active: (price) => (price.id === TEAM.id ? 'team' : 'pro'),
  past_due: (price) => (price.id === TEAM.id ? 'team' : 'pro'),
  canceled: () => 'free',
};

describe('Webhook ordering (property)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY: PRO.id, STRIPE_PRICE_TEAM_MONTHLY: TEAM.id });
  });
  afterAll(() => t.close());

  /** Every ordering of 0..n-1 (n! of them). */
  function* permutations(items: number[]): Generator<number[]> {
    if (items.length <= 1) return yield items;
    for (const [i, head] of items.entries()) for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [head, ...rest];
  }

  /** Stripe's `created` of each step: the first two share a second, as Checkout's created/updated often do. */
  const createdAt = (base: number, i: number) => base + Math.max(0, i - 1);

  // 1 + 2 + 6 + 24 + 120 = 153 orders: all of them, no sampling
  it('every delivery order of every prefix of a subscription stream converges to the newest state', async () => {
    let orders = 0;
    for (let n = 1; n <= STREAM.length; n++) {
      for (const order of permutations([...Array(n).keys()])) {
        orders += 1;
        const [user] = await t.db.query(`INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`, [`order-${n}-${orders}-${Date.now()}@example.com`]);
        const customer = `cus_${user.id.replace(/-/g, '').slice(0, 14)}`;
        await t.db.query(`UPDATE users SET stripe_customer_id = $2 WHERE id = $1`, [user.id, customer]);
        const base = Math.floor(Date.now() / 1000) - 100;
        const id = `sub_${user.id.replace(/-/g, '').slice(0, 20)}`;
        const events = STREAM.slice(0, n).map((step, i) =>
          eventObject(
            step.type,
            subscriptionObject({ id, created: base, customer, price: step.price, status: step.status, cancel_at_period_end: step.cancelAtPeriodEnd, periodEnd: base + 1000 + i }),
            { created: createdAt(base, i) },
          ),
        );
        for (const index of order) {
          const res = await deliver(t, events[index]);
          if (res.status !== 200) throw new Error(`delivery answered ${res.status}`);
        }
        const newest = STREAM[n - 1];
        const [row] = await t.db.query(`SELECT plan, subscription_status, cancel_at_period_end, current_period_end FROM users WHERE id = $1`, [user.id]);
        expect({ order, ...row }).toEqual({
          order,
          plan: EXPECTED_PLAN[newest.status](newest.price),
          subscription_status: newest.status,
          cancel_at_period_end: newest.cancelAtPeriodEnd,
          current_period_end: new Date((base + 1000 + n - 1) * 1000),
        });
      }
    }
    expect(orders).toBe(153);
  }, 300_000);
});
