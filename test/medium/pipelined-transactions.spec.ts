import pg from 'pg';
import { QueryFailedError, type Logger as TypeOrmLogger } from 'typeorm';
import { pgConnectionOf } from '../../src/database/data-source-options.js';
import { PipelinedTransactions } from '../../src/database/pipelined-transactions.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The group commit's own pool on a real database, without the app: what commits, what rolls back, and what a stuck
// transaction does to the connection.
describe('PipelinedTransactions', () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let logged: string[];
  let pipelined: PipelinedTransactions;

  const logger = { logQuery: (query: string) => logged.push(query), logQueryError: () => undefined } as unknown as TypeOrmLogger;
  const insert = (name: string, value: number) => ({ name, text: 'INSERT INTO t (v) VALUES ($1) RETURNING v', values: [value] });
  const values = async () => (await admin.query<{ v: number }>('SELECT v FROM t ORDER BY v')).rows.map((r) => r.v);

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query('CREATE TABLE t (v int PRIMARY KEY CHECK (v > 0))');
  });
  beforeEach(async () => {
    await admin.query('TRUNCATE t');
    logged = [];
    pipelined = new PipelinedTransactions({ connection: pgConnectionOf(database.url), max: 1, timeoutMs: 2000, logger: () => logger });
  });
  afterEach(() => pipelined.end());
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  it('commits every statement together and answers each one rows, in order', async () => {
    const [first, second] = await pipelined.run<[{ v: number }, { v: number }]>([insert('ins', 1), insert('ins', 2)]);
    expect(first).toEqual([{ v: 1 }]);
    expect(second).toEqual([{ v: 2 }]);
    expect(await values()).toEqual([1, 2]);
    expect(logged).toEqual(['START TRANSACTION', 'INSERT INTO t (v) VALUES ($1) RETURNING v', 'INSERT INTO t (v) VALUES ($1) RETURNING v', 'COMMIT']);
  });

  it('rolls everything back when one statement fails, and throws that statement error, not the aborted ones behind it', async () => {
    const failure = await pipelined.run([insert('ins', 3), insert('ins', -1), insert('ins', 4)]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('23514'); // check_violation
    expect(await values()).toEqual([]);
    // the connection is idle again and serves the next transaction
    await pipelined.run([insert('ins', 5)]);
    expect(await values()).toEqual([5]);
  });

  it('lets PostgreSQL cancel a statement that outlives the timeout: the transaction rolls back and the pool goes on', async () => {
    const stuck = { name: 'stuck', text: 'SELECT pg_sleep(10)', values: [] };
    const failure = await pipelined.run([insert('ins', 6), stuck]).catch((error: unknown) => error);
    expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('57014'); // query_canceled
    expect(await values()).toEqual([]);
    await pipelined.run([insert('ins', 7)]);
    expect(await values()).toEqual([7]);
  });

  it('gives up on a server that does not answer, discards that connection, and serves the next transaction on a new one', async () => {
    // a backend that never answers: its statement waits on a lock this test holds, past the client's patience
    await pipelined.end();
    pipelined = new PipelinedTransactions({ connection: pgConnectionOf(database.url), max: 1, timeoutMs: 60_000, clientTimeoutMs: 500, logger: () => logger });
    const held = new pg.Client({ connectionString: database.url });
    await held.connect();
    try {
      await held.query('BEGIN');
      await held.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      const failure = await pipelined.run([insert('ins', 8)]).catch((error: unknown) => error);
      expect(String(failure)).toMatch(/timeout/i);
    } finally {
      await held.query('ROLLBACK');
      await held.end();
    }
    // the abandoned transaction's COMMIT was already sent: its outcome is unknown to the client, either is possible
    await pipelined.run([insert('ins', 9)]);
    expect(await values()).toContain(9);
  });
});
