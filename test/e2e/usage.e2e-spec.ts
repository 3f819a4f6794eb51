import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, createServiceKey, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';

/** Issue 31: limits per plan, tracked exactly once and exactly under concurrency. */
const LIMITS = {
  PLAN_RANK: 'pro',
  PLAN_LIMITS_FREE: 'ai_tokens:1000/month,projects:3,exports:2/day',
  PLAN_LIMITS_PRO: 'ai_tokens:100000/month,projects:50',
};

let t: TestApp;
let admin: RegisteredUser;
let writeKey: string;
let readKey: string;
let counter = 0;
const nextKey = () => `track-${++counter}-${Date.now()}`;

function track(http: TestApp['http'], body: Record<string, unknown>, key: string | null = nextKey(), auth = writeKey) {
  const req = request(http).post('/api/usage/track').set(bearer(auth));
  if (key !== null) req.set('Idempotency-Key', key);
  return req.send(body);
}

async function used(userId: string, feature: string): Promise<number> {
  const rows = await t.db.query<Array<{ used: string }>>('SELECT used FROM usage_counters WHERE user_id = $1 AND feature = $2', [userId, feature]);
  return rows.length ? Number(rows[0].used) : 0;
}

beforeAll(async () => {
  t = await createTestApp(LIMITS);
  admin = await registerAdmin(t);
  writeKey = await createServiceKey(t, admin, ['usage:write']);
  readKey = await createServiceKey(t, admin, ['usage:read']);
});

afterAll(async () => {
  await t?.close();
});

describe('Usage: limits per plan', () => {
  it("a new user sees free's limits, with nothing used", async () => {
    const user = await registerUser(t);
    const res = await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200);
    const byFeature = Object.fromEntries(res.body.items.map((i: { feature: string }) => [i.feature, i]));
    expect(Object.keys(byFeature).sort()).toEqual(['ai_tokens', 'exports', 'projects']);
    expect(byFeature.ai_tokens).toMatchObject({ limit: 1000, used: 0, credits: 0, remaining: 1000, period: 'month', overage: false });
    const now = new Date();
    expect(byFeature.ai_tokens.resetsAt).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString());
    expect(byFeature.projects).toMatchObject({ limit: 3, period: 'none', resetsAt: null });
    expect(byFeature.exports).toMatchObject({ limit: 2, period: 'day' });
  });

  it('a user checks their own usage, a read key anyone’s; a check records nothing', async () => {
    const user = await registerUser(t);
    const own = await request(t.http).post('/api/usage/check').set(bearer(user.accessToken)).send({ feature: 'ai_tokens', amount: 1000 }).expect(200);
    expect(own.body).toMatchObject({ allowed: true, remaining: 1000, limit: 1000 });
    const tooMuch = await request(t.http).post('/api/usage/check').set(bearer(readKey)).send({ feature: 'ai_tokens', amount: 1001, userId: user.id }).expect(200);
    expect(tooMuch.body).toMatchObject({ allowed: false, remaining: 1000 });
    await request(t.http).post('/api/usage/check').set(bearer(user.accessToken)).send({ feature: 'ai_tokens', userId: admin.id }).expect(403);
    await request(t.http).post('/api/usage/check').set(bearer(readKey)).send({ feature: 'ai_tokens' }).expect(400);
    expect(await used(user.id, 'ai_tokens')).toBe(0);
  });

  it('a track counts once per Idempotency-Key, and past the limit answers 402 limit_exceeded with nothing recorded', async () => {
    const user = await registerUser(t);
    const first = await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 600 }, 'same-key').expect(200);
    expect(first.body).toMatchObject({ allowed: true, used: 600, remaining: 400, credits: 0 });
    const again = await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 600 }, 'same-key').expect(200);
    expect(again.body).toEqual(first.body);
    expect(await used(user.id, 'ai_tokens')).toBe(600);
    // the same key with another amount is a client bug, not a new track
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 7 }, 'same-key').expect(409);

    const refused = await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 401 }).expect(402);
    expect(refused.body).toMatchObject({ error: 'limit_exceeded', details: { remaining: 400, limit: 1000 } });
    expect(await used(user.id, 'ai_tokens')).toBe(600);
    const rest = await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 400 }).expect(200);
    expect(rest.body).toMatchObject({ used: 1000, remaining: 0 });
    const keys = await t.db.query(`SELECT key FROM usage_idempotency_keys WHERE user_id = $1`, [user.id]);
    expect(keys).toHaveLength(2);
  });

  it('a standing cap takes negative amounts (a slot freed), never below zero; a period limit refuses them', async () => {
    const user = await registerUser(t);
    await track(t.http, { userId: user.id, feature: 'projects', amount: 3 }).expect(200);
    await track(t.http, { userId: user.id, feature: 'projects', amount: 1 }).expect(402);
    const freed = await track(t.http, { userId: user.id, feature: 'projects', amount: -1 }).expect(200);
    expect(freed.body).toMatchObject({ used: 2, remaining: 1, resetsAt: null });
    const floor = await track(t.http, { userId: user.id, feature: 'projects', amount: -10 }).expect(200);
    expect(floor.body).toMatchObject({ used: 0, remaining: 3 });
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: -5 }).expect(400);
  });

  it('bad input gets 400 or 404 and records nothing; a user token cannot track; a read key cannot track', async () => {
    const user = await registerUser(t);
    const body = { userId: user.id, feature: 'ai_tokens', amount: 5 };
    for (const bad of [
      { ...body, feature: 'unknown_feature' },
      { ...body, amount: 0 },
      { ...body, amount: 1.5 },
      { ...body, amount: 1_000_000_001 },
      { ...body, amount: '5' },
      { ...body, userId: 'not-a-uuid' },
      { ...body, extra: true },
    ]) {
      const res = await track(t.http, bad);
      expect([res.status, res.body.error]).toEqual([400, 'validation_error']);
    }
    await track(t.http, body, null).expect(400);
    const unknown = await track(t.http, { ...body, userId: '00000000-0000-4000-8000-000000000000' });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
    const asUser = await track(t.http, body, nextKey(), user.accessToken);
    expect([asUser.status, asUser.body.error]).toEqual([403, 'forbidden']);
    await track(t.http, body, nextKey(), readKey).expect(403);
    await track(t.http, body, nextKey(), 'csk_not-a-real-key-at-all').expect(401);
    expect(await used(user.id, 'ai_tokens')).toBe(0);
    expect(await t.db.query(`SELECT 1 FROM usage_idempotency_keys WHERE user_id = $1`, [user.id])).toHaveLength(0);
  });

  it('a higher plan raises the limit at once, and keeps what was used', async () => {
    const user = await registerUser(t);
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1000 }).expect(200);
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }).expect(402);
    await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(admin.accessToken)).send({ plan: 'pro', reason: 'upgrade' }).expect(201);
    const res = await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }).expect(200);
    expect(res.body).toMatchObject({ used: 1001, remaining: 98_999 });
    // a feature pro does not name keeps free's limit
    const list = await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200);
    expect(list.body.items.find((i: { feature: string }) => i.feature === 'exports')).toMatchObject({ limit: 2 });
  });

  it('a revoked key stops working at once; keys are listed without secrets', async () => {
    const key = await createServiceKey(t, admin, ['usage:write']);
    const list = await request(t.http).get('/api/admin/api-keys').set(bearer(admin.accessToken)).expect(200);
    const row = list.body.find((k: { prefix: string }) => key.startsWith(k.prefix));
    expect(row).toMatchObject({ scopes: ['usage:write'], revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(await t.db.query('SELECT 1 FROM api_keys WHERE key_hash = $1', [key])).toHaveLength(0);
    await request(t.http).delete(`/api/admin/api-keys/${row.id}`).set(bearer(admin.accessToken)).expect(200);
    const user = await registerUser(t);
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }, nextKey(), key).expect(401);
    await request(t.http)
      .post('/api/admin/api-keys')
      .set(bearer(admin.accessToken))
      .send({ name: 'x', scopes: ['admin'] })
      .expect(400);
    await request(t.http)
      .post('/api/admin/api-keys')
      .set(bearer(user.accessToken))
      .send({ name: 'x', scopes: ['usage:read'] })
      .expect(403);
  });

  it('every use of a key is counted in the metrics', async () => {
    const okUses = async () => {
      const text = (await request(t.http).get('/metrics').expect(200)).text;
      return [...text.matchAll(/api_key_requests_total\{key_id="[0-9a-f-]{36}",outcome="ok"\} (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const before = await okUses();
    const user = await registerUser(t);
    await track(t.http, { userId: user.id, feature: 'ai_tokens', amount: 1 }).expect(200);
    expect((await okUses()) - before).toBe(1);
  });
});

describe('Usage: exact under concurrency', () => {
  it('300 concurrent tracks of 5 against a limit of 1,000 over three instances let exactly 200 through', async () => {
    const second = await createTestApp(LIMITS, t.database);
    const third = await createTestApp(LIMITS, t.database);
    try {
      const user = await registerUser(t);
      const instances = [t.http, second.http, third.http];
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => track(instances[i % 3], { userId: user.id, feature: 'ai_tokens', amount: 5 })));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(200);
      expect(statuses.filter((s) => s === 402)).toHaveLength(100);
      expect(answers.filter((a) => a.status === 402).every((a) => a.body.error === 'limit_exceeded' && a.body.details.remaining === 0)).toBe(true);
      expect(await used(user.id, 'ai_tokens')).toBe(1000);
      const [{ keys }] = await t.db.query(`SELECT count(*)::int AS keys FROM usage_idempotency_keys WHERE user_id = $1`, [user.id]);
      expect(keys).toBe(200);
    } finally {
      await second.close();
      await third.close();
    }
  });

  it('the same Idempotency-Key sent 30 times at once over three instances counts once', async () => {
    const second = await createTestApp(LIMITS, t.database);
    const third = await createTestApp(LIMITS, t.database);
    try {
      const user = await registerUser(t);
      const instances = [t.http, second.http, third.http];
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => track(instances[i % 3], { userId: user.id, feature: 'ai_tokens', amount: 7 }, 'one-key')));
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      expect(await used(user.id, 'ai_tokens')).toBe(7);
    } finally {
      await second.close();
      await third.close();
    }
  });
});
