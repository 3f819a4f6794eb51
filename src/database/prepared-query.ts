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
  const runner = manager.queryRunner;
  if (!runner || manager.connection.options.type !== 'postgres') return queryRows<T>(await manager.query(text, parameters));
  return sendPrepared<T>(manager, (await runner.connect()) as PoolClient, name, text, parameters);
}

/**
 * `queryPrepared` on the manager's connection, already at hand: the statement is on its way (after whatever the
 * transaction sent before) when this returns, so what the caller sends next runs after it.
 */
export function sendPrepared<T>(manager: EntityManager, client: PoolClient, name: string, text: string, parameters: unknown[]): Promise<T[]> {
  const { logger } = manager.connection;
  logger.logQuery(text, parameters, manager.queryRunner);
  return client.query<T & Record<string, unknown>>({ name, text, values: parameters }).then(
    (result) => result.rows,
    (error: unknown) => {
      logger.logQueryError(error as Error, text, parameters, manager.queryRunner);
      throw new QueryFailedError(text, parameters, error as Error);
    },
  );
}
