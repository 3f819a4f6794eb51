import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { bearer, registerUser } from '../support/factories.js';

const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signJwt(payload: object, secret: string, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('Auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_EMAIL: 'Root@Example.com', ADMIN_PASSWORD: 'admin-password-1' });
  });
  afterAll(() => t.close());

  describe('POST /api/auth/register', () => {
    it('creates an account and answers tokens and the user on the free plan', async () => {
      const res = await request(t.http).post('/api/auth/register').send({ email: 'Ada@Example.com', password: 'correct horse battery', name: 'Ada' }).expect(201);
      expect(res.body).toMatchObject({
        user: { email: 'ada@example.com', name: 'Ada', role: 'user', plan: 'free', subscriptionStatus: null, currentPeriodEnd: null },
        expiresIn: 900,
      });
      expect(typeof res.body.accessToken).toBe('string');
      expect(typeof res.body.refreshToken).toBe('string');
      expect(res.body.user).not.toHaveProperty('passwordHash');
      const [row] = await t.db.query(`SELECT password_hash FROM users WHERE email = 'ada@example.com'`);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('refuses an email that is taken, whatever its case (409)', async () => {
      await registerUser(t, { email: 'grace@example.com' });
      const res = await request(t.http).post('/api/auth/register').send({ email: ' GRACE@example.COM ', password: 'another password' }).expect(409);
      expect(res.body).toMatchObject({ error: 'conflict' });
      const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM users WHERE email = 'grace@example.com'`);
      expect(count).toBe(1);
    });

    it('answers concurrent registrations of one email with one account', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, () => request(t.http).post('/api/auth/register').send({ email: 'race@example.com', password: 'password123' })));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    it.each([
      [{ email: 'not-an-email', password: 'password123' }, 'email'],
      [{ email: 'a@example.com', password: 'short' }, 'password'],
      [{ email: 'a@example.com', password: 12345678 }, 'password'],
      [{ email: 'a@example.com', password: 'x'.repeat(129) }, 'password'],
      [{ email: `${'a'.repeat(250)}@example.com`, password: 'password123' }, 'email'],
      [{ email: 'a@example.com', password: 'password123', name: 'n'.repeat(101) }, 'name'],
      [{ email: 'a@example.com', password: 'password123', role: 'admin' }, 'role'],
    ])('rejects %j with a validation error on %s and creates nothing', async (body, field) => {
      const res = await request(t.http).post('/api/auth/register').send(body).expect(400);
      expect(res.body.error).toBe('validation_error');
      expect(res.body.details.fields).toHaveProperty(field);
      expect(typeof res.body.requestId).toBe('string');
      const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM users WHERE email = 'a@example.com'`);
      expect(count).toBe(0);
    });
  });

  describe('POST /api/auth/login', () => {
    it('signs in with the right password, case-insensitively on the email', async () => {
      const user = await registerUser(t, { email: 'lin@example.com' });
      const res = await request(t.http).post('/api/auth/login').send({ email: 'LIN@example.com', password: user.password }).expect(200);
      expect(res.body.user.id).toBe(user.id);
      await request(t.http).get('/api/auth/me').set(bearer(res.body.accessToken)).expect(200);
    });

    it('gives the same 401 for a wrong password and an unknown email', async () => {
      await registerUser(t, { email: 'known@example.com' });
      const wrong = await request(t.http).post('/api/auth/login').send({ email: 'known@example.com', password: 'wrong password' }).expect(401);
      const unknown = await request(t.http).post('/api/auth/login').send({ email: 'nobody@example.com', password: 'wrong password' }).expect(401);
      expect(wrong.body.error).toBe('unauthorized');
      expect(wrong.body.message).toBe(unknown.body.message);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: the new pair works and the old refresh token stops working', async () => {
      const user = await registerUser(t);
      const first = await request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      await request(t.http).get('/api/auth/me').set(bearer(first.body.accessToken)).expect(200);
      const second = await request(t.http).post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(200);
      expect(second.body.user.id).toBe(user.id);
    });

    it('revokes the whole family when a used refresh token is presented again', async () => {
      const user = await registerUser(t);
      const rotated = await request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      const reuse = await request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      expect(reuse.body.error).toBe('unauthorized');
      // the legitimate holder's newer token is revoked too
      await request(t.http).post('/api/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
      // another login of the same user is a separate family and keeps working
      const login = await request(t.http).post('/api/auth/login').send({ email: user.email, password: user.password }).expect(200);
      await request(t.http).post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
    });

    it('lets only one of two concurrent uses of a token win', async () => {
      const user = await registerUser(t);
      const results = await Promise.all([1, 2].map(() => request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('refuses an unknown refresh token and stores refresh tokens only as hashes', async () => {
      const user = await registerUser(t);
      await request(t.http)
        .post('/api/auth/refresh')
        .send({ refreshToken: 'x'.repeat(43) })
        .expect(401);
      const rows = await t.db.query(`SELECT token_hash FROM refresh_tokens WHERE user_id = $1`, [user.id]);
      expect(rows.length).toBe(1);
      expect(rows[0].token_hash).not.toContain(user.refreshToken);
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses an expired refresh token', async () => {
      const user = await registerUser(t);
      await t.db.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
      await request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the refresh token (204) and needs a bearer token', async () => {
      const user = await registerUser(t);
      await request(t.http).post('/api/auth/logout').send({ refreshToken: user.refreshToken }).expect(401);
      await request(t.http).post('/api/auth/logout').set(bearer(user.accessToken)).send({ refreshToken: user.refreshToken }).expect(204);
      await request(t.http).post('/api/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    });

    it("cannot revoke another user's refresh token", async () => {
      const alice = await registerUser(t);
      const bob = await registerUser(t);
      await request(t.http).post('/api/auth/logout').set(bearer(alice.accessToken)).send({ refreshToken: bob.refreshToken }).expect(204);
      await request(t.http).post('/api/auth/refresh').send({ refreshToken: bob.refreshToken }).expect(200);
    });
  });

  describe('GET /api/auth/me', () => {
    it('answers the contract fields', async () => {
      const user = await registerUser(t, { name: 'Me' });
      const res = await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'currentPeriodEnd', 'email', 'features', 'id', 'name', 'plan', 'role', 'subscriptionStatus']);
      expect(res.body).toMatchObject({ id: user.id, email: user.email, plan: 'free', features: [], role: 'user' });
    });

    it.each([
      ['no header', undefined],
      ['a malformed header', 'Token abc'],
      ['garbage', 'Bearer not.a.jwt'],
      [
        'another key',
        `Bearer ${signJwt({ sub: '00000000-0000-0000-0000-000000000000', role: 'admin', exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret-another-secret-another')}`,
      ],
      ['alg none', `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', role: 'admin' })}.`],
      ['an expired token', `Bearer ${signJwt({ sub: '00000000-0000-0000-0000-000000000000', role: 'user', exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET)}`],
      ['HS512 with the right key', `Bearer ${signJwt({ sub: 'x', role: 'user' }, TEST_JWT_SECRET, { alg: 'HS512', typ: 'JWT' })}`],
    ])('answers 401 for %s', async (_, header) => {
      const req = request(t.http).get('/api/auth/me');
      if (header) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.body).toMatchObject({ error: 'unauthorized' });
    });
  });

  it('answers 401 for a well-signed token whose version the user no longer has, or that carries none', async () => {
    const user = await registerUser(t);
    const exp = Math.floor(Date.now() / 1000) + 60;
    await request(t.http)
      .get('/api/auth/me')
      .set(bearer(signJwt({ sub: user.id, role: 'user', ver: 0, exp }, TEST_JWT_SECRET)))
      .expect(200);
    await request(t.http)
      .get('/api/auth/me')
      .set(bearer(signJwt({ sub: user.id, role: 'user', ver: 1, exp }, TEST_JWT_SECRET)))
      .expect(401);
    await request(t.http)
      .get('/api/auth/me')
      .set(bearer(signJwt({ sub: user.id, role: 'user', exp }, TEST_JWT_SECRET)))
      .expect(401);
    // the role comes from the database, not from the token
    const claimsAdmin = signJwt({ sub: user.id, role: 'admin', ver: 0, exp }, TEST_JWT_SECRET);
    await request(t.http).get('/api/admin/users').set(bearer(claimsAdmin)).expect(403);
  });

  it('ensures the admin account from ADMIN_EMAIL/ADMIN_PASSWORD', async () => {
    const res = await request(t.http).post('/api/auth/login').send({ email: 'root@example.com', password: 'admin-password-1' }).expect(200);
    expect(res.body.user.role).toBe('admin');
  });
});

describe('Login throttling', () => {
  // each test has its own app and database, so its counters start at zero whatever ran before it
  const withApp = async (test: (t: TestApp) => Promise<void>) => {
    const t = await createTestApp({ LOGIN_RATE_LIMIT_PER_EMAIL: '3', LOGIN_RATE_LIMIT_PER_IP: '6' });
    try {
      await test(t);
    } finally {
      await t.close();
    }
  };

  it('answers 429 with Retry-After past the per-email limit, even with the right password', () =>
    withApp(async (t) => {
      const user = await registerUser(t);
      for (let i = 0; i < 3; i++) await request(t.http).post('/api/auth/login').send({ email: user.email, password: 'wrong password' }).expect(401);
      const res = await request(t.http).post('/api/auth/login').send({ email: user.email, password: user.password }).expect(429);
      expect(res.body).toMatchObject({ error: 'rate_limited' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }));

  it('answers 429 past the per-IP limit across different emails', () =>
    withApp(async (t) => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        statuses.push(
          (
            await request(t.http)
              .post('/api/auth/login')
              .send({ email: `spray${i}@example.com`, password: 'whatever1' })
          ).status,
        );
      }
      // six failures from one IP are answered; the seventh attempt, whatever its email, is refused
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    }));
});
