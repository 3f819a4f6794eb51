import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: NestExpressApplication;
  /** the HTTP server to hand to supertest */
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  db: DataSource;
  config: AppConfig;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The environment every test app starts from; tests override single variables. */
export function baseTestEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'checkout-test-data-')),
    LOGIN_RATE_LIMIT_PER_IP: '1000',
    LOGIN_RATE_LIMIT_PER_EMAIL: '1000',
    REGISTER_RATE_LIMIT_PER_IP: '100000',
    REFRESH_RATE_LIMIT_PER_IP: '100000',
    BILLING_RATE_LIMIT_PER_USER: '100000',
    // the issue-29 throttles are tested with their defaults in abuse-and-load.e2e-spec.ts; other files flood on purpose
    CHECKOUT_RATE_LIMIT_PER_USER: '100000',
    SUBSCRIPTION_PREVIEW_RATE_LIMIT_PER_USER: '100000',
    SUBSCRIPTION_RATE_LIMIT_PER_USER: '100000',
    LOGIN_RATE_LIMIT_ALL_PER_IP: '100000',
    LOGIN_RATE_LIMIT_ALL_PER_EMAIL: '100000',
    CHECKOUT_QUEUE_PER_USER: '1000',
    STRIPE_RECOVERY_INTERVAL_SECONDS: '0',
  };
}

/**
 * The real AppModule on a fresh database, configured exactly as main.ts does, with configuration
 * overrides only. Pass `database` to start a second instance on the same database.
 */
export async function createTestApp(overrides: Record<string, string | undefined> = {}, database?: TestDatabase, options: { logger?: LoggerService } = {}): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const env = { ...baseTestEnv(db.url), ...overrides };
  const config = loadConfig(env);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ rawBody: true, logger: options.logger ?? ['error', 'warn'] });
  configureApp(app, config);
  await app.init();
  const dataSource = app.get<DataSource>(getDataSourceToken());
  return {
    app,
    http: app.getHttpServer(),
    db: dataSource,
    config,
    database: db,
    close: async () => {
      await app.close();
      if (!database) await db.drop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
