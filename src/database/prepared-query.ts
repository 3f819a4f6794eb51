import type { PoolClient } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { queryRows } from './query-rows.js';

/**
 * Runs `text` as a named prepared statement on the manager's connection: PostgreSQL parses and plans it once per
 * connection and then reuses the plan. For statements whose planning costs as much as running them (the webhook hot
 * path's dozen CTEs, the admin list); `name` must stand for this one text. Logged like any TypeORM query (the
 * statement counts of test/e2e/webhook-statements.e2e-spec.ts see it) and failing with the same QueryFailedError.
 * Outside a transaction it runs on a connection taken from the pool for it, and given back whatever happens.
 */
export async function queryPrepared<T>(manager: EntityManager, name: string, text: string, parameters: unknown[]): Promise<T[]> {
  if (manager.connection.options.type !== 'postgres') return queryRows<T>(await manager.query(text, parameters));
  if (manager.queryRunner) return (await sendPrepared<T>(manager, name, text, parameters)).rows;
  const runner = manager.connection.createQueryRunner();
  try {
    await runner.connect();
    return await (
      await sendPrepared<T>(runner.manager, name, text, parameters)
    ).rows;
  } finally {
    await runner.release();
  }
}

/**
 * `queryPrepared`, answering as soon as the statement is queued on the transaction's connection (its rows follow),
 * so that what the caller queues next runs after it without waiting for the caller to read this answer.
 */
export async function sendPrepared<T>(manager: EntityManager, name: string, text: string, parameters: unknown[]): Promise<{ rows: Promise<T[]> }> {
  const runner = manager.queryRunner!;
  const client = (await runner.connect()) as PoolClient;
  const { logger } = manager.connection;
  logger.logQuery(text, parameters, runner);
  const rows = client.query<T & Record<string, unknown>>({ name, text, values: parameters }).then(
    (result) => result.rows,
    (error: unknown) => {
      logger.logQueryError(error as Error, text, parameters, runner);
      throw new QueryFailedError(text, parameters, error as Error);
    },
  );
  return { rows };
}
