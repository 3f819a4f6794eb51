import type { DataSource } from 'typeorm';

/**
 * Runs `work` while holding a PostgreSQL session advisory lock, so one instance at a time does it.
 * `wait: false` skips (returns null) when another instance holds the lock.
 */
export async function withAdvisoryLock<T>(db: DataSource, key: number, wait: boolean, work: () => Promise<T>): Promise<T | null> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    if (wait) {
      await runner.query('SELECT pg_advisory_lock($1)', [key]);
    } else {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [key])) as Array<{ locked: boolean }>;
      if (!locked) return null;
    }
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await runner.release();
  }
}
