import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { queryRows } from '../database/query-rows.js';
import { FREE_PLAN, User } from '../users/user.entity.js';
import { Grant } from './entities/grant.entity.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';

/**
 * A grant gives its plan now: not revoked, started, not ended. "Now" is the statement's start, not the
 * transaction's (`now()`): a grant starts at the `now()` of the transaction that gave it, and a concurrent
 * delivery whose transaction began earlier, and reads the grant once it is committed, must count it.
 */
const NOW = 'statement_timestamp()';
const ACTIVE = `g.revoked_at IS NULL AND g.starts_at <= ${NOW} AND (g.ends_at IS NULL OR g.ends_at > ${NOW})`;

/**
 * The one statement that writes a user's cached plan: the highest-ranked active grant (`free` when none) and the
 * current subscription (the newest one that has not ended, else the newest). `grants` and `subscriptions` name
 * the relations read: the tables, or (in a data-modifying CTE, whose sibling inserts the statement cannot see)
 * relations that add the rows that same statement inserted. `set` adds assignments to the same row update, since
 * one statement can update a row only once. Every argument is SQL text: parameter references or column names.
 *
 * A user row changed by another transaction after this statement's snapshot is left as it is (`seen`): every writer
 * of a user's grants rewrites this row, so the change may be a grant this statement cannot see, and PostgreSQL would
 * otherwise write the plan computed without it once that writer commits. The caller recomputes such a user in a new
 * statement (a fresh snapshot), holding the row lock the skipped update took.
 */
export function planCacheUpdate(input: { userId: string; ranking: string; freePlan: string; grants?: string; subscriptions?: string; set?: string }): string;
/** The same for every user `keys` lists (a query answering one column, `id`): each user's row is updated once. */
export function planCacheUpdate(input: { keys: string; ranking: string; freePlan: string; grants?: string; subscriptions?: string; set?: string }): string;
export function planCacheUpdate(
  input: { ranking: string; freePlan: string; grants?: string; subscriptions?: string; set?: string } & ({ userId: string } | { keys: string }),
): string {
  const keys = 'keys' in input ? input.keys : `SELECT ${input.userId}::uuid AS id`;
  const grants = input.grants ?? 'grants';
  const subscriptions = input.subscriptions ?? 'subscriptions';
  return `UPDATE users u SET
         plan = coalesce(b.plan, ${input.freePlan}), plan_valid_until = b.valid_until,
         stripe_subscription_id = s.stripe_subscription_id, subscription_status = s.status, subscription_price_id = s.price_id,
         current_period_end = s.current_period_end, cancel_at_period_end = coalesce(s.cancel_at_period_end, false),
         subscription_event_at = s.state_at, updated_at = now()${input.set ? `, ${input.set}` : ''}
       FROM (${keys}) k
       JOIN LATERAL (SELECT v.xmin AS version FROM users v WHERE v.id = k.id) seen ON true
       LEFT JOIN LATERAL (
         SELECT g.plan, (SELECT min(e.ends_at) FROM ${grants} e WHERE e.user_id = k.id AND e.revoked_at IS NULL AND e.ends_at > ${NOW}) AS valid_until
         FROM ${grants} g WHERE g.user_id = k.id AND ${ACTIVE}
         ORDER BY coalesce(array_position(${input.ranking}::text[], g.plan::text), 0) DESC, g.created_at LIMIT 1
       ) b ON true
       LEFT JOIN LATERAL (
         SELECT x.stripe_subscription_id, x.status, x.price_id, x.current_period_end, x.cancel_at_period_end, x.state_at FROM ${subscriptions} x WHERE x.user_id = k.id
         ORDER BY x.status IN ('canceled', 'incomplete_expired', 'unpaid'), x.created_at DESC LIMIT 1
       ) s ON true
       WHERE u.id = k.id AND u.xmin = seen.version`;
}

/**
 * Whether the user row `user` may take Stripe customer `customer` (SQL text both): it has none yet, and no other user
 * has that one, since a customer belongs to one user. Every path that links a customer to a user asks this.
 */
export function customerLinkable(user: string, customer: string): string {
  return `${user}.stripe_customer_id IS NULL AND NOT EXISTS (SELECT 1 FROM users o WHERE o.stripe_customer_id = ${customer})`;
}

/**
 * The grants ledger and the user's cached plan. Every change to a grant runs inside the caller's transaction
 * and is followed by `recompute`, which writes `users.plan` (the highest-ranked active grant, `free` when
 * none) and the user's current subscription fields in one statement, so readers need one indexed read.
 */
@Injectable()
export class GrantsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly plans: PlanCatalogueService,
  ) {}

  /** The grant of a subscription follows its status: restored while it grants, revoked (with why) while not. */
  async setSubscriptionGrant(manager: EntityManager, input: { userId: string; subscriptionId: string; plan: string | null; grants: boolean; reason: string }): Promise<void> {
    if (input.grants && input.plan) {
      await manager.query(
        `INSERT INTO grants (user_id, plan, source, subscription_id, reason) VALUES ($1, $2, 'subscription', $3, $4)
         ON CONFLICT (subscription_id) WHERE subscription_id IS NOT NULL
         DO UPDATE SET plan = EXCLUDED.plan, user_id = EXCLUDED.user_id, revoked_at = NULL, revoked_reason = NULL`,
        [input.userId, input.plan, input.subscriptionId, input.reason],
      );
      return;
    }
    await manager.query(`UPDATE grants SET revoked_at = now(), revoked_reason = $2 WHERE subscription_id = $1 AND revoked_at IS NULL`, [input.subscriptionId, input.reason]);
  }

  async grantManually(input: { userId: string; plan: string; endsAt: Date | null; reason: string; actorId: string }): Promise<Grant> {
    if (!this.plans.isKnown(input.plan)) {
      throw AppError.validation(`plan must be one of ${this.plans.ranking().join(', ')}`, { plan: ['is not a ranked plan (PLAN_RANK)'] });
    }
    if (input.endsAt && input.endsAt.getTime() <= Date.now()) throw AppError.validation('endsAt must be in the future', { endsAt: ['must be in the future'] });
    return this.db.transaction(async (manager) => {
      await this.lockUser(manager, input.userId);
      const grant = await manager
        .getRepository(Grant)
        .save(manager.getRepository(Grant).create({ userId: input.userId, plan: input.plan, source: 'admin', endsAt: input.endsAt, reason: input.reason, actorId: input.actorId }));
      await this.recompute(manager, input.userId);
      return grant;
    });
  }

  async revokeManually(input: { userId: string; grantId: string; reason: string; actorId: string }): Promise<Grant> {
    return this.db.transaction(async (manager) => {
      await this.lockUser(manager, input.userId);
      const repo = manager.getRepository(Grant);
      const grant = await repo.findOneBy({ id: input.grantId, userId: input.userId });
      if (!grant) throw AppError.notFound('Grant');
      if (grant.source !== 'admin' && grant.source !== 'purchase') {
        throw AppError.conflict('A subscription grant follows its subscription: cancel the subscription instead');
      }
      // a grant a refund or dispute revoked (no actor) is revoked again by the admin: recorded, and final, since only
      // grants without an actor follow their payment (PurchaseAccessService)
      if (!grant.revokedAt || !grant.actorId) {
        await repo.update({ id: grant.id }, { revokedAt: grant.revokedAt ?? new Date(), revokedReason: input.reason, actorId: input.actorId });
        await this.recompute(manager, input.userId);
      }
      return repo.findOneByOrFail({ id: grant.id });
    });
  }

  /**
   * Writes the user's cached plan from the grants, and the cached current subscription (the newest one that has
   * not ended, else the newest). Returns the plan.
   */
  async recompute(manager: EntityManager, userId: string): Promise<string> {
    const update = `${planCacheUpdate({ userId: '$1', ranking: '$2', freePlan: '$3' })} RETURNING u.plan`;
    // a second attempt holds the row lock the first one took, so no writer can come between again
    for (let attempt = 0; attempt < 3; attempt++) {
      const [row] = queryRows<{ plan: string }>(await manager.query(update, [userId, this.plans.ranking(), FREE_PLAN]));
      if (row) return row.plan;
      if (!queryRows(await manager.query('SELECT 1 FROM users WHERE id = $1', [userId])).length) return FREE_PLAN;
    }
    throw new Error(`The cached plan of user ${userId} kept changing while it was recomputed`);
  }

  /** Links the user to a Stripe customer when it has none and no other user has that one. */
  async linkCustomer(manager: EntityManager, userId: string, customerId: string): Promise<void> {
    await manager.query(`UPDATE users u SET stripe_customer_id = $2 WHERE u.id = $1 AND ${customerLinkable('u', '$2')}`, [userId, customerId]);
  }

  /** The user, with the cached plan recomputed first when a grant of it has ended since it was written. */
  async freshUser(userId: string): Promise<User | null> {
    const user = await this.db.getRepository(User).findOneBy({ id: userId });
    if (!user?.planValidUntil || user.planValidUntil.getTime() > Date.now()) return user;
    await this.db.transaction(async (manager) => {
      await this.lockUser(manager, userId);
      await this.recompute(manager, userId);
    });
    return this.db.getRepository(User).findOneBy({ id: userId });
  }

  /** The user's active grants, highest rank first. */
  async active(userId: string, manager: EntityManager = this.db.manager): Promise<Grant[]> {
    return manager
      .getRepository(Grant)
      .createQueryBuilder('g')
      .where(`g.user_id = :userId AND ${ACTIVE}`, { userId })
      .orderBy(`coalesce(array_position(:ranking::text[], g.plan::text), 0)`, 'DESC')
      .setParameter('ranking', this.plans.ranking())
      .getMany();
  }

  async all(userId: string): Promise<Grant[]> {
    return this.db.getRepository(Grant).find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** Serialises grant changes of one user (and checks the user exists). */
  async lockUser(manager: EntityManager, userId: string): Promise<void> {
    const rows = await manager.query<unknown[]>('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
    if (!rows.length) throw AppError.notFound('User');
  }
}
