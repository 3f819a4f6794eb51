import { AppError } from '../../src/common/errors/app-error.js';
import { withJobLease } from '../../src/database/job-lease.js';
import { createMediumDatabase, type MediumDatabase } from '../support/medium.js';
import { until } from '../support/until.js';

// The job lease (database/job-lease.ts) on a real database: one holder at a time across "instances" (concurrent
// callers), a crashed holder's lease taken over once it lapses and not before, and the row given back however the
// work ends.
describe('withJobLease', () => {
  let m: MediumDatabase;
  beforeAll(async () => {
    m = await createMediumDatabase();
  });
  afterAll(() => m.close());

  const leaseRows = (name: string) => m.db.query<Array<{ holder: string }>>('SELECT holder FROM job_leases WHERE name = $1', [name]);
  /** Work that runs until `release()`; `running` counts the callers inside it at once. */
  function heldWork(result: string) {
    const state = { running: 0, most: 0, release: (): void => undefined };
    const gate = new Promise<void>((resolve) => (state.release = resolve));
    const work = async () => {
      state.running += 1;
      state.most = Math.max(state.most, state.running);
      await gate;
      state.running -= 1;
      return result;
    };
    return { state, work };
  }

  it('runs the work for exactly one of five callers at once; the four others skip (null) while it runs', async () => {
    const { state, work } = heldWork('done');
    const outcomes: Array<string | null> = [];
    const callers = Array.from({ length: 5 }, () => withJobLease(m.db, 'medium-once', { wait: false }, work).then((r) => (outcomes.push(r), r)));
    await until(() => outcomes.length === 4, 'the four callers without the lease to answer');
    expect(outcomes).toEqual([null, null, null, null]);
    expect(state.running).toBe(1);
    state.release();
    await Promise.all(callers);
    expect(outcomes.filter((r) => r === 'done')).toHaveLength(1);
    expect(state.most).toBe(1);
    expect(await leaseRows('medium-once')).toEqual([]);
  });

  it("keeps a crashed holder's lease until it lapses, then takes it over", async () => {
    await m.db.query(`INSERT INTO job_leases (name, holder, locked_until) VALUES ('medium-crashed', 'gone-instance', now() + interval '1 hour')`);
    let ran = 0;
    const work = () => Promise.resolve(++ran);
    expect(await withJobLease(m.db, 'medium-crashed', { wait: false }, work)).toBeNull();
    expect(ran).toBe(0);
    await m.db.query(`UPDATE job_leases SET locked_until = now() - interval '1 second' WHERE name = 'medium-crashed'`);
    expect(await withJobLease(m.db, 'medium-crashed', { wait: false }, work)).toBe(1);
    expect(await leaseRows('medium-crashed')).toEqual([]);
  });

  it('gives the lease back when the work throws, and a caller that waits then runs', async () => {
    let fail: ((error: Error) => void) | undefined;
    const first = withJobLease(m.db, 'medium-throws', { wait: false }, () => new Promise<string>((_, reject) => (fail = reject)));
    await until(() => fail !== undefined, 'the first caller to hold the lease and start its work');
    const second = withJobLease(m.db, 'medium-throws', { wait: true, waitMs: 20_000 }, () => Promise.resolve('second'));
    fail!(new Error('work failed'));
    await expect(first).rejects.toThrow('work failed');
    await expect(second).resolves.toBe('second');
    expect(await leaseRows('medium-throws')).toEqual([]);
  });

  it('a caller that waits gives up with 409 conflict once waitMs has passed, leaving the holder its lease', async () => {
    await m.db.query(`INSERT INTO job_leases (name, holder, locked_until) VALUES ('medium-busy', 'other-instance', now() + interval '1 hour')`);
    const waited = withJobLease(m.db, 'medium-busy', { wait: true, waitMs: 300 }, () => Promise.resolve('never'));
    await expect(waited).rejects.toBeInstanceOf(AppError);
    await expect(waited).rejects.toMatchObject({ code: 'conflict' });
    expect(await leaseRows('medium-busy')).toEqual([{ holder: 'other-instance' }]);
  });
});
