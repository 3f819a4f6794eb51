import type Stripe from 'stripe';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { WebhookProcessorService } from '../../src/webhooks/webhook-processor.service.js';
import { insertCheckoutSession, insertUser } from '../support/factories.js';
import { createMediumApp, type MediumApp } from '../support/medium.js';

// The fulfilment claim on a real database through the webhook service itself (Nest's testing module, no HTTP): every
// event that says a session is paid, delivered and recovered at once, in any mix, fulfils it exactly once.
describe('the fulfilment claim', () => {
  let m: MediumApp;
  let processor: WebhookProcessorService;
  beforeAll(async () => {
    m = await createMediumApp({ STRIPE_WEBHOOK_SECRET: 'whsec_medium_0123456789abcdef', STRIPE_PRICE_LIFETIME_ONCE: 'price_lifetime_once' });
    processor = m.module.get(WebhookProcessorService);
  });
  afterAll(() => m.close());

  /** One of our open one-time sessions, as checkout leaves it, and the same session paid. */
  async function openLifetimeSession(): Promise<{ userId: string; rowId: string; paid: Stripe.Checkout.Session }> {
    const userId = await insertUser(m.db);
    const session = checkoutSessionObject({ mode: 'payment', client_reference_id: userId, metadata: { userId } });
    const row = await insertCheckoutSession(m.db, {
      stripeSessionId: session.id,
      userId,
      mode: 'payment',
      plan: 'lifetime',
      interval: 'once',
      priceId: 'price_lifetime_once',
      status: 'open',
      paymentStatus: 'unpaid',
    });
    const paid: Stripe.Checkout.Session = {
      ...session,
      status: 'complete',
      payment_status: 'paid',
      customer: `cus_${session.id.slice(-14)}`,
      payment_intent: `pi_${session.id.slice(-20)}`,
      amount_total: 9900,
      currency: 'usd',
    };
    return { userId, rowId: row.id, paid };
  }
  const countOf = async (sql: string, value: string) => (await m.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${sql}`, [value]))[0].n;

  it('a completed and an async_payment_succeeded event, each delivered twice and recovered once, all at once: one fulfilment, one grant', async () => {
    const { userId, rowId, paid } = await openLifetimeSession();
    const completed = eventObject('checkout.session.completed', paid);
    const succeeded = eventObject('checkout.session.async_payment_succeeded', paid);
    const results = await Promise.all([
      processor.ingest(completed, 'webhook'),
      processor.ingest(succeeded, 'webhook'),
      processor.ingest(completed, 'webhook'),
      processor.ingest(succeeded, 'webhook'),
      processor.ingest(completed, 'recovery'),
      processor.ingest(succeeded, 'recovery'),
    ]);
    expect(results.every((r) => r.status === 'processed')).toBe(true);
    expect(await countOf('fulfillments WHERE checkout_session_id = $1', rowId)).toBe(1);
    expect(await countOf('grants WHERE checkout_session_id = $1', rowId)).toBe(1);
    expect(await countOf(`stripe_events WHERE status = 'processed' AND object_id = $1`, paid.id)).toBe(2);
    const [user] = await m.db.query<Array<{ plan: string }>>('SELECT plan FROM users WHERE id = $1', [userId]);
    expect(user.plan).toBe('lifetime');
  });

  it('ten sessions paid at once, each by its own event: ten fulfilments, one each', async () => {
    const sessions = await Promise.all(Array.from({ length: 10 }, () => openLifetimeSession()));
    await Promise.all(sessions.map((s) => processor.ingest(eventObject('checkout.session.completed', s.paid), 'webhook')));
    const counts = await Promise.all(sessions.map((s) => countOf('fulfillments WHERE checkout_session_id = $1', s.rowId)));
    expect(counts).toEqual(Array.from({ length: 10 }, () => 1));
  });
});
