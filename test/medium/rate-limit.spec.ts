import { RateLimitService } from '../../src/rate-limit/rate-limit.service.js';
import { createMediumDatabase, type MediumDatabase } from '../support/medium.js';

// The shared throttle counters (rate-limit/rate-limit.service.ts, table auth_throttle) on a real database: concurrent
// hits from several "instances" count exactly, overlapping key sets never deadlock, an ended window starts over, a
// refund only takes back a count of the current window, and retention deletes ended windows only.
describe('RateLimitService', () => {
  let m: MediumDatabase;
  let limits: RateLimitService;
  beforeAll(async () => {
    m = await createMediumDatabase(10);
    limits = new RateLimitService(m.db);
  });
  afterAll(() => m.close());

  const counter = async (key: string) => (await m.db.query<Array<{ failures: number }>>('SELECT failures FROM auth_throttle WHERE key = $1', [key]))[0]?.failures ?? null;

  it('counts 20 concurrent hits exactly: the first 10 pass, the 10 over the limit are told when to retry', async () => {
    const key = { key: 'medium:ip:203.0.113.7', limit: 10 };
    const answers = await Promise.all(Array.from({ length: 20 }, () => limits.hit([key], 60)));
    expect(answers.filter((retryAfter) => retryAfter === 0)).toHaveLength(10);
    const refused = answers.filter((retryAfter) => retryAfter > 0);
    expect(refused).toHaveLength(10);
    for (const retryAfter of refused) expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await counter(key.key)).toBe(20);
  });

  it('hits on overlapping key sets, given in opposite orders, all complete and each key counts every one of them', async () => {
    const a = { key: 'medium:overlap:a', limit: 1000 };
    const b = { key: 'medium:overlap:b', limit: 1000 };
    await Promise.all(Array.from({ length: 30 }, (_, i) => limits.hit(i % 2 ? [a, b] : [b, a], 60)));
    expect([await counter(a.key), await counter(b.key)]).toEqual([30, 30]);
  });

  it('starts an ended window over at 1, and a refund takes back a count of the current window only', async () => {
    const key = { key: 'medium:window', limit: 2 };
    await m.db.query(`INSERT INTO auth_throttle (key, failures, window_ends) VALUES ($1, 50, now() - interval '1 second')`, [key.key]);
    await limits.refund([key]);
    expect(await counter(key.key)).toBe(50);
    expect(await limits.hit([key], 60)).toBe(0);
    expect(await counter(key.key)).toBe(1);
    await limits.refund([key]);
    await limits.refund([key]);
    expect(await counter(key.key)).toBe(0);
  });

  it('retention deletes counters whose window has ended and keeps the live ones', async () => {
    await m.db.query(
      `INSERT INTO auth_throttle (key, failures, window_ends) VALUES ('medium:purge:old', 3, now() - interval '1 minute'), ('medium:purge:live', 3, now() + interval '1 hour')`,
    );
    await limits.purgeExpired();
    const keys = (await m.db.query<Array<{ key: string }>>(`SELECT key FROM auth_throttle WHERE key LIKE 'medium:purge:%' ORDER BY key`)).map((r) => r.key);
    expect(keys).toEqual(['medium:purge:live']);
  });
});
