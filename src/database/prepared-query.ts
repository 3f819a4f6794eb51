import type { PoolClient } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { queryRows } from './query-rows.js';

/**
 * Runs `text` as a named prepared statement on the manager's connection: PostgreSQL parses and plans it once per
 * connection and then reuses the plan. For the statements of the webhook hot path, whose planning (a dozen CTEs)
 * costs more than running them; `name` must stand for this one text. Logged like any TypeORM query (the statement
 * counts of test/e2e/webhook-statements.e2e-spec.ts see it) and failing with the same QueryFailedError.
 */
export async function queryPrepared<T>(manager: EntityManager, name: string, text: string, parameters: unknown[]): Promise<T[]> {
  if (!manager.queryRunner || manager.connection.options.type !== 'postgres') return queryRows<T>(await manager.query(text, parameters));
  return (await sendPrepared<T>(manager, name, text, parameters)).rows;
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
