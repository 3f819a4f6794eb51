/**
 * Migration commands on the same connection the service uses (DATABASE_URL, or the embedded
 * PostgreSQL under ./.data when it is unset):
 *   run | revert | show | generate <Name>
 * `generate` diffs the entities against the database and writes migrations/<timestamp>-<Name>.ts.
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { runScript, scriptConfig, withScriptDataSource } from './lib/script-runtime.js';

const MIGRATIONS_DIR = resolve('migrations');

function render(name: string, className: string, up: string[], down: string[]): string {
  const lines = (queries: string[]) => queries.map((q) => `    await queryRunner.query(${JSON.stringify(q)});`).join('\n');
  return `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

async function generate(ds: DataSource, name: string): Promise<void> {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(name ?? '')) throw new Error('usage: migration:generate -- <PascalCaseName>');
  const sql = await ds.driver.createSchemaBuilder().log();
  if (!sql.upQueries.length) {
    console.log('No changes: the entities match the database.');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const file = `${timestamp}-${name}`;
  writeFileSync(
    join(MIGRATIONS_DIR, `${file}.ts`),
    render(
      name,
      className,
      sql.upQueries.map((q) => q.query),
      sql.downQueries.map((q) => q.query).reverse(),
    ),
  );
  const index = join(MIGRATIONS_DIR, 'index.ts');
  const source = readFileSync(index, 'utf8')
    .replace(/(\/\/ Every migration[^\n]*\n)/, `$1import { ${className} } from './${file}.js';\n`)
    .replace(
      /export const MIGRATIONS = \[([^\]]*)\];/,
      (_, list: string) =>
        `export const MIGRATIONS = [${[
          ...list
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          className,
        ].join(', ')}];`,
    );
  writeFileSync(index, source);
  console.log(`Wrote migrations/${file}.ts and registered it in migrations/index.ts: read it before committing.`);
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  await withScriptDataSource(scriptConfig(), { poolSize: 2 }, async (ds) => {
    switch (command) {
      case 'run': {
        const applied = await ds.runMigrations({ transaction: 'each' });
        console.log(applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'No pending migrations.');
        break;
      }
      case 'revert':
        await ds.undoLastMigration({ transaction: 'each' });
        console.log('Reverted the last migration.');
        break;
      case 'show':
        console.log((await ds.showMigrations()) ? 'There are pending migrations.' : 'No pending migrations.');
        break;
      case 'generate':
        await generate(ds, name);
        break;
      default:
        throw new Error('usage: migrate run | revert | show | generate <Name>');
    }
  });
}

runScript(main);
