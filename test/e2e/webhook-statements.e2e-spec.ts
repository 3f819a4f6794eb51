import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { eventsOf, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { chargeFixture } from '../support/stripe-fixtures.js';
import { deliver } from '../support/webhooks.js';
import { logStatements, type StatementLog } from '../support/statement-log.js';

/**
 * Issue 16: the SQL statements one webhook delivery costs, BEGIN and COMMIT included, counted by a TypeORM logger
 * on the real app and real PostgreSQL (every statement TypeORM sends passes `logQuery`). The counts are exact: a
 * change that adds a round trip to the hot path fails here and has to say why in this file.
 */
describe('SQL statements per webhook event', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let log: StatementLog;
  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    // no background job may run a statement while one is counted
    t = await createTestApp({ ...stripeEnv(stripe), RETENTION_INTERVAL_SECONDS: '86400' });
    log = logStatements(t.db);
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  /** Delivers the event and answers the statements the delivery sent, in order. */
  async function statementsOf(event: Stripe.Event): Promise<string[]> {
    const from = log.statements.length;
    await deliver(t, event).expect(200);
    return log.statements.slice(from);
  }

  const emitted = (action: () => unknown) => eventsOf(stripe, action);

  /** A session made by POST /api/billing/checkout-sessions and paid on the emulator: its events, not yet delivered. */
  async function paidThroughApi(user: RegisteredUser, plan: string, interval: string) {
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan, interval }).expect(201)).body as {
      stripeSessionId: string;
    };
    const events = emitted(() => stripe.completeCheckout(created.stripeSessionId));
    const completed = events.find((e) => e.type === 'checkout.session.completed')!;
    return { completed, others: events.filter((e) => e !== completed), sessionId: created.stripeSessionId };
  }

  /** A paid session this service never created (a payment link, the dashboard): first seen in the webhook. */
  function paidElsewhere(user: RegisteredUser, mode: 'payment' | 'subscription'): Stripe.Event {
    const session = checkoutSessionObject({
      mode,
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: user.id,
      metadata: { userId: user.id, plan: mode === 'payment' ? 'lifetime' : 'pro', interval: mode === 'payment' ? 'once' : 'month' },
      customer: `cus_elsewhere_${user.id.slice(0, 8)}`,
      subscription: mode === 'subscription' ? `sub_elsewhere_${user.id.slice(0, 8)}` : null,
      payment_intent: mode === 'payment' ? `pi_elsewhere_${user.id.slice(0, 8)}` : null,
      amount_total: 2000,
      currency: 'usd',
    });
    return eventObject('checkout.session.completed', session);
  }

  const plan = async (user: RegisteredUser) => (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body.plan as string;

  describe('a new checkout.session.completed', () => {
    it('subscription mode, session created through the API', async () => {
      const user = await registerUser(t);
      const { completed } = await paidThroughApi(user, 'pro', 'month');
      const statements = await statementsOf(completed);
      expect(statements).toHaveLength(NEW_SESSION_SUBSCRIPTION);
      expect(statements[0]).toBe('START TRANSACTION');
      expect(statements.at(-1)).toBe('COMMIT');
      expect(await plan(user)).toBe('pro');
    });

    it('payment mode, session created through the API', async () => {
      const user = await registerUser(t);
      const { completed } = await paidThroughApi(user, 'lifetime', 'once');
      expect(await statementsOf(completed)).toHaveLength(NEW_SESSION_PAYMENT);
      expect(await plan(user)).toBe('lifetime');
    });

    it('subscription mode, session first seen in the webhook', async () => {
      const user = await registerUser(t);
      expect(await statementsOf(paidElsewhere(user, 'subscription'))).toHaveLength(UNSEEN_SESSION_SUBSCRIPTION);
      expect(await plan(user)).toBe('pro');
    });

    it('payment mode, session first seen in the webhook', async () => {
      const user = await registerUser(t);
      expect(await statementsOf(paidElsewhere(user, 'payment'))).toHaveLength(UNSEEN_SESSION_PAYMENT);
      expect(await plan(user)).toBe('lifetime');
    });
  });

  it('a duplicate delivery: BEGIN, the inbox statement that finds the event and locks it, COMMIT', async () => {
    const user = await registerUser(t);
    const { completed } = await paidThroughApi(user, 'pro', 'month');
    await statementsOf(completed);
    const statements = await statementsOf(completed);
    expect(statements).toHaveLength(DUPLICATE);
  });

  it('customer.subscription.updated of a known subscription', async () => {
    const user = await registerUser(t);
    const { completed, others } = await paidThroughApi(user, 'pro', 'month');
    await statementsOf(completed);
    const created = others.find((e) => e.type === 'customer.subscription.created')!;
    await statementsOf(created);
    const updated = eventObject('customer.subscription.updated', { ...created.data.object, cancel_at_period_end: true }, { created: created.created + 5 });
    expect(await statementsOf(updated)).toHaveLength(SUBSCRIPTION_UPDATED);
  });

  it('charge.refunded of a one-time purchase', async () => {
    const user = await registerUser(t);
    const { completed } = await paidThroughApi(user, 'lifetime', 'once');
    await statementsOf(completed);
    const paymentIntent = String((completed.data.object as { payment_intent: unknown }).payment_intent);
    const charge = chargeFixture({
      amount: 49900,
      amount_refunded: 1000,
      refunded: false,
      payment_intent: paymentIntent,
      refunds: { object: 'list', data: [], has_more: false, url: '/v1/refunds' } as never,
    });
    expect(await statementsOf(eventObject('charge.refunded', charge))).toHaveLength(CHARGE_REFUNDED);
  });
});

// Statements per delivery, BEGIN ("START TRANSACTION") and COMMIT included.
const NEW_SESSION_SUBSCRIPTION = 4;
const NEW_SESSION_PAYMENT = 4;
const UNSEEN_SESSION_SUBSCRIPTION = 4;
const UNSEEN_SESSION_PAYMENT = 4;
const DUPLICATE = 3;
const SUBSCRIPTION_UPDATED = 8;
const CHARGE_REFUNDED = 9;
