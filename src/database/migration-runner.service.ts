import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { withAdvisoryLock } from './advisory-lock.js';

const MIGRATION_LOCK = 0x6d1967; // several instances starting at once migrate one after the other

/** Runs pending migrations at start, under an advisory lock so replicas starting together never race. */
@Injectable()
export class MigrationRunnerService implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    const applied = await withAdvisoryLock(this.db, MIGRATION_LOCK, true, () => this.db.runMigrations({ transaction: 'each' }));
    if (applied?.length) this.logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  }
}
