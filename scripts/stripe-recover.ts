/**
 * `npm run stripe:recover -- --since <ISO date>`: fetches events from Stripe's Events API and applies
 * every one the service never received, like POST /api/admin/webhook-events/recover.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import { exitOnConfigError, loadDotEnv } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/app-config.js';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { EventRecoveryService } from '../src/recovery/event-recovery.service.js';

function parseSince(args: string[]): Date | undefined {
  const index = args.indexOf('--since');
  if (index === -1) return undefined;
  const value = args[index + 1];
  const date = value ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new Error(`--since needs an ISO date, e.g. --since 2026-11-01T00:00:00Z (got "${value ?? ''}")`);
  return date;
}

async function main(): Promise<void> {
  loadDotEnv();
  const since = parseSince(process.argv.slice(2));
  let config = (() => {
    try {
      return loadConfig({ ...process.env, STRIPE_RECOVERY_INTERVAL_SECONDS: '0' });
    } catch (error) {
      return exitOnConfigError(error);
    }
  })();
  if (!config.stripe.secretKey) throw new Error('STRIPE_SECRET_KEY is not set: there is no Stripe account to recover events from');
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dir: join(config.dataDir, 'postgres') });
  if (embedded) config = { ...config, database: { ...config.database, url: embedded.url } };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    const result = await app.get(EventRecoveryService).recover({ since, wait: true });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
