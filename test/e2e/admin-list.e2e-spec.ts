import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { sessionListStatement } from '../../src/admin/checkout-session-list.sql.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';

/**
 * The session list is one plain SQL statement (src/admin/checkout-session-list.sql.ts), not the entity model the
 * session detail still reads. These check that both tell the same story about every session (every field, the
 * user's email, the disputes in order), and that each filter set answers the rows it should, newest first with the
 * id breaking ties, page after page without a repeat or a gap.
 */
interface Seeded {
  id: string;
  createdAt: string;
  userId: string | null;
  status: string;
  paymentStatus: string;
  mode: string;
  priceId: string;
  unmatched: boolean;
  disputed: boolean;
}

type Item = Record<string, unknown> & { id: string };
type Page = { items: Item[]; nextCursor: string | null };

describe('Admin session list: one statement, same answers', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const seeded: Seeded[] = [];
  const get = (path: string) => request(t.http).get(path).set(bearer(admin.accessToken));

  async function allPages(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path = `/api/admin/checkout-sessions?limit=${limit}${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await get(path).expect(200)).body as Page;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 100);
    return { ids, pages };
  }

  /** A one-item page holding this seeded session: from a cursor on the session listed right before it. */
  async function pageOf(session: Seeded): Promise<Page> {
    const order = expected(() => true);
    const before = seeded.find((s) => s.id === order[order.indexOf(session.id) - 1]);
    const cursor = before ? `&cursor=${Buffer.from(JSON.stringify([before.createdAt, before.id])).toString('base64url')}` : '';
    return (await get(`/api/admin/checkout-sessions?limit=1${cursor}`).expect(200)).body as Page;
  }

  /** What the list must answer: the matching rows, newest first, the larger id first on equal times (uuid order is hex order). */
  const expected = (match: (s: Seeded) => boolean) =>
    seeded
      .filter(match)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1))
      .map((s) => s.id);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerAdmin(t);
    alice = await registerUser(t, { email: `alice-list-${Date.now()}@example.com` });
    bob = await registerUser(t, { email: `bob-list-${Date.now()}@example.com` });
    // 30 sessions, three to a minute (ties on created_at), spread over users, statuses, modes and prices
    for (let i = 0; i < 30; i += 1) {
      const userId = [alice.id, bob.id, null][i % 3];
      const status = ['complete', 'complete', 'expired', 'open'][i % 4];
      const paymentStatus = status !== 'complete' ? 'unpaid' : i % 5 === 0 ? 'no_payment_required' : 'paid';
      const mode = ['payment', 'payment', 'subscription', 'subscription', 'subscription', 'setup', 'payment'][i % 7];
      const priceId = i % 2 ? 'price_list_a' : 'price_list_b';
      const unmatched = userId === null && i % 2 === 0;
      const createdAt = `2026-03-01T10:${String(Math.floor(i / 3)).padStart(2, '0')}:00.000Z`;
      const [row] = await t.db.query<Array<{ id: string }>>(
        `INSERT INTO checkout_sessions (stripe_session_id, user_id, mode, plan, interval, price_id, quantity, status, payment_status,
           amount_total, amount_subtotal, amount_discount, amount_tax, amount_refunded, refunded_at, ui_mode, currency, customer_email,
           stripe_customer_id, stripe_subscription_id, stripe_payment_intent_id, unmatched, linked_at, linked_by, link_reason,
           expires_at, fulfilled_at, payment_failed_at, last_event_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,
                 $26, $27, $28, $29, $30)
         RETURNING id`,
        [
          `cs_list_${i}_${randomUUID().slice(0, 8)}`,
          userId,
          mode,
          mode === 'setup' ? null : 'pro',
          mode === 'payment' ? 'once' : mode === 'subscription' ? 'month' : null,
          priceId,
          1 + (i % 3),
          status,
          paymentStatus,
          // one amount far above 2^32, to show bigints come through exactly
          i === 4 ? 1_099_511_627_776 : i % 6 === 0 ? null : 1900 + i,
          i % 6 === 0 ? null : 2000 + i,
          i % 6 === 0 ? null : 100,
          i % 6 === 0 ? null : 0,
          i % 8 === 0 ? 500 : 0,
          // microseconds: the API shows milliseconds, as JavaScript's toISOString does
          i % 8 === 0 ? '2026-03-02T08:15:30.123456Z' : null,
          i % 9 === 0 ? 'embedded' : 'hosted',
          i % 5 === 0 ? 'eur' : 'usd',
          `buyer-${i}@example.com`,
          i % 4 === 0 ? `cus_list_${i}` : null,
          mode === 'subscription' ? `sub_list_${i}` : null,
          mode === 'payment' ? `pi_list_${i}` : null,
          unmatched,
          i === 1 ? '2026-03-03T09:00:00.5Z' : null,
          i === 1 ? admin.id : null,
          i === 1 ? 'support ticket 42' : null,
          '2026-03-02T10:00:00Z',
          status === 'complete' ? '2026-03-01T11:00:00.999999Z' : null,
          i % 10 === 3 ? '2026-03-01T12:00:00Z' : null,
          i % 2 ? '2026-03-01T10:30:00.25Z' : null,
          createdAt,
        ],
      );
      seeded.push({ id: row.id, createdAt, userId, status, paymentStatus, mode, priceId, unmatched, disputed: i === 6 || i === 13 });
    }
    // two disputes on one session (stored newest first: the list shows them oldest first), one on another
    const dispute = (id: string, session: string, status: string, reason: string | null, due: string | null, created: string) =>
      t.db.query(
        `INSERT INTO disputes (stripe_dispute_id, amount, currency, status, reason, evidence_due_by, checkout_session_id, state_at, stripe_created_at)
         VALUES ($1, 1906, 'usd', $2, $3, $4, $5, now(), $6)`,
        [id, status, reason, due, session, created],
      );
    await dispute('dp_list_second', seeded[6].id, 'lost', null, null, '2026-03-05T00:00:00Z');
    await dispute('dp_list_first', seeded[6].id, 'won', 'fraudulent', '2026-03-20T23:59:59.987654Z', '2026-03-04T00:00:00Z');
    await dispute('dp_list_other', seeded[13].id, 'needs_response', 'duplicate', '2026-03-21T00:00:00Z', '2026-03-04T00:00:00Z');
  });
  afterAll(() => t.close());

  it('shows every session exactly as its detail does: every field, the user email, the disputes oldest first', async () => {
    const page = (await get('/api/admin/checkout-sessions?limit=100').expect(200)).body as Page;
    expect(page.items.map((i) => i.id)).toEqual(expected(() => true));
    expect(page.nextCursor).toBeNull();
    for (const item of page.items) {
      const { user: _user, timeline: _timeline, fulfillments: _fulfillments, ...detail } = (await get(`/api/admin/checkout-sessions/${item.id}`).expect(200)).body as Item;
      expect(item).toEqual(detail);
    }
    const byId = new Map(page.items.map((i) => [i.id, i]));
    expect(byId.get(seeded[0].id)).toMatchObject({ userEmail: alice.email, amountTotal: null, refundedAt: '2026-03-02T08:15:30.123Z', fulfilledAt: '2026-03-01T11:00:00.999Z' });
    expect(byId.get(seeded[2].id)).toMatchObject({ userId: null, userEmail: null });
    expect(byId.get(seeded[4].id)).toMatchObject({ userEmail: bob.email, amountTotal: 1_099_511_627_776 });
    expect(byId.get(seeded[1].id)).toMatchObject({ linkedAt: '2026-03-03T09:00:00.500Z', linkedBy: admin.id, linkReason: 'support ticket 42' });
    expect(byId.get(seeded[6].id)!.disputes).toEqual([
      { id: 'dp_list_first', status: 'won', reason: 'fraudulent', amount: 1906, currency: 'usd', evidenceDueBy: '2026-03-20T23:59:59.987Z' },
      { id: 'dp_list_second', status: 'lost', reason: null, amount: 1906, currency: 'usd', evidenceDueBy: null },
    ]);
    expect(byId.get(seeded[7].id)!.disputes).toEqual([]);
  });

  it('answers JSON text written by PostgreSQL: application/json, exact amounts, millisecond times, the same cursor', async () => {
    const res = await get('/api/admin/checkout-sessions?limit=5').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const page = JSON.parse(res.text) as Page;
    expect(Object.keys(page)).toEqual(['items', 'nextCursor']);
    expect(page.items.map((i) => i.id)).toEqual(expected(() => true).slice(0, 5));
    // the cursor is the last item's listed createdAt (milliseconds) and id, as encodeCursor always made it
    const last = page.items[4];
    expect(page.nextCursor).toBe(Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url'));
    // a page holding the 2^40 amount and the microsecond times
    expect((await pageOf(seeded[4])).items[0]).toMatchObject({
      id: seeded[4].id,
      amountTotal: 2 ** 40,
      refundedAt: null,
      lastEventAt: null,
      createdAt: '2026-03-01T10:01:00.000Z',
    });
    expect((await pageOf(seeded[0])).items[0]).toMatchObject({ id: seeded[0].id, refundedAt: '2026-03-02T08:15:30.123Z', fulfilledAt: '2026-03-01T11:00:00.999Z' });
    // every session on one page, as sent: a bigint amount is its digits (never 1.099511627776e+12), no cursor after it
    const all = await get('/api/admin/checkout-sessions?limit=100').expect(200);
    expect(all.text).toContain('"amountTotal":1099511627776,');
    expect(all.text).not.toMatch(/":-?\d+(\.\d+)?[eE][+-]?\d/);
    expect(all.text).toMatch(/"nextCursor":null}$/);
  });

  it('answers a malformed cursor or filter with 400 in the error shape', async () => {
    for (const path of ['?cursor=garbage!', `?cursor=${Buffer.from('["2026-01-01T00:00:00Z","nope"]').toString('base64url')}`, '?status=paid', '?limit=0']) {
      const res = await get(`/api/admin/checkout-sessions${path}`).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ error: 'validation_error', message: expect.any(String), details: { fields: expect.any(Object) } });
    }
  });

  it('is one prepared statement per filter shape: the same text and name whatever the values, the same answers past five runs', async () => {
    const shape = (userId: string, at: Date) => sessionListStatement({ userId, status: 'complete', from: at, to: null, cursor: { createdAt: at, id: randomUUID() }, limit: 2 }, []);
    const [one, two] = [shape(alice.id, new Date('2026-03-01T10:05:00Z')), shape(bob.id, new Date('2026-03-01T10:09:00Z'))];
    expect(two.text).toBe(one.text);
    expect(two.name).toBe(one.name);
    expect(one.name).toMatch(/^admin_session_list_[0-9a-f]{16}$/);
    // what decides the plan is in the text (the limit, a closed set's value), so another limit or status is another statement
    expect(sessionListStatement({ status: 'open', from: null, to: null, cursor: null, limit: 2 }, []).name).not.toBe(
      sessionListStatement({ status: 'complete', from: null, to: null, cursor: null, limit: 2 }, []).name,
    );
    // priceId's plan depends on the value: planned per request
    expect(sessionListStatement({ priceId: 'price_list_a', from: null, to: null, cursor: null, limit: 2 }, []).name).toBeNull();
    expect(() => sessionListStatement({ from: null, to: null, cursor: null, limit: 101 }, [])).toThrow(RangeError);
    expect(() => sessionListStatement({ status: "open' OR true --" as 'open', from: null, to: null, cursor: null, limit: 2 }, [])).toThrow(RangeError);
    // past the five custom plans each pooled connection makes before it may switch to the generic one: same answers
    const want = expected((s) => s.status === 'complete' && s.userId === alice.id).slice(0, 2);
    for (let i = 0; i < 12; i += 1) {
      const page = (await get(`/api/admin/checkout-sessions?status=complete&userId=${alice.id}&limit=2`).expect(200)).body as Page;
      expect(page.items.map((item) => item.id)).toEqual(want);
    }
  });

  const from = '2026-03-01T10:02:00.000Z';
  const to = '2026-03-01T10:07:00.000Z';
  const filterSets: Array<[string, () => string, (s: Seeded) => boolean]> = [
    ['no filter', () => '', () => true],
    [
      'status + paymentStatus + mode',
      () => 'status=complete&paymentStatus=paid&mode=payment',
      (s) => s.status === 'complete' && s.paymentStatus === 'paid' && s.mode === 'payment',
    ],
    ['status + from', () => `status=expired&from=${from}`, (s) => s.status === 'expired' && s.createdAt >= from],
    ['from + to', () => `from=${from}&to=${to}`, (s) => s.createdAt >= from && s.createdAt < to],
    ['priceId + status', () => 'priceId=price_list_a&status=complete', (s) => s.priceId === 'price_list_a' && s.status === 'complete'],
    ['email (any case)', () => `email=${encodeURIComponent(alice.email.toUpperCase())}`, (s) => s.userId === alice.id],
    ['userId + mode', () => `userId=${bob.id}&mode=subscription`, (s) => s.userId === bob.id && s.mode === 'subscription'],
    ['unmatched', () => 'unmatched=true', (s) => s.unmatched],
    ['disputed', () => 'disputed=true', (s) => s.disputed],
    ['not disputed', () => 'disputed=false&status=open', (s) => !s.disputed && s.status === 'open'],
  ];

  it.each(filterSets)('%s: the matching sessions, newest first, ties by id, paged without a repeat or a gap', async (_name, query, match) => {
    const want = expected(match);
    expect(want.length).toBeGreaterThan(0);
    const paged = await allPages(query(), 2);
    expect(paged.ids).toEqual(want);
    expect(paged.pages).toBe(Math.max(1, Math.ceil(want.length / 2)));
    // one page of everything answers the same order
    expect((await allPages(query(), 100)).ids).toEqual(want);
  });
});
