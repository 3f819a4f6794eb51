import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { queryRows } from '../database/query-rows.js';

/** Longer than the Stripe calls of one checkout can take (customer, expiring an old session, creating the new one). */
const LEASE_SECONDS = 60;
const WAIT_MS = 20_000;
const POLL_MS = 50;

/**
 * One checkout creation per user at a time, on every instance: a lease on the user row, taken and released with
 * one statement each, so no transaction or connection is held while Stripe answers. A second request waits for
 * the first and then sees what it created (the open session, or the subscription it led to).
 */
@Injectable()
export class CheckoutLeaseService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const token = await this.acquire(userId);
    try {
      return await work();
    } finally {
      await this.db.query('UPDATE users SET checkout_lease_until = NULL WHERE id = $1 AND checkout_lease_until = $2', [userId, token]);
    }
  }

  private async acquire(userId: string): Promise<Date> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const rows = queryRows<{ until: Date }>(
        await this.db.query(
          `UPDATE users SET checkout_lease_until = now() + make_interval(secs => $2)
           WHERE id = $1 AND (checkout_lease_until IS NULL OR checkout_lease_until < now()) RETURNING checkout_lease_until AS until`,
          [userId, LEASE_SECONDS],
        ),
      );
      if (rows[0]) return rows[0].until;
      const exists = queryRows(await this.db.query('SELECT 1 FROM users WHERE id = $1', [userId]));
      if (!exists.length) throw AppError.unauthorized('This account no longer exists');
      if (Date.now() > deadline) throw AppError.conflict('Another checkout of this account is still being created; try again in a moment');
      await sleep(POLL_MS);
    }
  }
}
