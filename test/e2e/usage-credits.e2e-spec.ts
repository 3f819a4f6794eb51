import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, createServiceKey, registerAdmin, registerUser, type RegisteredUser } from '../support/factories.js';

/** Issue 31: credits drawn after the allowance, the admin's view, and gating the routes a team adds. */
let t: TestApp;
let admin: RegisteredUser;
let writeKey: string;
let counter = 0;

function track(userId: string, feature: string, amount: number) {
  return request(t.http).post('/api/usage/track').set(bearer(writeKey)).set('Idempotency-Key', `credits-${++counter}`).send({ userId, feature, amount });
}

const credit = (userId: string, body: Record<string, unknown>) => request(t.http).post(`/api/admin/users/${userId}/credits`).set(bearer(admin.accessToken)).send(body);

beforeAll(async () => {
  t = await createTestApp({
    PLAN_RANK: 'pro',
    PLAN_LIMITS_FREE: 'ai_tokens:100/month',
    PLAN_LIMITS_PRO: 'ai_tokens:10000/month',
    PLAN_FEATURES_PRO: 'export',
    USAGE_EXAMPLE_ROUTES: 'true',
  });
  admin = await registerAdmin(t);
  writeKey = await createServiceKey(t, admin, ['usage:write'], 'worker');
});

afterAll(async () => {
  await t?.close();
});

describe('Usage: credits', () => {
  it('credits are drawn once the allowance is used up, oldest first; the admin sees the ledger and what is left of each grant', async () => {
    const user = await registerUser(t);
    const first = await credit(user.id, { feature: 'ai_tokens', amount: 50, reason: 'goodwill' }).expect(201);
    expect(first.body).toMatchObject({ amount: 50, balance: 50, source: 'admin', reason: 'goodwill', actorId: admin.id });
    await credit(user.id, { feature: 'ai_tokens', amount: 30, reason: 'second' }).expect(201);

    const within = await track(user.id, 'ai_tokens', 90).expect(200);
    expect(within.body).toMatchObject({ used: 90, credits: 80, remaining: 90 });
    const past = await track(user.id, 'ai_tokens', 70).expect(200);
    expect(past.body).toMatchObject({ used: 160, credits: 20, remaining: 20 });
    const refused = await track(user.id, 'ai_tokens', 21).expect(402);
    expect(refused.body.details.remaining).toBe(20);

    const view = await request(t.http).get(`/api/admin/users/${user.id}/usage`).set(bearer(admin.accessToken)).expect(200);
    expect(view.body.plan).toBe('free');
    expect(view.body.items).toEqual([expect.objectContaining({ feature: 'ai_tokens', limit: 100, used: 160, credits: 20, remaining: 20 })]);
    expect(view.body.credits.map((c: { reason: string; remaining: number }) => [c.reason, c.remaining])).toEqual([
      ['goodwill', 0],
      ['second', 20],
    ]);
    const own = await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200);
    expect(own.body.items[0]).toMatchObject({ credits: 20, remaining: 20 });
    const detail = await request(t.http).get(`/api/admin/users/${user.id}`).set(bearer(admin.accessToken)).expect(200);
    expect(
      detail.body.timeline.filter((e: { kind: string }) => e.kind === 'credits').map((e: { amount: number; reason: string; feature: string }) => [e.feature, e.amount, e.reason]),
    ).toEqual([
      ['ai_tokens', 50, 'goodwill'],
      ['ai_tokens', 30, 'second'],
    ]);
  });

  it('an admin removes credits, never more than the balance; bad input is 400, an unknown user 404, a user 403', async () => {
    const user = await registerUser(t);
    await credit(user.id, { feature: 'ai_tokens', amount: 10, reason: 'a' }).expect(201);
    const removed = await credit(user.id, { feature: 'ai_tokens', amount: -4, reason: 'oops' }).expect(201);
    expect(removed.body).toMatchObject({ amount: -4, balance: 6 });
    await credit(user.id, { feature: 'ai_tokens', amount: -7, reason: 'too many' }).expect(409);
    await credit(user.id, { feature: 'ai_tokens', amount: 0, reason: 'x' }).expect(400);
    await credit(user.id, { feature: 'nope', amount: 1, reason: 'x' }).expect(400);
    await credit(user.id, { feature: 'ai_tokens', amount: 1 }).expect(400);
    await credit('00000000-0000-4000-8000-000000000000', { feature: 'ai_tokens', amount: 1, reason: 'x' }).expect(404);
    await request(t.http).post(`/api/admin/users/${user.id}/credits`).set(bearer(user.accessToken)).send({ feature: 'ai_tokens', amount: 1, reason: 'x' }).expect(403);
    const view = await request(t.http).get(`/api/admin/users/${user.id}/usage`).set(bearer(admin.accessToken)).expect(200);
    expect(view.body.credits.map((c: { amount: number; remaining: number }) => [c.amount, c.remaining])).toEqual([
      [10, 6],
      [-4, 0],
    ]);
  });
});

describe('Usage: @RequiresFeature and @TracksUsage (the example routes)', () => {
  it('@TracksUsage checks before the handler and records after it; past the limit the handler does not run', async () => {
    const user = await registerUser(t);
    const text = 'x'.repeat(300); // 75 tokens
    const ok = await request(t.http).post('/api/examples/summaries').set(bearer(user.accessToken)).send({ text }).expect(200);
    expect(ok.body.tokens).toBe(75);
    const usage = await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200);
    expect(usage.body.items[0]).toMatchObject({ used: 75, remaining: 25 });
    const refused = await request(t.http).post('/api/examples/summaries').set(bearer(user.accessToken)).send({ text }).expect(402);
    expect(refused.body).toMatchObject({ error: 'limit_exceeded', details: { remaining: 25 } });
    // a failed handler (here: its input is refused) records nothing
    await request(t.http).post('/api/examples/summaries').set(bearer(user.accessToken)).send({ text: 12345 }).expect(400);
    const after = await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200);
    expect(after.body.items[0].used).toBe(75);
    // the same Idempotency-Key counts a retried request once
    const key = { 'Idempotency-Key': 'retry-1' };
    await request(t.http).post('/api/examples/summaries').set(bearer(user.accessToken)).set(key).send({ text: 'abcd' }).expect(200);
    await request(t.http).post('/api/examples/summaries').set(bearer(user.accessToken)).set(key).send({ text: 'abcd' }).expect(200);
    const retried = await request(t.http).get('/api/usage').set(bearer(user.accessToken)).expect(200);
    expect(retried.body.items[0].used).toBe(76);
  });

  it('@RequiresFeature answers 403 feature_required without the feature, and lets the plan that has it in', async () => {
    const user = await registerUser(t);
    await request(t.http).get('/api/examples/export').expect(401);
    const refused = await request(t.http).get('/api/examples/export').set(bearer(user.accessToken)).expect(403);
    expect(refused.body).toMatchObject({ error: 'feature_required', details: { feature: 'export' } });
    await request(t.http).post(`/api/admin/users/${user.id}/grants`).set(bearer(admin.accessToken)).send({ plan: 'pro', reason: 'trial' }).expect(201);
    await request(t.http).get('/api/examples/export').set(bearer(user.accessToken)).expect(200);
  });
});
