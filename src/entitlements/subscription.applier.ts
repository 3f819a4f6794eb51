import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { Subscription } from './entities/subscription.entity.js';
import { GrantsService } from './grants.service.js';
import { subscriptionFacts, type SubscriptionFacts } from './mappers/stripe-subscription.mapper.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { NO_SCHEDULE } from './subscription-schedule.applier.js';
import { orderStates, statusGrants } from './subscription-lifecycle.js';
import { UUID_PATTERN } from '../common/pagination/cursor.js';

export interface SubscriptionApplyResult {
  row: Subscription | null;
  /** the event's order against the stored state could not be proven: read the subscription from Stripe */
  ambiguous: boolean;
  /** a schedule now manages the subscription whose phases are not stored: read it from Stripe */
  scheduleToRead?: string;
}

export interface SubscriptionApplyOptions {
  /** Stripe `created` of the event that carried it; the moment before an API read; null for a provisional state */
  at: Date | null;
  /** `customer.subscription.deleted`: the subscription has ended whatever the object says */
  deleted?: boolean;
  /** `data.previous_attributes.status` of the event, when it has one */
  previousStatus?: string | null;
  /** the user, when the caller already knows it (the session that created the subscription) */
  userId?: string | null;
}

/**
 * What a subscription state says of its schedule: none (a released schedule's change is gone, and later events of
 * that schedule are older than this state), another one (its phases are read from Stripe), or the stored one.
 */
function scheduleValues(scheduleId: string | null | undefined, current: Subscription | null, at: Date | null): Partial<Subscription> {
  if (scheduleId === undefined || scheduleId === (current?.scheduleId ?? null)) return {};
  if (scheduleId !== null) return { ...NO_SCHEDULE, scheduleId };
  const newer = at !== null && at.getTime() > (current?.scheduleStateAt?.getTime() ?? -Infinity);
  return { ...NO_SCHEDULE, ...(newer ? { scheduleStateAt: at } : {}) };
}

/**
 * Applies a Stripe subscription to its `subscriptions` row, its grant and its user's cached plan, inside the
 * caller's transaction. States are ordered (see `replacesState`), so late and re-ordered deliveries never undo
 * a newer state; the status alone decides whether the subscription grants.
 */
@Injectable()
export class SubscriptionApplier {
  private readonly logger = new Logger('Subscriptions');

  constructor(
    private readonly config: AppConfig,
    private readonly plans: PlanCatalogueService,
    private readonly grants: GrantsService,
  ) {}

  async apply(manager: EntityManager, subscription: Stripe.Subscription, options: SubscriptionApplyOptions): Promise<SubscriptionApplyResult> {
    const facts = subscriptionFacts(subscription, (items) => this.plans.planItem(items));
    if (options.deleted && facts.status !== 'incomplete_expired') facts.status = 'canceled';
    return this.applyFacts(manager, facts, options);
  }

  async applyFacts(manager: EntityManager, facts: SubscriptionFacts, options: SubscriptionApplyOptions): Promise<SubscriptionApplyResult> {
    const repo = manager.getRepository(Subscription);
    const current = await repo.findOne({ where: { stripeSubscriptionId: facts.id }, lock: { mode: 'pessimistic_write' } });
    const userId = current?.userId ?? options.userId ?? (await this.findUser(manager, facts));
    const order = current
      ? orderStates({ at: options.at, status: facts.status, previousStatus: options.previousStatus }, { at: current.stateAt, status: current.status })
      : { replace: true, ambiguous: false };
    if (current && !order.replace) {
      if (!current.userId && userId) await this.adopt(manager, current, userId);
      return { row: current, ambiguous: order.ambiguous };
    }
    // a provisional state comes from our own session row, whose plan our catalogue gave when it was created
    const plan = this.plans.planOf(facts.price) ?? (options.at === null ? facts.price.metadataPlan : null);
    const values = {
      stripeSubscriptionId: facts.id,
      userId,
      stripeCustomerId: facts.customerId,
      status: facts.status,
      plan,
      interval: facts.interval,
      priceId: facts.price.id,
      productId: facts.price.productId,
      stripeItemId: facts.itemId,
      quantity: facts.quantity,
      currentPeriodEnd: facts.currentPeriodEnd,
      cancelAt: facts.cancelAt,
      cancelAtPeriodEnd: facts.cancelAtPeriodEnd,
      canceledAt: facts.canceledAt,
      endedAt: facts.endedAt,
      trialEnd: facts.trialEnd,
      pauseBehavior: facts.pauseBehavior,
      pauseResumesAt: facts.pauseResumesAt,
      latestInvoiceId: facts.latestInvoiceId,
      pendingPlan: facts.pending ? this.plans.planOf(facts.pending.price) : null,
      pendingPriceId: facts.pending?.price.id ?? null,
      pendingInterval: facts.pending?.interval ?? null,
      pendingExpiresAt: facts.pending?.expiresAt ?? null,
      stateAt: options.at,
      ...scheduleValues(facts.scheduleId, current, options.at),
    };
    let row: Subscription;
    if (current) {
      await repo.update({ id: current.id }, values);
      row = { ...current, ...values };
    } else {
      // a concurrent first sight of the same subscription waits on the unique key, then re-reads and orders itself
      const inserted = await repo.createQueryBuilder().insert().values(values).orIgnore().returning('id').execute();
      const raw = inserted.raw as Array<{ id: string }>;
      if (!raw.length) return this.applyFacts(manager, facts, options);
      row = repo.create({ ...values, id: raw[0].id });
    }
    const scheduleToRead = facts.scheduleId && facts.scheduleId !== current?.scheduleId ? facts.scheduleId : undefined;
    if (!userId) {
      this.logger.warn(`Subscription ${facts.id} matches no user (customer ${facts.customerId ?? 'none'}); stored unlinked`);
      return { row, ambiguous: order.ambiguous };
    }
    if (!plan) this.logger.warn(`Subscription ${facts.id} has price ${facts.price.id ?? 'none'}, which maps to no plan: it grants nothing`);
    await this.grantFor(manager, row, userId);
    if (facts.customerId) await this.grants.linkCustomer(manager, userId, facts.customerId);
    await this.grants.recompute(manager, userId);
    return { row, ambiguous: order.ambiguous, scheduleToRead };
  }

  private async grantFor(manager: EntityManager, row: Subscription, userId: string): Promise<void> {
    const grants = statusGrants(row.status, this.config.billing.pastDueGrants);
    const reason = row.plan ? `subscription ${row.status}` : `price ${row.priceId ?? '?'} maps to no plan`;
    await this.grants.setSubscriptionGrant(manager, { userId, subscriptionId: row.id, plan: row.plan, grants, reason });
  }

  /** A row stored before its user was known gets the user (and its grant) once one is. */
  private async adopt(manager: EntityManager, row: Subscription, userId: string): Promise<void> {
    await manager.getRepository(Subscription).update({ id: row.id }, { userId });
    await this.grantFor(manager, row, userId);
    await this.grants.recompute(manager, userId);
  }

  /** The subscription's user: by its Stripe customer, then by `metadata.userId` (which this service sets). Never by email. */
  private async findUser(manager: EntityManager, facts: SubscriptionFacts): Promise<string | null> {
    if (facts.customerId) {
      const rows = await manager.query<Array<{ id: string }>>('SELECT id FROM users WHERE stripe_customer_id = $1', [facts.customerId]);
      if (rows[0]) return rows[0].id;
    }
    if (facts.metadataUserId && UUID_PATTERN.test(facts.metadataUserId)) {
      const rows = await manager.query<Array<{ id: string }>>('SELECT id FROM users WHERE id = $1', [facts.metadataUserId]);
      if (rows[0]) return rows[0].id;
    }
    return null;
  }
}
