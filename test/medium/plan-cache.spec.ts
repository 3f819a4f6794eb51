import pg from 'pg';
import { queryRows } from '../../src/database/query-rows.js';
import { planCacheUpdate } from '../../src/entitlements/grants.service.js';
import { insertUser } from '../support/factories.js';
import { createMediumDatabase, type MediumDatabase } from '../support/medium.js';
import { until } from '../support/until.js';

const RANKING = ['pro', 'team', 'lifetime'];

// The one statement that writes a user's cached plan (planCacheUpdate in entitlements/grants.service.ts), run on a
// real database: which grant wins, and the rule that a user row another transaction changed after the statement's
// snapshot is skipped (the writer may have added a grant the statement cannot see), not overwritten.
describe('the plan-cache statement', () => {
  let m: MediumDatabase;
  beforeAll(async () => {
    m = await createMediumDatabase();
  });
  afterAll(() => m.close());

  const recompute = async (userId: string) =>
    queryRows<{ plan: string; plan_valid_until: Date | null }>(
      await m.db.query(`${planCacheUpdate({ userId: '$1', ranking: '$2', freePlan: '$3' })} RETURNING u.plan, u.plan_valid_until`, [userId, RANKING, 'free']),
    );
  /** An admin grant; `sql` sets more columns to SQL expressions (times relative to now()). */
  const grant = (userId: string, plan: string, sql: Record<string, string> = {}) =>
    m.db.query(
      `INSERT INTO grants (user_id, plan, source, reason${Object.keys(sql)
        .map((c) => `, ${c}`)
        .join('')})
       VALUES ($1, $2, 'admin', 'medium test'${Object.values(sql)
         .map((v) => `, ${v}`)
         .join('')})`,
      [userId, plan],
    );
  const cachedPlan = async (userId: string) => (await m.db.query<Array<{ plan: string }>>('SELECT plan FROM users WHERE id = $1', [userId]))[0].plan;

  it('writes the highest-ranked active grant (not a revoked, ended or future one) and when the first active one ends', async () => {
    const userId = await insertUser(m.db);
    expect(await recompute(userId)).toEqual([{ plan: 'free', plan_valid_until: null }]);
    await grant(userId, 'pro', { ends_at: `now() + interval '1 hour'` });
    await grant(userId, 'team', { revoked_at: 'now()' });
    await grant(userId, 'lifetime', { starts_at: `now() + interval '1 day'` });
    await grant(userId, 'lifetime', { ends_at: `now() - interval '1 minute'` });
    const [row] = await recompute(userId);
    expect(row.plan).toBe('pro');
    expect(row.plan_valid_until).toBeInstanceOf(Date);
    expect(row.plan_valid_until!.getTime()).toBeGreaterThan(Date.now());
    await grant(userId, 'team');
    expect((await recompute(userId))[0].plan).toBe('team');
  });

  it('skips a user row that a concurrent writer changed after its snapshot, leaving the writer its plan; the next statement sees the grant', async () => {
    const userId = await insertUser(m.db);
    const writer = new pg.Client({ connectionString: m.database.url });
    await writer.connect();
    try {
      // the writer changes the row (and so holds its lock) before the statement starts, and adds a grant after
      await writer.query('BEGIN');
      await writer.query(`UPDATE users SET plan = 'team' WHERE id = $1`, [userId]);
      const blocked = recompute(userId);
      await until(
        async () =>
          (await m.db.query<unknown[]>(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE users u SET%' AND datname = current_database()`))
            .length > 0,
        'the statement to wait for the writer’s row lock',
      );
      await writer.query(`INSERT INTO grants (user_id, plan, source, reason) VALUES ($1, 'team', 'admin', 'the writer’s grant')`, [userId]);
      await writer.query('COMMIT');
      // without the rule the statement would write `free`, computed from a snapshot without the writer's grant
      expect(await blocked).toEqual([]);
      expect(await cachedPlan(userId)).toBe('team');
      expect((await recompute(userId))[0].plan).toBe('team');
    } finally {
      await writer.end();
    }
  });
});
