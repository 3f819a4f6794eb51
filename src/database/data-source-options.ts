import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';

/**
 * One definition of the connection, shared by the app, the migration CLI, tests and benchmarks. The entities are the
 * caller's: each module owns its own, and the composition root (src/data-source.ts, app.module) gathers them, so this
 * folder imports none of the modules above it.
 */
export function dataSourceOptions(url: string, entities: NonNullable<DataSourceOptions['entities']>, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    ...connectionOf(url),
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install (and no superuser needed)
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // failures are logged by the app without their SQL parameters (which may hold personal data)
    logging: process.env.TYPEORM_LOG_QUERIES === '1' ? ['query'] : false,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5000,
      // a statement stuck longer than this is cancelled rather than holding a pool slot forever
      statement_timeout: 30000,
      application_name: 'stripe-checkout-service',
    },
  };
}

/** The same connection as `pg` itself takes it (the group commit's own small pool, see pipelined-transactions.ts). */
export function pgConnectionOf(url: string): { connectionString: string } | { host: string; port: number; user: string; password: string; database: string } {
  const connection = connectionOf(url);
  if ('url' in connection) return { connectionString: connection.url };
  const { username, ...rest } = connection;
  return { ...rest, user: username };
}

/**
 * TypeORM reads `url` itself and knows no `?host=`, libpq's way to name a Unix socket folder (the embedded database
 * answers such a URL): that one is passed as separate options, any other URL as it is.
 */
function connectionOf(url: string): { url: string } | { host: string; port: number; username: string; password: string; database: string } {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  if (!host?.startsWith('/')) return { url };
  return {
    host,
    port: Number(parsed.port || 5432),
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  };
}
