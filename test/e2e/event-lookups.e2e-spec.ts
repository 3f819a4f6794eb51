import request from 'supertest';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser } from '../support/factories.js';
import { customerFixture, refundFixture } from '../support/stripe-fixtures.js';
import { until } from '../support/until.js';
import { deliver, WEBHOOK_SECRET } from '../support/webhooks.js';

/**
 * What an event looks up by a Stripe id stays a read of that payment's or customer's rows however much history is
 * stored: a refund event finds its session by its PaymentIntent, a paid session takes the refunds and disputes that
 * came before it, a customer's new email reaches its sessions, and the admin revenue report sums each invoice's
 * disputes; through an index, never by reading every session, refund or dispute (each event would cost more as the
 * tables grew).
 */
describe('Event lookups with a long history', () => {
  const ROWS = 20_000;
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY: 'price_pro_monthly' });
    const user = await registerUser(t);
    await t.db.query(
      `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, status, payment_status, stripe_payment_intent_id, stripe_customer_id, customer_email)
       SELECT 'cs_history_' || g, $1, 'payment', 'pro', 'once', 'complete', 'paid', 'pi_history_' || g, 'cus_history_' || g, 'payer' || g || '@example.com'
       FROM generate_series(1, $2) g`,
      [user.id, ROWS],
    );
    for (const table of ['refunds', 'disputes']) {
      await t.db.query(
        `INSERT INTO ${table} (stripe_${table.slice(0, -1)}_id, payment_intent_id, amount, currency, status, state_at, stripe_created_at)
         SELECT '${table}_history_' || g, 'pi_history_' || g, 100, 'usd', 'succeeded', now(), now() FROM generate_series(1, $1) g`,
        [ROWS],
      );
    }
    await t.db.query('ANALYZE checkout_sessions, refunds, disputes');
  });
  afterAll(() => t.close());

  /** What the service's statements have read of each table so far by whole-table scans, and written to it. */
  async function tableStats(): Promise<Map<string, { scanned: number; written: number; reads: number }>> {
    const rows = await t.db.query(
      `SELECT relname, seq_tup_read::int AS scanned, (n_tup_ins + n_tup_upd)::int AS written, (seq_scan + coalesce(idx_scan, 0))::int AS reads FROM pg_stat_user_tables`,
    );
    return new Map((rows as Array<{ relname: string; scanned: number; written: number; reads: number }>).map((r) => [r.relname, r]));
  }

  /**
   * The rows a delivery read of `tables` by scanning them whole. Its connection sends its statistics after the
   * transaction, all tables at once: they are in when what it writes to `written` shows (or, for a request that only
   * reads, its reads of that table).
   */
  async function scannedDuring(tables: string[], written: string, work: () => Promise<unknown>, shows: 'written' | 'reads' = 'written'): Promise<Record<string, number>> {
    const before = await tableStats();
    await work();
    await until(async () => (await tableStats()).get(written)![shows] > before.get(written)![shows], `the statistics of the request`, 10_000);
    const after = await tableStats();
    return Object.fromEntries(tables.map((table) => [table, after.get(table)!.scanned - before.get(table)!.scanned]));
  }

  it('a refund event finds its session through the index, without reading the other sessions', async () => {
    const refund = refundFixture({ payment_intent: 'pi_history_777', charge: 'ch_history_777', amount: 100, status: 'succeeded' });
    const scanned = await scannedDuring(['checkout_sessions'], 'refunds', () => deliver(t, eventObject('refund.created', refund)).expect(200));
    expect(scanned.checkout_sessions).toBeLessThan(ROWS);
  });

  it("a customer's new email reaches its sessions without reading the others", async () => {
    const customer = customerFixture({ id: 'cus_history_4242', email: 'new-address@example.com' });
    const scanned = await scannedDuring(['checkout_sessions'], 'checkout_sessions', () => deliver(t, eventObject('customer.updated', customer)).expect(200));
    expect(scanned.checkout_sessions).toBeLessThan(ROWS);
    const [session] = await t.db.query(`SELECT customer_email FROM checkout_sessions WHERE stripe_session_id = 'cs_history_4242'`);
    expect(session).toEqual({ customer_email: 'new-address@example.com' });
  });

  it('a paid session takes the refunds and disputes that came before it without reading the others', async () => {
    const user = await registerUser(t);
    const paymentIntent = `pi_new_${Date.now()}`;
    const early = refundFixture({ payment_intent: paymentIntent, charge: `ch_new_${Date.now()}`, amount: 500, status: 'succeeded' });
    await deliver(t, eventObject('refund.created', early)).expect(200);
    const session = checkoutSessionObject({
      mode: 'payment',
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: user.id,
      payment_intent: paymentIntent,
      amount_total: 2000,
      metadata: { plan: 'pro', interval: 'once' },
    });
    const scanned = await scannedDuring(['refunds', 'disputes'], 'checkout_sessions', () => deliver(t, eventObject('checkout.session.completed', session)).expect(200));
    expect(scanned.refunds).toBeLessThan(ROWS);
    expect(scanned.disputes).toBeLessThan(ROWS);
    // the early refund is the session's now
    const [attached] = await t.db.query(`SELECT r.checkout_session_id IS NOT NULL AS attached FROM refunds r WHERE r.stripe_refund_id = $1`, [early.id]);
    expect(attached).toEqual({ attached: true });
  });

  it("the revenue report sums each invoice's disputes without reading the others", async () => {
    const admin = await registerAdmin(t);
    const invoices = await t.db.query<Array<{ id: string }>>(
      `INSERT INTO invoices (stripe_invoice_id, user_id, status, amount_due, amount_paid, currency, created_at)
       SELECT 'in_history_' || g, $1::uuid, 'paid', 1000, 1000, 'eur', now() - interval '1 hour' FROM generate_series(1, 20) g RETURNING id`,
      [admin.id],
    );
    await t.db.query(
      `INSERT INTO disputes (stripe_dispute_id, invoice_id, amount, currency, status, state_at, stripe_created_at) VALUES ('dp_history_lost', $1, 1000, 'eur', 'lost', now(), now())`,
      [invoices[0].id],
    );
    let body: { invoices: Array<{ currency: string; payments: number; disputedLost: number; net: number }> } | undefined;
    const scanned = await scannedDuring(
      ['disputes'],
      'disputes',
      async () => (body = (await request(t.http).get('/api/admin/stats/revenue').set(bearer(admin.accessToken)).expect(200)).body),
      'reads',
    );
    expect(body!.invoices).toEqual([expect.objectContaining({ currency: 'eur', payments: 20, disputedLost: 1000, net: 19_000 })]);
    expect(scanned.disputes).toBeLessThan(ROWS);
  });
});
