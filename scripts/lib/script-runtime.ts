import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { exitOnConfigError, loadDotEnv } from '../../src/bootstrap.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { appDataSourceOptions } from '../../src/data-source.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

/** The service's configuration for a command-line script: `.env`, then the environment, validated (one line on error). */
export function scriptConfig(overrides: Record<string, string> = {}): AppConfig {
  loadDotEnv();
  try {
    return loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    return exitOnConfigError(error);
  }
}

/**
 * Runs `work` with the database the service uses: DATABASE_URL, or the embedded PostgreSQL under the data
 * folder (started for the script and stopped after it).
 */
export async function withScriptDatabase<T>(config: AppConfig, work: (url: string) => Promise<T>): Promise<T> {
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dir: join(config.dataDir, 'postgres') });
  try {
    return await work(config.database.url ?? embedded!.url);
  } finally {
    await embedded?.stop();
  }
}

/** A TypeORM data source on that database, initialised, destroyed after `work`. */
export function withScriptDataSource<T>(config: AppConfig, options: { poolSize: number; noStatementTimeout?: boolean }, work: (ds: DataSource) => Promise<T>): Promise<T> {
  return withScriptDatabase(config, async (url) => {
    const base = appDataSourceOptions(url, options.poolSize);
    const ds = new DataSource(options.noStatementTimeout ? { ...base, extra: { max: options.poolSize, statement_timeout: 0 } } : base);
    await ds.initialize();
    try {
      return await work(ds);
    } finally {
      await ds.destroy().catch(() => undefined);
    }
  });
}

/** Runs a script's main: an error is one line on stderr and exit code 1. */
export function runScript(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
