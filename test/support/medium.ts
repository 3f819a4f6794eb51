import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { appDataSourceOptions } from '../../src/data-source.js';
import { baseTestEnv } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/**
 * The medium tier (test/medium): statements, repositories and services on a real, fresh database, without HTTP. Two
 * ways in: a bare data source with the schema migrated (for a statement or a function that takes a DataSource), or the
 * app's own modules compiled by Nest's testing module and initialised, with no HTTP server (for a service with its
 * dependencies).
 */
export interface MediumDatabase {
  db: DataSource;
  database: TestDatabase;
  close(): Promise<void>;
}

/** A fresh database with every migration applied, and a data source on it (`poolSize` connections). */
export async function createMediumDatabase(poolSize = 6): Promise<MediumDatabase> {
  const database = await createTestDatabase();
  const db = new DataSource(appDataSourceOptions(database.url, poolSize));
  await db.initialize();
  await db.runMigrations({ transaction: 'each' });
  return {
    db,
    database,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}

export interface MediumApp {
  module: TestingModule;
  db: DataSource;
  config: AppConfig;
  close(): Promise<void>;
}

/** The app's modules on a fresh database (migrated at init, as at start), with configuration overrides; no HTTP server. */
export async function createMediumApp(overrides: Record<string, string | undefined> = {}): Promise<MediumApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ ...baseTestEnv(database.url), ...overrides });
  const module = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  module.useLogger(['error', 'warn']);
  await module.init();
  return {
    module,
    db: module.get<DataSource>(getDataSourceToken()),
    config,
    close: async () => {
      await module.close();
      await database.drop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
