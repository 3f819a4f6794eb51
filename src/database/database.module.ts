import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { MigrationRunnerService } from './migration-runner.service.js';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.database.url) throw new Error('DATABASE_URL is not set and no embedded database was started');
        // the schema is never synchronised from entities; MigrationRunnerService applies migrations at start
        return { ...dataSourceOptions(config.database.url, config.database.poolSize), migrationsRun: false, retryAttempts: 3, retryDelay: 1000 };
      },
    }),
  ],
  providers: [MigrationRunnerService],
})
export class DatabaseModule {}
