import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, createServiceKey, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';
import { logStatements, type StatementLog } from '../support/statement-log.js';
import { until } from '../support/until.js';

/**
 * Issue 31, performance: a track is one statement (the service key and the user's terms are not read again on every
 * request), tracks arriving together share a transaction, and none of that makes a limit, a plan change or a
 * revocation apply late.
 */
const LIMITS = {
  PLAN_RANK: 'pro',
  PLAN_LIMITS_FREE: 'ai_tokens:1000/month,projects:3',
  PLAN_LIMITS_PRO: 'ai_tokens:100000/month,projects:50',
  // no background job may send a statement while one is counted
  RETENTION_INTERVAL_SECONDS: '86400',
  USAGE_METER_FLUSH_SECONDS: '0',
};

let t: TestApp;
let admin: RegisteredUser;
let writeKey: string;
let log: StatementLog;
let counter = 0;
const nextKey = () => `path-${++counter}-${Date.now()}`;

function track(http: TestApp['http'], body: Record<string, unknown>, key = nextKey(), auth = writeKey) {
  return request(http).post('/api/usage/track').set(bearer(auth)).set('Idempotency-Key', key).send(body);
}

beforeAll(async () => {
  t = await createTestApp(LIMITS);
  admin = await registerAdmin(t);
  writeKey = await createServiceKey(t, admin, ['usage:write']);
  log = logStatements(t.db);
});

afterAll(async () => {
  await t?.close();
});

describe('Usage: the track path', () => {
  it('a track of a user this instance knows is one statement: no terms read, no key claimed apart, no second round trip', async () => {
    const user = await registerUser(t);
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }).expect(200);
    const from = log.statements.length;
    const res = await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 2 }).expect(200);
    expect(res.body).toMatchObject({ allowed: true, used: 3, remaining: 997 });
    // the service key is looked up again only when more than a second has passed since the first track (a slow machine)
    const sent = log.statements.slice(from).filter((s) => !s.includes('FROM api_keys'));
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBe('START TRANSACTION');
    expect(sent[1]).toMatch(/^WITH terms AS/);
    expect(sent[2]).toBe('COMMIT');
  });

  it('tracks that arrive together are each decided on their own: refused, repeated, unknown user and allowed side by side', async () => {
    const user = await registerUser(t);
    const other = await registerUser(t);
    await track(t.http, { userId: other.id, feature: 'projects', amount: 1 }, 'already-used').expect(200);
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => track(t.http, { userId: user.id, feature: 'projects', amount: 1 })),
      track(t.http, { userId: other.id, feature: 'projects', amount: 1 }, 'already-used'),
      track(t.http, { userId: randomUUID(), feature: 'projects', amount: 1 }),
      track(t.http, { userId: other.id, feature: 'projects', amount: 1 }),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 5).sort()).toEqual([200, 200, 200, 402, 402]);
    expect(statuses.slice(5)).toEqual([200, 404, 200]);
    expect(answers[5].body).toMatchObject({ used: 1 });
    expect(answers[7].body).toMatchObject({ used: 2 });
    const rows = await t.db.query<Array<{ used: string }>>(`SELECT used FROM usage_counters WHERE user_id = $1 AND feature = 'projects'`, [user.id]);
    expect(rows.map((r) => Number(r.used))).toEqual([3]);
    const [{ keys }] = await t.db.query(`SELECT count(*)::int AS keys FROM usage_idempotency_keys WHERE user_id = $1`, [user.id]);
    expect(keys).toBe(3);
  });

  it('a plan bought while another instance holds the old terms applies on that instance at once', async () => {
    const second = await createTestApp(LIMITS, t.database);
    try {
      const user = await registerUser(t);
      // the second instance has seen free's terms of this user
      await track(second.http, { userId: user.id, feature: 'ai_tokens', amount: 1000 }).expect(200);
      await track(second.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }).expect(402);
      await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(admin.accessToken)).send({ plan: 'pro', reason: 'upgrade' }).expect(201);
      const res = await track(second.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }).expect(200);
      expect(res.body).toMatchObject({ used: 1001, remaining: 98_999 });
      // and a negative amount is judged on the current terms too (projects is a standing cap in both plans)
      await track(second.http, { userId: user.id, feature: 'projects', amount: -1 }).expect(200);
    } finally {
      await second.close();
    }
  });

  it('a key revoked on one instance stops at once there, and on the others once their second of trust is over', async () => {
    const second = await createTestApp(LIMITS, t.database);
    try {
      const key = await createServiceKey(t, admin, ['usage:write']);
      const user = await registerUser(t);
      await track(second.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }, nextKey(), key).expect(200);
      await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }, nextKey(), key).expect(200);
      const list = await request(t.http).get('/api/admin/api-keys').set(bearer(admin.accessToken)).expect(200);
      const { id } = list.body.find((k: { prefix: string }) => key.startsWith(k.prefix));
      await request(t.http).delete(`/api/admin/api-keys/${id}`).set(bearer(admin.accessToken)).expect(200);
      await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }, nextKey(), key).expect(401);
      await until(
        async () => (await track(second.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }, nextKey(), key)).status === 401,
        'the revoked key refused on the second instance',
      );
    } finally {
      await second.close();
    }
  });
});
