import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';
import { queryRows } from '../database/query-rows.js';
import { KeyedQueue, QueueRefusal } from './keyed-queue.js';

/**
 * A lease lasts this long unless its holder renews it every RENEW_EVERY_MS while its work runs: a live holder keeps it
 * however long Stripe takes, and the lease of an instance that died (SIGKILL, a lost host) frees itself within seconds.
 */
const LEASE_SECONDS = 15;
const RENEW_EVERY_MS = 5000;
/** While another instance holds a user's lease, how soon to look again: doubling from the first to the last. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 1000;

/**
 * One checkout creation per user at a time, on every instance, without polling and without holding a connection
 * while Stripe answers:
 * - in this process, a user's checkouts wait in a FIFO (CHECKOUT_QUEUE_PER_USER behind the running one, at most
 *   CHECKOUT_QUEUE_WAIT_MS); one more, or one whose turn does not come in time, answers 429 at once. Only the head of
 *   a user's queue ever talks to the database about the lease, so a flood of one user costs that user's requests a
 *   timer each, not a statement every 50 ms;
 * - between instances, the lease on the user row decides: taken and released with one statement each, renewed while
 *   the work runs, so a dead instance's lease ends by itself in LEASE_SECONDS. Only when another instance holds it
 *   does the head look again, on a doubling timer, until the same deadline.
 * A second request, when its turn comes, sees what the first created (the open session, or the subscription it led to).
 */
@Injectable()
export class CheckoutLeaseService {
  private readonly queue: KeyedQueue;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {
    this.queue = new KeyedQueue(config.limits.checkoutQueuePerUser, config.limits.checkoutQueueWaitMs);
  }

  async run<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.config.limits.checkoutQueueWaitMs;
    try {
      return await this.queue.run(userId, async () => {
        const lease = { token: await this.acquire(userId, deadline) };
        let renewing = Promise.resolve();
        const renewal = setInterval(() => {
          renewing = this.renew(userId, lease);
        }, RENEW_EVERY_MS);
        try {
          return await work();
        } finally {
          clearInterval(renewal);
          // a renewal in flight changes the token: released with the one it leaves
          await renewing;
          await this.db.query('UPDATE users SET checkout_lease_until = NULL WHERE id = $1 AND checkout_lease_until = $2', [userId, lease.token]);
        }
      });
    } catch (error) {
      if (!(error instanceof QueueRefusal)) throw error;
      throw new AppError(
        ErrorCode.RateLimited,
        error.reason === 'full'
          ? 'Too many checkouts of this account at once, try again shortly'
          : 'Another checkout of this account is still being created; try again in a moment',
        { retryAfterSeconds: 1 },
        1,
      );
    }
  }

  /** Pushes the lease's end on while the work runs (one statement every RENEW_EVERY_MS); a failed renewal is retried by the next tick. */
  private async renew(userId: string, lease: { token: Date }): Promise<void> {
    try {
      const rows = queryRows<{ until: Date }>(
        await this.db.query(
          `UPDATE users SET checkout_lease_until = now() + make_interval(secs => $3) WHERE id = $1 AND checkout_lease_until = $2 RETURNING checkout_lease_until AS until`,
          [userId, lease.token, LEASE_SECONDS],
        ),
      );
      if (rows[0]) lease.token = rows[0].until;
    } catch {
      // the database is briefly unavailable: the lease still has LEASE_SECONDS - RENEW_EVERY_MS to go
    }
  }

  /** Takes the user's lease, looking again on a timer only while another instance holds it. */
  private async acquire(userId: string, deadline: number): Promise<Date> {
    let delay = RETRY_FIRST_MS;
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
      if (Date.now() + delay > deadline) throw new QueueRefusal('timeout');
      await sleep(delay);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}
