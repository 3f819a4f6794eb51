import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import request from 'supertest';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, insertCheckoutSession, me, registerAdmin, type RegisteredUser, registerUser } from '../support/factories.js';
import { deliver, WEBHOOK_SECRET } from '../support/webhooks.js';

const LIFETIME_PRICE = 'price_lifetime_once';
const env = { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_LIFETIME_ONCE: LIFETIME_PRICE };

describe('Admin replay of a failed webhook event', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  beforeAll(async () => {
    t = await createTestApp(env);
    admin = await registerAdmin(t);
  });
  afterAll(async () => {
    await t.db.query('DROP TRIGGER IF EXISTS fulfillments_broken ON fulfillments').catch(() => undefined);
    await t.close();
  });

  /** A user with one of our open one-time sessions and the `completed` event Stripe sends once they pay. */
  async function paidLifetimeSession() {
    const user = await registerUser(t);
    const open = checkoutSessionObject({ mode: 'payment', client_reference_id: user.id, metadata: { userId: user.id } });
    const row = await insertCheckoutSession(t.db, {
      stripeSessionId: open.id,
      userId: user.id,
      mode: 'payment',
      plan: 'lifetime',
      interval: 'once',
      priceId: LIFETIME_PRICE,
      status: 'open',
      paymentStatus: 'unpaid',
    });
    const completed: Stripe.Checkout.Session = {
      ...open,
      status: 'complete',
      payment_status: 'paid',
      payment_intent: `pi_${open.id.slice(-20)}`,
      amount_total: 9900,
      currency: 'usd',
    };
    return { user, rowId: row.id, session: completed, event: eventObject('checkout.session.completed', completed) };
  }

  it('a delivery that failed (a broken database rule) succeeds on replay once the cause is fixed, and fulfils once', async () => {
    const { user, rowId, session, event } = await paidLifetimeSession();
    // the cause: a rule in the database refuses every grant (think of a bad deploy of a constraint)
    await t.db.query(`CREATE OR REPLACE FUNCTION refuse_fulfillment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'fulfillments are frozen'; END $$`);
    await t.db.query('CREATE TRIGGER fulfillments_broken BEFORE INSERT ON fulfillments FOR EACH ROW EXECUTE FUNCTION refuse_fulfillment()');

    await deliver(t, event).expect(500);
    const failed = await request(t.http).get(`/api/admin/webhook-events/${event.id}`).set(bearer(admin.accessToken)).expect(200);
    expect(failed.body).toMatchObject({ id: event.id, status: 'failed', attempts: 1, objectId: session.id });
    expect(failed.body.lastError).toContain('fulfillments are frozen');
    expect((await me(t, user)).plan).toBe('free');

    // still broken: the replay fails again and says so, nothing is granted
    const again = await request(t.http).post(`/api/admin/webhook-events/${event.id}/replay`).set(bearer(admin.accessToken)).expect(200);
    expect(again.body).toMatchObject({ id: event.id, status: 'failed', attempts: 2 });
    expect(again.body.lastError).toContain('fulfillments are frozen');

    await t.db.query('DROP TRIGGER fulfillments_broken ON fulfillments');
    const replayed = await request(t.http).post(`/api/admin/webhook-events/${event.id}/replay`).set(bearer(admin.accessToken)).expect(200);
    expect(replayed.body).toMatchObject({ id: event.id, type: 'checkout.session.completed', status: 'processed', lastError: null });
    expect(replayed.body.processedAt).not.toBeNull();
    expect((await me(t, user)).plan).toBe('lifetime');

    // idempotent: replaying a processed event changes nothing
    const twice = await request(t.http).post(`/api/admin/webhook-events/${event.id}/replay`).set(bearer(admin.accessToken)).expect(200);
    expect(twice.body).toMatchObject({ status: 'processed', attempts: replayed.body.attempts });
    const grants = await t.db.query<Array<{ source: string; event_id: string }>>('SELECT source, event_id FROM fulfillments WHERE checkout_session_id = $1', [rowId]);
    expect(grants).toEqual([{ source: 'replay', event_id: event.id }]);

    const detail = await request(t.http).get(`/api/admin/checkout-sessions/${session.id}`).set(bearer(admin.accessToken)).expect(200);
    expect(detail.body).toMatchObject({ status: 'complete', paymentStatus: 'paid' });
    expect(detail.body.fulfillments).toEqual([{ at: expect.any(String), source: 'replay', eventId: event.id }]);
    expect(detail.body.timeline.map((e: { id: string; status: string }) => [e.id, e.status])).toEqual([[event.id, 'processed']]);
  });

  it('answers 404 for an unknown event and 400 for a malformed id', async () => {
    expect((await request(t.http).post('/api/admin/webhook-events/evt_nothing_here/replay').set(bearer(admin.accessToken)).expect(404)).body).toMatchObject({ error: 'not_found' });
    await request(t.http).post('/api/admin/webhook-events/1%3B%20DROP/replay').set(bearer(admin.accessToken)).expect(400);
  });

  it('answers 503 stripe_not_configured to a sync without a Stripe key', async () => {
    const { session } = await paidLifetimeSession();
    const res = await request(t.http).post(`/api/admin/checkout-sessions/${session.id}/sync`).set(bearer(admin.accessToken)).expect(503);
    expect(res.body).toMatchObject({ error: 'stripe_not_configured' });
  });
});

describe('Admin sync when Stripe fails', () => {
  let stripeApi: Server;
  let t: TestApp;
  let admin: RegisteredUser;
  const requests: string[] = [];
  beforeAll(async () => {
    // a Stripe that knows no session: every call is answered with Stripe's own 404 error body
    stripeApi = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json', 'request-id': 'req_test' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such checkout.session', param: 'session' } }));
    });
    await new Promise<void>((resolve) => stripeApi.listen(0, '127.0.0.1', resolve));
    const { port } = stripeApi.address() as AddressInfo;
    t = await createTestApp({ ...env, STRIPE_SECRET_KEY: 'sk_test_admin_sync_0123456789', STRIPE_API_URL: `http://127.0.0.1:${port}` });
    admin = await registerAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => stripeApi.close(resolve));
  });

  it('answers 502 stripe_error when Stripe refuses, and changes nothing', async () => {
    const user = await registerUser(t);
    const row = await insertCheckoutSession(t.db, {
      stripeSessionId: 'cs_test_gone_123',
      userId: user.id,
      mode: 'payment',
      plan: 'lifetime',
      interval: 'once',
      priceId: LIFETIME_PRICE,
    });
    requests.length = 0;
    const res = await request(t.http)
      .post(`/api/admin/checkout-sessions/${String(row.id)}/sync`)
      .set(bearer(admin.accessToken))
      .expect(502);
    expect(res.body).toMatchObject({ error: 'stripe_error', details: { code: 'resource_missing' } });
    expect(JSON.stringify(res.body)).not.toContain('sk_test_admin_sync');
    expect(requests).toEqual(['GET /v1/checkout/sessions/cs_test_gone_123?expand[0]=subscription']);
    const [after] = await t.db.query<Array<Record<string, unknown>>>('SELECT * FROM checkout_sessions WHERE id = $1', [row.id]);
    expect(after).toEqual(row);
    expect(await t.db.query('SELECT * FROM fulfillments WHERE checkout_session_id = $1', [row.id])).toEqual([]);
  });

  it('answers 404 for a session that is not ours, without asking Stripe', async () => {
    requests.length = 0;
    await request(t.http).post('/api/admin/checkout-sessions/cs_test_not_ours/sync').set(bearer(admin.accessToken)).expect(404);
    expect(requests).toEqual([]);
  });
});
