import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions, pgConnectionOf } from './data-source-options.js';
import { MigrationRunnerService } from './migration-runner.service.js';
import { PipelinedTransactions } from './pipelined-transactions.js';

/** A transaction of the group commit in flight longer than this is abandoned (its connection closed, so it rolls back). */
const PIPELINED_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * The connection and the group commit's pool. The entities come from the composition root (app.module), which
 * gathers each module's own: this folder sits below the modules and imports none of them. Global, so the modules
 * that run the group commit (webhooks) inject PipelinedTransactions without importing the root's instance.
 */
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly pipelined: PipelinedTransactions) {}

  static forRoot(entities: NonNullable<DataSourceOptions['entities']>): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            if (!config.database.url) throw new Error('DATABASE_URL is not set and no embedded database was started');
            // the schema is never synchronised from entities; MigrationRunnerService applies migrations at start
            return { ...dataSourceOptions(config.database.url, entities, config.database.poolSize), migrationsRun: false, retryAttempts: 3, retryDelay: 1000 };
          },
        }),
      ],
      providers: [
        MigrationRunnerService,
        {
          provide: PipelinedTransactions,
          inject: [AppConfig, getDataSourceToken()],
          useFactory: (config: AppConfig, db: DataSource) =>
            new PipelinedTransactions({
              connection: pgConnectionOf(config.database.url!),
              max: Math.max(1, config.stripe.webhookGroupCommit.concurrency),
              timeoutMs: PIPELINED_TRANSACTION_TIMEOUT_MS,
              logger: () => db.logger,
            }),
        },
      ],
      exports: [PipelinedTransactions],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipelined.end();
  }
}
