import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';

export interface JobLeaseOptions {
  /** false: skip (resolve null) when another instance holds the lease; true: wait for it, up to `waitMs` */
  wait: boolean;
  /** how long a holder that stopped renewing (a crashed instance) keeps others out */
  leaseSeconds?: number;
  waitMs?: number;
}

/**
 * Runs `work` while this instance holds the named lease (a row in `job_leases`), so one instance at a time
 * does it. Unlike a session advisory lock it holds no pooled connection while the work runs — the work calls
 * Stripe, and a slow Stripe must not keep a connection out of the pool — only a short statement to take,
 * renew and give back the lease.
 */
export async function withJobLease<T>(db: DataSource, name: string, options: JobLeaseOptions, work: () => Promise<T>): Promise<T | null> {
  const leaseSeconds = options.leaseSeconds ?? 60;
  const holder = randomUUID();
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  while (!(await take(db, name, holder, leaseSeconds))) {
    if (!options.wait) return null;
    if (Date.now() > deadline) throw AppError.conflict(`The ${name} job is still running on another instance; try again when it is done`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const renew = setInterval(
    () => {
      db.query('UPDATE job_leases SET locked_until = now() + make_interval(secs => $3) WHERE name = $1 AND holder = $2', [name, holder, leaseSeconds]).catch(() => undefined);
    },
    (leaseSeconds * 1000) / 3,
  );
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await db.query('DELETE FROM job_leases WHERE name = $1 AND holder = $2', [name, holder]).catch(() => undefined);
  }
}

async function take(db: DataSource, name: string, holder: string, leaseSeconds: number): Promise<boolean> {
  const rows = await db.query<unknown[]>(
    `INSERT INTO job_leases (name, holder, locked_until) VALUES ($1, $2, now() + make_interval(secs => $3))
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, locked_until = EXCLUDED.locked_until WHERE job_leases.locked_until < now()
     RETURNING name`,
    [name, holder, leaseSeconds],
  );
  return rows.length > 0;
}
