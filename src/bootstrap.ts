import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { applyServerLimits } from './common/http/server-limits.js';
import { AppConfig, catalogue, ConfigError, loadConfig } from './config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { JsonLogger } from './observability/json-logger.js';
import type { StripeEmulator } from '../stripe-emulator/server.js';

export interface RunningService {
  app: NestExpressApplication;
  config: AppConfig;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the whole service: validated configuration, the embedded PostgreSQL when no DATABASE_URL is
 * given, the Nest app, and the HTTP listener. `stop()` drains in-flight requests, closes the pool, then
 * the embedded database.
 */
export async function startService(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  let config = loadConfig(env);
  const jsonLogger = new JsonLogger(config.logLevel);
  Logger.overrideLogger(jsonLogger);
  const logger = new Logger('Bootstrap');
  let emulator: StripeEmulator | undefined;
  if (wantsLocalStripe(config)) {
    // local mode: a Stripe emulator beside the service, so the whole purchase flow works offline. Imported
    // here only: the emulator is a development tool, and the production image does not contain it.
    const { startLocalStripe } = await import('../stripe-emulator/local-mode.js');
    const local = await startLocalStripe(env, catalogue(env), config.dataDir, Number(env.STRIPE_EMULATOR_PORT) || 12111);
    emulator = local.emulator;
    config = loadConfig({ ...env, ...local.env });
    logger.log(
      `No STRIPE_SECRET_KEY: Stripe emulator on ${emulator.url} with a generated test key and webhook secret; nothing leaves this machine (STRIPE_EMULATOR=off to disable)`,
    );
  }
  if (!config.stripe.secretKey && !emulator) logger.warn(withoutStripeWarning(config));
  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    const started = Date.now();
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'postgres'),
      port: Number(env.EMBEDDED_POSTGRES_PORT) || 0,
      // tools that cannot use the Unix socket (a GUI client) ask for TCP; the password is in <DATA_DIR>/postgres-password
      tcp: env.EMBEDDED_POSTGRES_TCP === 'true',
      log: (l) => logger.warn(l),
    });
    config = { ...config, database: { ...config.database, url: embedded.url } };
    const tcpNote = embedded.tcpUrl ? `; TCP on 127.0.0.1:${new URL(embedded.tcpUrl).port}` : ' (Unix socket only; EMBEDDED_POSTGRES_TCP=true adds TCP)';
    logger.log(`Embedded PostgreSQL started in ${Date.now() - started} ms (data in ${join(config.dataDir, 'postgres')}${tcpNote})`);
  }
  try {
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { rawBody: true, logger: jsonLogger });
    configureApp(app, config);
    applyServerLimits(app.getHttpServer(), config.limits.server);
    await app.listen(config.port, env.HOST ?? '0.0.0.0');
    const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
    emulator?.setWebhookUrl(`${url.replace('localhost', '127.0.0.1')}/api/webhooks/stripe`);
    logger.log(`Listening on ${url} (API under /api, Swagger UI at /docs)`);
    return {
      app,
      config,
      url,
      stop: async () => {
        // close() stops accepting connections and waits for in-flight requests; idle keep-alive
        // connections would hold it open until they time out, so they are closed now
        const closing = app.close();
        (app.getHttpServer() as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        await closing;
        await emulator?.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await emulator?.close();
    await embedded?.stop();
    throw error;
  }
}

/**
 * Local mode (the Stripe emulator beside the service) only when nothing says this is a real deployment: no
 * Stripe key, not production, and the database is the embedded one too — or STRIPE_EMULATOR=on says so. A
 * deployment that forgets NODE_ENV but names its database therefore never runs a fake Stripe.
 */
export function wantsLocalStripe(config: AppConfig): boolean {
  if (config.stripe.secretKey || config.env === 'production' || config.stripe.emulator === 'off') return false;
  return config.stripe.emulator === 'on' || !config.database.url;
}

/** The loud line when the service runs without any Stripe. */
export function withoutStripeWarning(config: AppConfig): string {
  const effect = 'billing answers 503 stripe_not_configured and the webhook 503';
  if (config.env === 'production') return `STRIPE_SECRET_KEY is not set: ${effect} (the local Stripe emulator never runs in production)`;
  if (config.stripe.emulator === 'off') return `STRIPE_SECRET_KEY is not set and STRIPE_EMULATOR=off: ${effect}`;
  return `STRIPE_SECRET_KEY is not set and DATABASE_URL names a database, so the local Stripe emulator is NOT started (it starts beside the embedded database, or with STRIPE_EMULATOR=on): ${effect}`;
}

/** `.env` in the working folder, when present, fills variables the environment does not set. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    // one clear line naming the variable, no stack
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
