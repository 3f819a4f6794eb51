import pg from 'pg';
import { QueryFailedError, type Logger as TypeOrmLogger } from 'typeorm';

/** How much longer than the server's own statement timeout the client waits for an answer before it gives up. */
const CLIENT_GRACE_MS = 5000;

/** A named prepared statement: PostgreSQL parses and plans it once per connection; `name` must stand for this one text. */
export interface PreparedStatement {
  name: string;
  text: string;
  values: unknown[];
}

export interface PipelinedTransactionsOptions {
  /** what `new pg.Pool` needs to connect (see `pgConnectionOf`) */
  connection: pg.PoolConfig;
  /** connections of their own; one per transaction in flight */
  max: number;
  /**
   * PostgreSQL cancels a statement that runs longer than this (`statement_timeout`: the transaction rolls back); the
   * client gives up a little later on a server that does not answer at all, and closes the connection. What happened
   * then is unknown (the `COMMIT` may already be in the server's input), so the caller must be safe either way.
   */
  timeoutMs: number;
  /** how long the client waits for an answer before it gives up; by default a little longer than `timeoutMs` */
  clientTimeoutMs?: number;
  /** where each statement is logged, like any TypeORM query (read at each statement: the tests' statement counts swap it) */
  logger?: () => TypeOrmLogger;
}

/**
 * Transactions whose statements leave without waiting for each other's answers: `START TRANSACTION`, the statements
 * and `COMMIT` share one round trip, through `pg`'s own pipeline mode on a small pool of their own (the main pool
 * does not pipeline). PostgreSQL still runs them one after the other, each with a snapshot taken after the one
 * before. Nothing can be decided between them: a statement that must stop the transaction fails, the ones behind it
 * fail, the `COMMIT` answers `ROLLBACK`, and `run` throws that first failure once every answer is in.
 */
export class PipelinedTransactions {
  private readonly pool: pg.Pool;

  constructor(private readonly options: PipelinedTransactionsOptions) {
    this.pool = new pg.Pool({
      ...options.connection,
      max: options.max,
      pipeline: true,
      statement_timeout: options.timeoutMs,
      query_timeout: options.clientTimeoutMs ?? options.timeoutMs + CLIENT_GRACE_MS,
      application_name: 'stripe-checkout-service:pipeline',
    });
    // an idle connection that breaks (a database restart) is dropped by the pool; nothing is waiting on it
    this.pool.on('error', () => undefined);
  }

  /** Runs the statements in one transaction and answers each one's rows, in order. */
  async run<T extends unknown[]>(statements: PreparedStatement[]): Promise<{ [K in keyof T]: T[K][] }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // a connection that breaks while checked out (the database shutting down) emits 'error' on the client, which the
    // pool listens to only while it is idle: unheard, it would end the process; its pending queries fail anyway
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      const sent = [this.send(client, 'START TRANSACTION'), ...statements.map((statement) => this.send(client, statement)), this.send(client, 'COMMIT')];
      const settled = await Promise.allSettled(sent);
      const failed = settled.find((outcome) => outcome.status === 'rejected');
      if (failed) {
        const reason = failed.reason as Error;
        // a timeout or a lost connection leaves the connection unusable; a failed statement leaves it idle
        if (!(reason instanceof QueryFailedError) || !(reason.driverError as { code?: string }).code) broken = reason;
        throw reason;
      }
      const commit = (settled.at(-1) as PromiseFulfilledResult<pg.QueryResult>).value;
      if (commit.command !== 'COMMIT') throw new Error(`the transaction ended with ${commit.command} instead of COMMIT`);
      const rows: unknown[][] = settled.slice(1, -1).map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult>).value.rows as unknown[]);
      return rows as { [K in keyof T]: T[K][] };
    } finally {
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private send(client: pg.PoolClient, statement: PreparedStatement | string): Promise<pg.QueryResult> {
    const { text, values } = typeof statement === 'string' ? { text: statement, values: undefined } : statement;
    this.options.logger?.().logQuery(text, values);
    const query = typeof statement === 'string' ? client.query(statement) : client.query({ name: statement.name, text, values });
    return query.catch((error: unknown) => {
      this.options.logger?.().logQueryError(error as Error, text, values);
      throw new QueryFailedError(text, values, error as Error);
    });
  }
}
