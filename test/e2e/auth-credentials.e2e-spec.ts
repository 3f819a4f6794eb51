import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { logStatements, type StatementLog } from '../support/statement-log.js';
import { until } from '../support/until.js';

/**
 * The guard remembers each user's role and token version (src/auth/credentials-cache.ts) instead of reading them on
 * every request. These hold it to what the read on every request promised: a change made anywhere, even in SQL, ends
 * the older tokens on every instance as the users table's notification arrives, far inside the cache's 10 s safety
 * net (the waits below give it 2 s), and a lost listening connection forgets everything rather than trust it.
 */
const READ = 'SELECT role, token_version FROM users WHERE id = $1';
const SETTLE_MS = 2000;

let t: TestApp;
let second: TestApp;
let log: StatementLog;

const meStatus = async (app: TestApp, user: RegisteredUser) => (await request(app.http).get('/api/auth/me').set(bearer(user.accessToken))).status;
const credentialReads = () => log.statements.filter((s) => s === READ).length;

beforeAll(async () => {
  t = await createTestApp({ RETENTION_INTERVAL_SECONDS: '86400' });
  second = await createTestApp({ RETENTION_INTERVAL_SECONDS: '86400' }, t.database);
  log = logStatements(t.db);
});

afterAll(async () => {
  await second?.close();
  await t?.close();
});

describe('Auth: credentials remembered per instance, forgotten when they change', () => {
  it("reads a user's role and token version once, not on each request", async () => {
    const user = await registerUser(t);
    const before = credentialReads();
    for (let i = 0; i < 5; i++) await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200);
    expect(credentialReads() - before).toBe(1);
  });

  it('a role changed in SQL ends the older tokens on both instances, each of which had them remembered', async () => {
    const user = await registerUser(t);
    expect(await meStatus(t, user)).toBe(200);
    expect(await meStatus(second, user)).toBe(200);
    await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
    for (const app of [t, second]) await until(async () => (await meStatus(app, user)) === 401, 'the old token refused', SETTLE_MS);
    // and it stays refused: nothing remembered the old version since
    expect(await meStatus(second, user)).toBe(401);
  });

  it('a user promoted in SQL who signs in again is let in at once, before the notification has to arrive', async () => {
    const user = await registerUser(t);
    expect(await meStatus(second, user)).toBe(200);
    await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
    const login = await request(second.http).post('/api/auth/login').send({ email: user.email, password: user.password }).expect(200);
    // the new token's version is newer than the one remembered: proof enough that it is stale, so it is read again
    const me = await request(second.http).get('/api/auth/me').set(bearer(login.body.accessToken)).expect(200);
    expect(me.body.role).toBe('admin');
    await request(second.http).get('/api/admin/users').set(bearer(login.body.accessToken)).expect(200);
  });

  it('a token version bumped in SQL (an operator ending every session) and a deleted user are refused too', async () => {
    const [bumped, deleted] = [await registerUser(t), await registerUser(t)];
    for (const user of [bumped, deleted]) expect(await meStatus(second, user)).toBe(200);
    await t.db.query('UPDATE users SET token_version = token_version + 1 WHERE id = $1', [bumped.id]);
    await t.db.query('DELETE FROM refresh_tokens WHERE user_id = $1', [deleted.id]);
    await t.db.query('DELETE FROM users WHERE id = $1', [deleted.id]);
    for (const user of [bumped, deleted]) await until(async () => (await meStatus(second, user)) === 401, 'the old token refused', SETTLE_MS);
  });

  it('after its listening connection is cut, an instance reconnects and still sees the next change', async () => {
    const user = await registerUser(t);
    expect(await meStatus(second, user)).toBe(200);
    const listeners = async () =>
      t.db.query<Array<{ pid: number }>>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'stripe-checkout-service:listen'`);
    const cut = (await listeners()).map((row) => row.pid);
    expect(cut).toHaveLength(2);
    await t.db.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [cut]);
    // both instances listen again (after their 1 s retry) on new connections
    await until(async () => (await listeners()).filter((row) => !cut.includes(row.pid)).length === 2, 'both instances listening again', 5000);
    // remembered again through the new connection, then changed
    expect(await meStatus(second, user)).toBe(200);
    await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
    await until(async () => (await meStatus(second, user)) === 401, 'the old token refused', SETTLE_MS);
  });
});
