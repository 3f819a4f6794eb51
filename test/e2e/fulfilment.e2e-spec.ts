import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { deliverWebhooksTo, handledEventIds, payOnEmulator, startStripeTestApp, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/** Issue 10: one grant per session, whatever path brings it, and recovery of what Stripe never delivered. */
describe('Fulfilment exactly once, and recovery', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let close: () => Promise<void>;
  let admin: RegisteredUser;
  beforeAll(async () => {
    ({ stripe, t, close } = await startStripeTestApp({ emulator: { deliveryMode: 'record' } }));
    admin = await registerAdmin(t);
  });
  afterAll(() => close());

  async function checkout(user: RegisteredUser, body = { plan: 'pro', interval: 'month' }) {
    return (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send(body).expect(201)).body as { id: string; stripeSessionId: string };
  }
  const confirm = (user: RegisteredUser, id: string) => request(t.http).post(`/api/billing/checkout-sessions/${id}/confirm`).set(bearer(user.accessToken));
  const ledger = (sessionId: string) =>
    t.db.query(`SELECT f.* FROM fulfillments f JOIN checkout_sessions s ON s.id = f.checkout_session_id WHERE s.stripe_session_id = $1`, [sessionId]);
  const eventsFor = (sessionId: string) => stripe.store.events.filter((e) => (e.data.object as { id: string }).id === sessionId);
  /** Pays the session on the emulator and answers the events that payment emitted (recorded, not delivered). */
  const pay = (sessionId: string) => payOnEmulator(stripe, sessionId);
  const handled = (events: ReturnType<typeof pay>) => handledEventIds(t, events);
  /** Inbox rows of these event ids: what was applied, how, and how often it was tried. */
  const inbox = async (ids: string[]) =>
    t.db.query<Array<{ id: string; source: string; status: string; attempts: number }>>(`SELECT id, source, status, attempts FROM stripe_events WHERE id = ANY($1) ORDER BY id`, [
      ids,
    ]);
  const recover = (app: TestApp, body: object = {}) => request(app.http).post('/api/admin/webhook-events/recover').set(bearer(admin.accessToken)).send(body);

  it('a confirmation before the webhook grants at once, and the later webhook changes nothing', async () => {
    const user = await registerUser(t);
    const session = await checkout(user);
    const emitted = pay(session.stripeSessionId);
    const res = await confirm(user, session.stripeSessionId).expect(200);
    expect(res.body).toMatchObject({ id: session.id, status: 'complete', paymentStatus: 'paid', plan: 'pro', purchasedPlan: 'pro', subscriptionStatus: 'active' });
    const fulfilledAt = res.body.fulfilledAt;
    expect(fulfilledAt).not.toBeNull();

    // this payment's own events only (session, subscription, invoice), whatever other tests left in the emulator
    for (const event of emitted) await deliver(t, event).expect(200);
    const again = await confirm(user, session.id).expect(200);
    expect(again.body.fulfilledAt).toBe(fulfilledAt);
    const entries = await ledger(session.stripeSessionId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ source: 'confirm', event_id: null });
    const detail = await request(t.http).get(`/api/admin/checkout-sessions/${session.id}`).set(bearer(admin.accessToken)).expect(200);
    expect(detail.body.fulfillments).toEqual([expect.objectContaining({ source: 'confirm', eventId: null })]);
  });

  it("an unpaid session's confirmation grants nothing, and someone else's session is a 404", async () => {
    const user = await registerUser(t);
    const other = await registerUser(t);
    const session = await checkout(user, { plan: 'lifetime', interval: 'once' });
    const open = await confirm(user, session.id).expect(200);
    expect(open.body).toMatchObject({ status: 'open', paymentStatus: 'unpaid', fulfilledAt: null, plan: 'free' });
    stripe.completeCheckout(session.stripeSessionId, { outcome: 'async_pending' });
    const pending = await confirm(user, session.id).expect(200);
    expect(pending.body).toMatchObject({ status: 'complete', paymentStatus: 'unpaid', fulfilledAt: null, plan: 'free' });
    expect(await ledger(session.stripeSessionId)).toHaveLength(0);
    expect((await confirm(other, session.id).expect(404)).body.error).toBe('not_found');
    expect((await confirm(other, session.stripeSessionId).expect(404)).body.error).toBe('not_found');
  });

  it('answers 502 and changes nothing when Stripe fails during a confirmation', async () => {
    const user = await registerUser(t);
    const session = await checkout(user);
    stripe.completeCheckout(session.stripeSessionId);
    // the SDK retries 500s (STRIPE_MAX_NETWORK_RETRIES, 1 by default); make every attempt fail
    stripe.failNextRequests(2, { status: 500, type: 'api_error', message: 'Stripe is having a bad day' });
    const res = await confirm(user, session.id).expect(502);
    expect(res.body.error).toBe('stripe_error');
    const [row] = await t.db.query(`SELECT status, fulfilled_at FROM checkout_sessions WHERE id = $1`, [session.id]);
    expect(row).toEqual({ status: 'open', fulfilled_at: null });
  });

  it('confirm, two Event objects, admin sync and replay fired together on two instances give one fulfilment', async () => {
    const second = await createTestApp(stripeEnv(stripe), t.database);
    try {
      const user = await registerUser(t);
      const session = await checkout(user);
      stripe.completeCheckout(session.stripeSessionId);
      const [completed] = eventsFor(session.stripeSessionId).filter((e) => e.type === 'checkout.session.completed');
      const duplicateObject = { ...completed, id: `${completed.id}dup` };
      // a replay needs a stored event: store one copy first as failed-then-pending by delivering to nowhere
      await t.db.query(`INSERT INTO stripe_events (id, type, stripe_created_at, livemode, object_id, payload, status) VALUES ($1, $2, to_timestamp($3), false, $4, $5, 'failed')`, [
        `${completed.id}replay`,
        completed.type,
        completed.created,
        session.stripeSessionId,
        { ...completed, id: `${completed.id}replay` },
      ]);
      const results = await Promise.all([
        confirm(user, session.id),
        deliver(t, completed),
        deliver(second, duplicateObject),
        request(second.http).post(`/api/admin/checkout-sessions/${session.id}/sync`).set(bearer(admin.accessToken)),
        request(t.http).post(`/api/admin/webhook-events/${completed.id}replay/replay`).set(bearer(admin.accessToken)),
        confirm(user, session.stripeSessionId),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await ledger(session.stripeSessionId)).toHaveLength(1);
      const [{ plan }] = await t.db.query(`SELECT plan FROM users WHERE id = $1`, [user.id]);
      expect(plan).toBe('pro');
    } finally {
      await second.close();
    }
  });

  describe('recovery of events Stripe never delivered', () => {
    it('applies recorded-but-undelivered events, and a second run recovers none', async () => {
      const user = await registerUser(t);
      const session = await checkout(user);
      const mine = handled(pay(session.stripeSessionId)); // recorded, never delivered
      expect(mine.length).toBeGreaterThanOrEqual(3); // the session, its subscription, its invoice
      expect(await inbox(mine)).toEqual([]);
      const first = await recover(t).expect(200);
      expect(first.body.recovered).toBeGreaterThanOrEqual(mine.length);
      // every one of this payment's events was applied, by recovery, once
      expect(await inbox(mine)).toEqual(mine.sort().map((id) => ({ id, source: 'recovery', status: 'processed', attempts: 1 })));
      const entries = await ledger(session.stripeSessionId);
      expect(entries).toHaveLength(1);
      expect(entries[0].source).toBe('recovery');
      const [row] = await t.db.query(`SELECT plan, subscription_status FROM users WHERE id = $1`, [user.id]);
      expect(row).toEqual({ plan: 'pro', subscription_status: 'active' });
      const events = await t.db.query(`SELECT source, status FROM stripe_events WHERE object_id = $1`, [session.stripeSessionId]);
      expect(events).toEqual([{ source: 'recovery', status: 'processed' }]);

      // the first run applied everything there was (these events and any another test left): the second applies none
      const second = await recover(t).expect(200);
      expect(second.body).toMatchObject({ recovered: 0, failed: 0 });
      expect(await inbox(mine)).toEqual(mine.sort().map((id) => ({ id, source: 'recovery', status: 'processed', attempts: 1 })));
    });

    it('two instances recovering at once apply each event once', async () => {
      const other = await createTestApp(stripeEnv(stripe), t.database);
      try {
        const users = await Promise.all([registerUser(t), registerUser(t)]);
        const mine: string[] = [];
        for (const user of users) mine.push(...handled(pay((await checkout(user)).stripeSessionId)));
        const since = new Date(Date.now() - 60_000).toISOString();
        const [a, b] = await Promise.all([recover(t, { since }), recover(other, { since })]);
        expect([a.status, b.status]).toEqual([200, 200]);
        // whatever else the two runs found, each of these events was applied exactly once, by one of them
        expect(await inbox(mine)).toEqual(mine.sort().map((id) => ({ id, source: 'recovery', status: 'processed', attempts: 1 })));
        expect(a.body.recovered + b.body.recovered).toBeGreaterThanOrEqual(mine.length);
        const [{ count }] = await t.db.query(
          `SELECT count(*)::int AS count FROM fulfillments f JOIN checkout_sessions s ON s.id = f.checkout_session_id WHERE s.user_id = ANY($1)`,
          [users.map((u) => u.id)],
        );
        expect(count).toBe(2);
      } finally {
        await other.close();
      }
    });

    it('validates since, and needs an admin', async () => {
      const user = await registerUser(t);
      await request(t.http).post('/api/admin/webhook-events/recover').set(bearer(user.accessToken)).send({}).expect(403);
      const res = await request(t.http).post('/api/admin/webhook-events/recover').set(bearer(admin.accessToken)).send({ since: 'yesterday' }).expect(400);
      expect(res.body.error).toBe('validation_error');
    });
  });

  it('the whole flow with real deliveries: pay on the emulator, the webhook arrives, the plan changes', async () => {
    stripe.setDeliveryMode('deliver');
    await deliverWebhooksTo(t, stripe);
    try {
      const user = await registerUser(t);
      const session = await checkout(user, { plan: 'pro', interval: 'year' });
      stripe.completeCheckout(session.stripeSessionId);
      await stripe.waitForDeliveries();
      const me = await request(t.http).get('/api/billing/subscription').set(bearer(user.accessToken)).expect(200);
      expect(me.body).toMatchObject({ plan: 'pro', status: 'active', cancelAtPeriodEnd: false });
      expect((await ledger(session.stripeSessionId))[0].source).toBe('webhook');
    } finally {
      stripe.setDeliveryMode('record');
    }
  });
});
