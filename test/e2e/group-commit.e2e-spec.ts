import type Stripe from 'stripe';
import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { checkoutSessionObject, eventObject, priceObject, subscriptionObject } from '../../stripe-emulator/objects.js';
import { CUSTOMER_LOCK_SPACE } from '../../src/database/customer-lock.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { logStatements, type StatementLog } from '../support/statement-log.js';
import { chargeFixture } from '../support/stripe-fixtures.js';
import { deliver, WEBHOOK_SECRET } from '../support/webhooks.js';
import { until } from '../support/until.js';

/** A paid subscription session of a new user, first seen in its webhook. */
async function paidSession(t: TestApp, extra: Partial<Stripe.Checkout.Session> = {}) {
  const user = await registerUser(t);
  const session = checkoutSessionObject({ client_reference_id: user.id, status: 'complete', payment_status: 'paid', metadata: { plan: 'pro' } });
  const paid = { ...session, customer: `cus_${session.id.slice(-14)}`, subscription: `sub_${session.id.slice(-20)}`, ...extra };
  return { user, session: paid, event: eventObject('checkout.session.completed', paid) };
}

/** Holds the webhook slot: a delivery whose customer's lock the test holds waits inside its transaction. */
async function holdSlot(t: TestApp): Promise<{ delivered: Promise<request.Response>; release: () => Promise<void> }> {
  const blocker = await paidSession(t, { customer: `cus_blocker_${Date.now()}` });
  const runner: QueryRunner = t.db.createQueryRunner();
  await runner.startTransaction();
  await runner.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CUSTOMER_LOCK_SPACE, blocker.session.customer]);
  const delivered = deliver(t, blocker.event).then((res) => res);
  await until(async () => (await t.db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).length > 0);
  return {
    delivered,
    release: async () => {
      await runner.commitTransaction();
      await runner.release();
    },
  };
}

/**
 * Issue 16, group commit: session events that arrive while the one webhook transaction allowed here
 * (WEBHOOK_GROUP_COMMIT_CONCURRENCY=1) runs wait, and the next transaction applies all of them. The first delivery
 * is held inside its transaction by a customer lock the test takes, so the others are sure to queue behind it.
 */
describe('Group commit of webhook deliveries', () => {
  let t: TestApp;
  let log: StatementLog;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY: 'price_pro_monthly', WEBHOOK_GROUP_COMMIT_CONCURRENCY: '1' });
    log = logStatements(t.db);
  });
  afterAll(() => t.close());

  /** Sends the deliveries while the slot is held, so that they queue, then lets the held one finish. */
  async function deliveredTogether(events: Stripe.Event[]): Promise<{ responses: request.Response[]; statements: string[] }> {
    const slot = await holdSlot(t);
    const responses = events.map((event) => deliver(t, event).then((res) => res));
    // each request is parsed and queued before the slot frees: give the HTTP stack a moment to take them all in
    await new Promise((resolve) => setTimeout(resolve, 300));
    const from = log.statements.length;
    await slot.release();
    expect((await slot.delivered).status).toBe(200);
    const all = await Promise.all(responses);
    return { responses: all, statements: log.statements.slice(from) };
  }

  const transactions = (statements: string[]) => statements.filter((s) => s === 'START TRANSACTION').length;
  const me = async (user: RegisteredUser) => (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body as { plan: string };
  const fulfilments = async (sessionId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM fulfillments f JOIN checkout_sessions s ON s.id = f.checkout_session_id WHERE s.stripe_session_id = $1`, [sessionId]))[0]
      .n as number;
  const status = async (eventId: string) => (await t.db.query(`SELECT status FROM stripe_events WHERE id = $1`, [eventId]))[0]?.status as string | undefined;

  it('applies sessions that arrived together in one transaction, each exactly once', async () => {
    const paid = await Promise.all([paidSession(t), paidSession(t), paidSession(t), paidSession(t)]);
    const { responses, statements } = await deliveredTogether(paid.map((p) => p.event));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // the held delivery's own transaction ended before `from`; the four took one more
    expect(transactions(statements)).toBe(1);
    for (const p of paid) {
      expect((await me(p.user)).plan).toBe('pro');
      expect(await fulfilments(p.session.id)).toBe(1);
      expect(await status(p.event.id)).toBe('processed');
    }
  });

  it('answers a known event in a group as a duplicate and applies it no second time', async () => {
    const first = await paidSession(t);
    await deliver(t, first.event).expect(200);
    const row = async () => (await t.db.query(`SELECT updated_at FROM checkout_sessions WHERE stripe_session_id = $1`, [first.session.id]))[0] as { updated_at: Date };
    const before = await row();
    const other = await paidSession(t);
    const { responses, statements } = await deliveredTogether([first.event, other.event]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(transactions(statements)).toBe(1);
    expect(await fulfilments(first.session.id)).toBe(1);
    // the group's session statement left the known event out: its session row was not written again
    expect(await row()).toEqual(before);
    expect((await me(other.user)).plan).toBe('pro');
  });

  it('never puts two events of one session in one group: the later waits for the next', async () => {
    const p = await paidSession(t);
    const again = eventObject('checkout.session.async_payment_succeeded', p.session);
    const { responses, statements } = await deliveredTogether([p.event, again]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(transactions(statements)).toBe(2);
    expect(await fulfilments(p.session.id)).toBe(1);
    expect(await status(again.id)).toBe('processed');
  });

  it('rolls a failed group back and applies each event alone: two users naming one new Stripe customer', async () => {
    // in one statement both users would take the customer (unique); one at a time, the second sees it taken
    const customer = `cus_shared_${Date.now()}`;
    const [a, b] = await Promise.all([paidSession(t, { customer }), paidSession(t, { customer })]);
    const { responses, statements } = await deliveredTogether([a.event, b.event]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(transactions(statements)).toBe(3);
    const owners = await t.db.query(`SELECT id FROM users WHERE stripe_customer_id = $1`, [customer]);
    expect(owners).toHaveLength(1);
    for (const p of [a, b]) {
      expect((await me(p.user)).plan).toBe('pro');
      expect(await fulfilments(p.session.id)).toBe(1);
    }
  });

  /** The session's subscription as Stripe sends it in its own event, which may come before the session's. */
  const subscriptionOf = (session: Stripe.Checkout.Session, metadata: Record<string, string>) =>
    subscriptionObject({ id: session.subscription as string, customer: session.customer as string, price: priceObject({ id: 'price_pro_monthly' }), status: 'active', metadata });
  const subscriptionRow = async (id: string) => (await t.db.query(`SELECT user_id FROM subscriptions WHERE stripe_subscription_id = $1`, [id]))[0] as { user_id: string | null };

  it('keeps a group in one transaction when a subscription whose own event came first is linked to its user', async () => {
    const [a, b] = await Promise.all([paidSession(t), paidSession(t)]);
    await deliver(t, eventObject('customer.subscription.created', subscriptionOf(a.session, { userId: a.user.id }))).expect(200);
    expect((await subscriptionRow(a.session.subscription as string)).user_id).toBe(a.user.id);
    const { responses, statements } = await deliveredTogether([a.event, b.event]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(transactions(statements)).toBe(1);
    for (const p of [a, b]) {
      expect((await me(p.user)).plan).toBe('pro');
      expect(await fulfilments(p.session.id)).toBe(1);
    }
  });

  it('applies a group again with the applier when a subscription whose own event came first matched no user', async () => {
    // no userId in its metadata and a customer no user has yet: stored unlinked, until its session links it
    const [a, b] = await Promise.all([paidSession(t), paidSession(t)]);
    await deliver(t, eventObject('customer.subscription.created', subscriptionOf(a.session, {}))).expect(200);
    expect((await subscriptionRow(a.session.subscription as string)).user_id).toBeNull();
    const { responses, statements } = await deliveredTogether([a.event, b.event]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    // the group's first transaction stopped at the session statement and changed nothing; the second applied both
    expect(transactions(statements)).toBe(2);
    expect((await subscriptionRow(a.session.subscription as string)).user_id).toBe(a.user.id);
    for (const p of [a, b]) {
      expect((await me(p.user)).plan).toBe('pro');
      expect(await fulfilments(p.session.id)).toBe(1);
      expect(await status(p.event.id)).toBe('processed');
    }
  });

  it('applies a group again with the applier when a refund of a session came before it', async () => {
    const user = await registerUser(t);
    const paymentIntent = `pi_group_${Date.now()}`;
    const bought = checkoutSessionObject({ mode: 'payment', client_reference_id: user.id, status: 'complete', payment_status: 'paid', metadata: { plan: 'pro' } });
    const purchase = { ...bought, amount_total: 49900, customer: `cus_${bought.id.slice(-14)}`, payment_intent: paymentIntent };
    await deliver(t, eventObject('charge.refunded', chargeFixture({ amount: 49900, amount_refunded: 49900, refunded: true, payment_intent: paymentIntent }))).expect(200);
    const other = await paidSession(t);
    const { responses, statements } = await deliveredTogether([eventObject('checkout.session.completed', purchase), other.event]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(transactions(statements)).toBe(2);
    // the refund moved to the session and counted: the whole amount came back, so the purchase grants nothing
    const [row] = await t.db.query(`SELECT amount_refunded FROM checkout_sessions WHERE stripe_session_id = $1`, [purchase.id]);
    expect(Number(row.amount_refunded)).toBe(49900);
    expect((await me(user)).plan).toBe('free');
    expect((await me(other.user)).plan).toBe('pro');
  });

  /**
   * Each case of what a paid session can leave to the applier (the statement's `_order_subscription`,
   * `_settle_attached`), forced on both paths: delivered alone (one statement, then the applier) and in a group (the
   * one-round-trip statement, which stops and hands the group to the applier exactly when a case needs it). Both
   * paths end in the same state.
   */
  describe.each([
    { name: 'nothing came before', before: 'none', applier: false, plan: 'pro', refunded: 0 },
    { name: 'its subscription came first, linked', before: 'linked', applier: false, plan: 'pro', refunded: 0 },
    { name: 'its subscription came first, unlinked', before: 'unlinked', applier: true, plan: 'pro', refunded: 0 },
    { name: 'its subscription came first, incomplete', before: 'incomplete', applier: true, plan: 'pro', refunded: 0 },
    { name: 'a refund of its payment came first', before: 'refund', applier: true, plan: 'free', refunded: 49900 },
  ] as const)('one rule on both paths: $name', ({ before, applier, plan, refunded }) => {
    async function prepared() {
      if (before === 'refund') {
        const user = await registerUser(t);
        const paymentIntent = `pi_table_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
        const bought = checkoutSessionObject({ mode: 'payment', client_reference_id: user.id, status: 'complete', payment_status: 'paid', metadata: { plan: 'pro' } });
        const session = { ...bought, amount_total: 49900, customer: `cus_${bought.id.slice(-14)}`, payment_intent: paymentIntent };
        await deliver(t, eventObject('charge.refunded', chargeFixture({ amount: 49900, amount_refunded: 49900, refunded: true, payment_intent: paymentIntent }))).expect(200);
        return { user, session, event: eventObject('checkout.session.completed', session) };
      }
      const p = await paidSession(t);
      if (before !== 'none') {
        const subscription = subscriptionOf(p.session, before === 'unlinked' ? {} : { userId: p.user.id });
        const state = before === 'incomplete' ? { ...subscription, status: 'incomplete' as const } : subscription;
        await deliver(t, eventObject('customer.subscription.created', state)).expect(200);
      }
      return p;
    }
    const expectApplied = async (p: Awaited<ReturnType<typeof prepared>>) => {
      expect((await me(p.user)).plan).toBe(plan);
      expect(await fulfilments(p.session.id)).toBe(1);
      const [row] = await t.db.query(`SELECT amount_refunded FROM checkout_sessions WHERE stripe_session_id = $1`, [p.session.id]);
      expect(Number(row.amount_refunded)).toBe(refunded);
    };

    it('alone', async () => {
      const p = await prepared();
      await deliver(t, p.event).expect(200);
      await expectApplied(p);
    });

    it(`in a group (${applier ? 'handed to the applier: two transactions' : 'one transaction'})`, async () => {
      const [p, other] = [await prepared(), await paidSession(t)];
      const { responses, statements } = await deliveredTogether([p.event, other.event]);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect(transactions(statements)).toBe(applier ? 2 : 1);
      await expectApplied(p);
      expect((await me(other.user)).plan).toBe('pro');
    });
  });

  it('fails a bad event alone, keeps it as failed, and applies the rest of its group', async () => {
    const good = await paidSession(t);
    // an amount beyond PostgreSQL's bigint: the statement fails for this session, in a group or alone
    const bad = await paidSession(t, { amount_total: 1e20 });
    const { responses } = await deliveredTogether([good.event, bad.event]);
    expect(responses.map((r) => r.status)).toEqual([200, 500]);
    expect(await status(bad.event.id)).toBe('failed');
    expect(await fulfilments(bad.session.id)).toBe(0);
    expect((await me(good.user)).plan).toBe('pro');
    expect(await status(good.event.id)).toBe('processed');
  });
});

/**
 * With two transactions allowed (the default), a second starts beside a running one only once
 * WEBHOOK_GROUP_COMMIT_MIN_EVENTS deliveries wait: fewer wait for the running one and then go together.
 */
describe('Group commit beside a running transaction', () => {
  let t: TestApp;
  let log: StatementLog;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY: 'price_pro_monthly', WEBHOOK_GROUP_COMMIT_MIN_EVENTS: '3' });
    log = logStatements(t.db);
  });
  afterAll(() => t.close());

  const processed = async (events: Stripe.Event[]) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE id = ANY($1) AND status = 'processed'`, [events.map((e) => e.id)]))[0].n as number;

  it('holds two deliveries while one transaction runs, and starts the second when the third arrives', async () => {
    const slot = await holdSlot(t);
    try {
      const paid = await Promise.all([paidSession(t), paidSession(t), paidSession(t)]);
      const from = log.statements.length;
      const early = paid.slice(0, 2).map((p) => deliver(t, p.event).then((res) => res));
      // time enough for a second transaction to have applied them, had it started
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await processed(paid.map((p) => p.event))).toBe(0);
      const third = deliver(t, paid[2].event).then((res) => res);
      // the held transaction still runs: the three are applied beside it, in one transaction of their own
      const responses = await Promise.all([...early, third]);
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(await processed(paid.map((p) => p.event))).toBe(3);
      expect(log.statements.slice(from).filter((s) => s === 'START TRANSACTION')).toHaveLength(1);
      for (const p of paid) expect((await request(t.http).get('/api/auth/me').set(bearer(p.user.accessToken)).expect(200)).body.plan).toBe('pro');
    } finally {
      await slot.release();
    }
    expect((await slot.delivered).status).toBe(200);
  });
});
