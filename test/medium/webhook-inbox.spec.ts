import pg from 'pg';
import type Stripe from 'stripe';
import { eventObject } from '../../src/stripe-emulator/objects.js';
import { inboxRow, STORE_EVENTS } from '../../src/webhooks/webhook-processor.service.js';
import { insertStripeEvent } from '../support/factories.js';
import { createMediumDatabase, type MediumDatabase } from '../support/medium.js';
import { until } from '../support/until.js';

interface Stored {
  id: string;
  inserted: boolean;
  status: string | null;
}

// The webhook inbox statement (STORE_EVENTS) on a real database, the rule the group commit rests on: a transaction
// applies only the events whose inbox row it wrote itself (`inserted`); an event already stored is answered with its
// status (none when it was stored after the statement's snapshot), after waiting for a delivery of it still in flight:
// not its own if that one commits, its own if it rolls back.
describe('the webhook inbox statement', () => {
  let m: MediumDatabase;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    m = await createMediumDatabase();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
  });
  afterAll(() => m.close());

  let seq = 0;
  // a stand-in object of a type without a customer (so no customer lock): the inbox reads only the envelope
  const event = () => eventObject('customer.tax_id.created', { id: `txi_medium_${++seq}` }) as unknown as Stripe.Event;
  const rowsOf = (events: Stripe.Event[]) => JSON.stringify(events.map((e) => inboxRow(e, { source: 'webhook', status: 'processed', ignoredReason: null, payload: e })));
  const byId = (rows: Stored[]) => Object.fromEntries(rows.map((r) => [r.id, { inserted: r.inserted, status: r.status }]));
  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: m.database.url });
    await c.connect();
    clients.push(c);
    return c;
  }
  const store = async (c: pg.Client, events: Stripe.Event[]) => (await c.query<Stored>(STORE_EVENTS, [rowsOf(events)])).rows;
  const waitingOnALock = () =>
    until(
      async () =>
        (await m.db.query<unknown[]>(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%jsonb_to_recordset%' AND datname = current_database()`))
          .length > 0,
      'the second transaction to wait for the first one’s inbox row',
    );

  it('stores new events as its own and answers a known one with its status, not as its own', async () => {
    const known = event();
    await insertStripeEvent(m.db, { id: known.id, type: known.type, status: 'processed' });
    const fresh = [event(), event()];
    const c = await client();
    expect(byId(await store(c, [known, ...fresh]))).toEqual({
      [known.id]: { inserted: false, status: 'processed' },
      [fresh[0].id]: { inserted: true, status: null },
      [fresh[1].id]: { inserted: true, status: null },
    });
    const stored = await m.db.query<Array<{ id: string; status: string; attempts: number }>>('SELECT id, status, attempts FROM stripe_events WHERE id = ANY($1) ORDER BY id', [
      fresh.map((e) => e.id),
    ]);
    expect(stored).toEqual(fresh.map((e) => ({ id: e.id, status: 'processed', attempts: 1 })).sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it('waits for a delivery of the same event in flight: when that one commits, the event is not its own (its status is read again after)', async () => {
    const shared = event();
    const other = event();
    const first = await client();
    const second = await client();
    await first.query('BEGIN');
    expect(byId(await store(first, [shared]))).toEqual({ [shared.id]: { inserted: true, status: null } });
    await second.query('BEGIN');
    const answer = store(second, [shared, other]);
    await waitingOnALock();
    await first.query('COMMIT');
    // the row committed after the statement's snapshot: no status from it, which sends the caller to read it again
    expect(byId(await answer)).toEqual({ [shared.id]: { inserted: false, status: null }, [other.id]: { inserted: true, status: null } });
    expect((await second.query('SELECT status FROM stripe_events WHERE id = $1 FOR UPDATE', [shared.id])).rows).toEqual([{ status: 'processed' }]);
    await second.query('COMMIT');
  });

  it('when the delivery in flight rolls back instead, the event is this transaction’s own', async () => {
    const shared = event();
    const first = await client();
    const second = await client();
    await first.query('BEGIN');
    await store(first, [shared]);
    await second.query('BEGIN');
    const answer = store(second, [shared]);
    await waitingOnALock();
    await first.query('ROLLBACK');
    expect(byId(await answer)).toEqual({ [shared.id]: { inserted: true, status: null } });
    await second.query('COMMIT');
    expect(await m.db.query('SELECT status FROM stripe_events WHERE id = $1', [shared.id])).toEqual([{ status: 'processed' }]);
  });
});
