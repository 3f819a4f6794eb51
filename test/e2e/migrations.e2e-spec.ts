import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { appDataSourceOptions } from '../../src/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Everything a migration can make in the public schema, as comparable text. */
async function schema(ds: DataSource): Promise<Record<string, string[]>> {
  const rows = async (sql: string) => (await ds.query<Array<{ item: string }>>(sql)).map((r) => r.item);
  return {
    tables: await rows(`SELECT table_name AS item FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`),
    columns: await rows(
      `SELECT table_name || '.' || column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS item
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
    ),
    indexes: await rows(`SELECT indexdef AS item FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`),
    constraints: await rows(
      `SELECT c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS item
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> 'migrations' ORDER BY 1`,
    ),
    types: await rows(
      `SELECT t.typname AS item FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0 ORDER BY 1`,
    ),
    functions: await rows(`SELECT p.proname AS item FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1`),
    sequences: await rows(`SELECT sequence_name AS item FROM information_schema.sequences WHERE sequence_schema = 'public' AND sequence_name <> 'migrations_id_seq' ORDER BY 1`),
  };
}

const EMPTY = { tables: [], columns: [], indexes: [], constraints: [], types: [], functions: [], sequences: [] };

/** A fresh, empty database and a data source on it, for one test. */
async function fresh(): Promise<{ ds: DataSource; close: () => Promise<void> }> {
  const database: TestDatabase = await createTestDatabase();
  const ds = new DataSource(appDataSourceOptions(database.url, 2));
  await ds.initialize();
  return {
    ds,
    close: async () => {
      await ds.destroy();
      await database.drop();
    },
  };
}

const names = (list: typeof MIGRATIONS) => list.map((m) => new m().name ?? m.name);

/** Issue 19: every migration's `down` really undoes its `up`, so `migration:revert` can be trusted. */
describe('Migrations, up and down', () => {
  it('all up, then every one reverted (newest first) down to an empty schema, then all up again to the same schema', async () => {
    const { ds, close } = await fresh();
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual(names(MIGRATIONS));
      const migrated = await schema(ds);
      expect(migrated.tables.length).toBeGreaterThan(0);

      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await schema(ds)).toEqual(EMPTY);
      expect(await ds.query(`SELECT name FROM migrations`)).toEqual([]);
      // nothing more to revert: a further revert changes nothing
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await schema(ds)).toEqual(EMPTY);

      const again = await ds.runMigrations({ transaction: 'each' });
      expect(again.map((m) => m.name)).toEqual(names(MIGRATIONS));
      expect(await schema(ds)).toEqual(migrated);
    } finally {
      await close();
    }
  });

  it('each down step returns to the schema of the step before it', async () => {
    const { ds, close } = await fresh();
    try {
      // up one at a time, noting the schema after each
      const steps = [await schema(ds)];
      for (let n = 1; n <= MIGRATIONS.length; n++) {
        expect((await runOne(ds)).map((m) => m.name)).toEqual(names(MIGRATIONS.slice(n - 1, n)));
        steps.push(await schema(ds));
      }
      expect(steps[0]).toEqual(EMPTY);
      // down one at a time: after reverting the n-th migration the schema is the one before its up
      for (let n = MIGRATIONS.length; n >= 1; n--) {
        await ds.undoLastMigration({ transaction: 'each' });
        expect({ revertedTo: n - 1, schema: await schema(ds) }).toEqual({ revertedTo: n - 1, schema: steps[n - 1] });
      }
    } finally {
      await close();
    }
  });
});

/** Runs only the oldest pending migration (TypeORM has no "up one" call: a data source limited to the next one). */
async function runOne(ds: DataSource) {
  const [{ exists }] = await ds.query<Array<{ exists: boolean }>>(`SELECT to_regclass('migrations') IS NOT NULL AS exists`);
  const done = new Set(exists ? (await ds.query<Array<{ name: string }>>(`SELECT name FROM migrations`)).map((r) => r.name) : []);
  const next = MIGRATIONS.find((m) => !done.has(new m().name ?? m.name));
  if (!next) return [];
  const single = new DataSource({
    ...appDataSourceOptions(String((ds.options as { url: string }).url), 1),
    migrations: [...MIGRATIONS.filter((m) => done.has(new m().name ?? m.name)), next],
  });
  await single.initialize();
  try {
    return await single.runMigrations({ transaction: 'each' });
  } finally {
    await single.destroy();
  }
}
