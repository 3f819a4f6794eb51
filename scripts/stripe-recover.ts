/**
 * `npm run stripe:recover -- --since <ISO date>`: fetches events from Stripe's Events API and applies
 * every one the service never received, like POST /api/admin/webhook-events/recover.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import { EventRecoveryService } from '../src/recovery/event-recovery.service.js';
import { runScript, scriptConfig, withScriptDatabase } from './lib/script-runtime.js';

function parseSince(args: string[]): Date | undefined {
  const index = args.indexOf('--since');
  if (index === -1) return undefined;
  const value = args[index + 1];
  const date = value ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new Error(`--since needs an ISO date, e.g. --since 2026-11-01T00:00:00Z (got "${value ?? ''}")`);
  return date;
}

async function main(): Promise<void> {
  const since = parseSince(process.argv.slice(2));
  const config = scriptConfig({ STRIPE_RECOVERY_INTERVAL_SECONDS: '0' });
  if (!config.stripe.secretKey) throw new Error('STRIPE_SECRET_KEY is not set: there is no Stripe account to recover events from');
  await withScriptDatabase(config, async (url) => {
    const app = await NestFactory.createApplicationContext(AppModule.forRoot({ ...config, database: { ...config.database, url } }), { logger: ['error', 'warn'] });
    try {
      const result = await app.get(EventRecoveryService).recover({ since, wait: true });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await app.close();
    }
  });
}

runScript(main);
