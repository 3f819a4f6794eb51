import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { STRIPE_CLIENT } from '../stripe/stripe.client.js';
import { GrantsService } from './grants.service.js';
import { grantingStatuses } from './subscription-lifecycle.js';

/** At most this many entitlements are read for one customer when a summary event says its list was cut short. */
const MAX_ENTITLEMENTS = 1000;

/**
 * The features a user can be gated on: the union of
 * - PLAN_FEATURES_<PLAN> of every plan the user's ACTIVE grants give (so revoking or ending a grant removes its
 *   features at once, and an admin's grant gives them like a purchase), and
 * - the lookup_keys of the Stripe customer's active entitlements, as the newest
 *   `entitlements.active_entitlement_summary.updated` said, while the service's own status policy grants one of
 *   the user's subscriptions (Stripe provisions entitlements from subscriptions, on its own schedule: a paused
 *   subscription, or a past_due one with SUBSCRIPTION_PAST_DUE_GRANTS=false, must not keep them). A user with no
 *   subscription known yet keeps them (a summary may come before its subscription's first event).
 * Neither overrides the other: an account using Stripe Entitlements and PLAN_FEATURES_* gets both.
 */
@Injectable()
export class FeaturesService {
  private readonly logger = new Logger('Features');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    private readonly config: AppConfig,
    private readonly grants: GrantsService,
  ) {}

  /** PLAN_FEATURES_<PLAN>, sorted; none for a plan without the variable. */
  ofPlan(plan: string): string[] {
    return this.config.features.byPlan[plan] ?? [];
  }

  /** What the user can use now, sorted, each once. */
  async forUser(userId: string, manager: EntityManager = this.db.manager): Promise<string[]> {
    const features = new Set<string>();
    for (const grant of await this.grants.active(userId, manager)) for (const f of this.ofPlan(grant.plan)) features.add(f);
    const rows = await manager.query<Array<{ lookup_keys: string[] }>>(
      `SELECT e.lookup_keys FROM customer_entitlements e JOIN users u ON u.stripe_customer_id = e.stripe_customer_id
       WHERE u.id = $1 AND (NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.id)
                            OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = u.id AND s.status = ANY($2::text[])))`,
      [userId, grantingStatuses(this.config.billing.pastDueGrants)],
    );
    for (const row of rows) for (const key of row.lookup_keys) features.add(key);
    return [...features].sort();
  }

  /**
   * Applies an active entitlement summary inside the event's transaction. A summary older than the one stored is
   * refused (events arrive in any order). A list Stripe cut short (`has_more`) is stored as given, and the
   * caller reads the whole list after the commit (`refreshFromStripe`).
   */
  async applySummary(manager: EntityManager, summary: Stripe.Entitlements.ActiveEntitlementSummary, stateAt: Date): Promise<{ complete: boolean }> {
    const keys = lookupKeys(summary.entitlements?.data ?? []);
    await this.store(manager, summary.customer, keys, stateAt);
    return { complete: !summary.entitlements?.has_more };
  }

  /** Reads the customer's whole list of active entitlements from Stripe (outside any transaction) and stores it. */
  async refreshFromStripe(customerId: string): Promise<void> {
    if (!this.stripe) return;
    const readAt = new Date();
    try {
      const entitlements = await this.stripe.entitlements.activeEntitlements.list({ customer: customerId, limit: 100 }).autoPagingToArray({ limit: MAX_ENTITLEMENTS });
      await this.store(this.db.manager, customerId, lookupKeys(entitlements), readAt);
    } catch (error) {
      // the stored (partial) list stays until the next summary event
      this.logger.warn(`could not read the active entitlements of ${customerId} from Stripe: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async store(manager: EntityManager, customerId: string, keys: string[], stateAt: Date): Promise<void> {
    await manager.query(
      `INSERT INTO customer_entitlements (stripe_customer_id, lookup_keys, state_at) VALUES ($1, $2, $3)
       ON CONFLICT (stripe_customer_id) DO UPDATE SET lookup_keys = EXCLUDED.lookup_keys, state_at = EXCLUDED.state_at, updated_at = now()
       WHERE customer_entitlements.state_at <= EXCLUDED.state_at`,
      [customerId, keys, stateAt],
    );
  }
}

function lookupKeys(entitlements: Array<{ lookup_key?: string | null }>): string[] {
  return [...new Set(entitlements.map((e) => e.lookup_key).filter((k): k is string => typeof k === 'string' && k.length > 0 && k.length <= 80))].sort();
}
