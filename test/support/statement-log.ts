import type { DataSource, Logger as TypeOrmLogger, QueryRunner } from 'typeorm';

/** Every statement TypeORM sends on a data source, in order (whitespace folded), passed on to its own logger. */
export class StatementLog implements TypeOrmLogger {
  readonly statements: string[] = [];
  constructor(private readonly inner: TypeOrmLogger) {}
  logQuery(query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.statements.push(query.replace(/\s+/g, ' ').trim());
    this.inner.logQuery(query, parameters, queryRunner);
  }
  logQueryError(error: string | Error, query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.inner.logQueryError(error, query, parameters, queryRunner);
  }
  logQuerySlow(time: number, query: string, parameters?: unknown[], queryRunner?: QueryRunner): void {
    this.inner.logQuerySlow(time, query, parameters, queryRunner);
  }
  logSchemaBuild(message: string, queryRunner?: QueryRunner): void {
    this.inner.logSchemaBuild(message, queryRunner);
  }
  logMigration(message: string, queryRunner?: QueryRunner): void {
    this.inner.logMigration(message, queryRunner);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown, queryRunner?: QueryRunner): void {
    this.inner.log(level, message, queryRunner);
  }
}

/** Puts a StatementLog in front of the data source's logger (every query, prepared ones too, passes it). */
export function logStatements(db: DataSource): StatementLog {
  const source = db as DataSource & { logger: TypeOrmLogger };
  const log = new StatementLog(source.logger);
  source.logger = log;
  return log;
}
