import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BoundedMap } from '../common/bounded-map.js';
import { AppError } from '../common/errors/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { UsagePeriod } from '../config/usage-config.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import { FREE_PLAN } from '../users/user.entity.js';
import { addMonthsUtc, periodWindow, type PeriodWindow } from './usage-period.js';
import { USAGE_TERMS } from './usage.sql.js';

/** The limit of one feature for one user now, and the window it counts in. */
export interface FeatureTerms extends PeriodWindow {
  feature: string;
  limit: number;
  period: UsagePeriod;
  /** may go past the limit: the plan's PLAN_OVERAGE_<PLAN> names it, and there is a meter and a customer to bill */
  overage: boolean;
  /** the Billing Meter's event name (STRIPE_METER_<FEATURE>), when overage is allowed */
  meter: string | null;
}

export interface UsageTerms {
  userId: string;
  plan: string;
  stripeCustomerId: string | null;
  /** the one clock of a request: the windows and the counter's roll are decided on it */
  now: Date;
  features: FeatureTerms[];
}

/** What gives a user their limits, as USAGE_TERMS (and TRACK, when the terms it was given are stale) answers it. */
export interface TermsRow {
  id: string;
  stripe_customer_id: string | null;
  plan: string | null;
  subscription_id: string | null;
  /** a Date from USAGE_TERMS, an ISO string from TRACK's JSON */
  current_period_end: Date | string | null;
  interval: 'month' | 'year' | null;
  renewed: boolean;
}

/** Terms for a track, with the fingerprint of the row they were made from (TRACK decides only on current ones). */
export interface TrackTerms {
  terms: UsageTerms;
  feature: FeatureTerms;
  fingerprint: string;
  /** made from the per-instance cache rather than read just now */
  cached: boolean;
}

/** Users whose terms rows an instance keeps for tracks; past this, the oldest is dropped. */
const CACHED_USERS = 10_000;

/**
 * What a user may use: the limits (PLAN_LIMITS_<PLAN>) of their highest-ranked active grant, `free`'s without one,
 * each with the window it counts in. A plan that names no limit for a feature has free's limit of it (0 when free
 * names none either): a paid plan never gives less than free.
 */
@Injectable()
export class UsageTermsService {
  /** the terms row last seen per user, by insertion order (the oldest is dropped first) */
  private readonly seen = new BoundedMap<string, { row: TermsRow; fingerprint: string }>(CACHED_USERS);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly plans: PlanCatalogueService,
  ) {}

  /** The features the usage API knows (every feature some PLAN_LIMITS_* names). */
  features(): string[] {
    return this.config.usage.features;
  }

  /** Throws 400 for a feature no plan limits. */
  assertKnown(feature: string): void {
    if (!this.config.usage.features.includes(feature)) {
      throw AppError.validation(`feature must be one of ${this.config.usage.features.join(', ') || '(none: no PLAN_LIMITS_* is set)'}`, { feature: ['is not a limited feature'] });
    }
  }

  /** The user's terms; 404 for an unknown user. */
  async forUser(userId: string): Promise<UsageTerms> {
    return this.build(userId, (await this.read(userId)).row);
  }

  /**
   * The terms of one feature for a track, from the terms row this instance last saw for the user when it has one.
   * They may be stale: TRACK compares their fingerprint with the row as it is and decides nothing on stale terms
   * (its answer brings the fresh row, see `remember`). So a plan bought a moment ago applies at once, and a track of
   * a known user costs no read of its own.
   */
  async forTrack(userId: string, feature: string): Promise<TrackTerms> {
    this.assertKnown(feature);
    const seen = this.seen.get(userId);
    const { row, fingerprint } = seen ?? (await this.read(userId));
    const terms = this.build(userId, row);
    return { terms, feature: terms.features.find((f) => f.feature === feature)!, fingerprint, cached: seen !== undefined };
  }

  /** Keeps the terms row TRACK answered (the current one) for the user's next track. */
  remember(userId: string, row: TermsRow, fingerprint: string): void {
    this.seen.set(userId, { row, fingerprint });
  }

  /** Drops what this instance keeps of the user's terms (the next track reads them). */
  forget(userId: string): void {
    this.seen.delete(userId);
  }

  private async read(userId: string): Promise<{ row: TermsRow; fingerprint: string }> {
    const [found] = await this.db.query<Array<TermsRow & { fingerprint: string }>>(USAGE_TERMS, [userId, this.plans.ranking()]);
    if (!found) throw AppError.notFound('User');
    const { fingerprint, ...row } = found;
    this.remember(userId, row, fingerprint);
    return { row, fingerprint };
  }

  private build(userId: string, row: TermsRow): UsageTerms {
    const now = new Date();
    const plan = row.plan ?? FREE_PLAN;
    const periodEnd = row.current_period_end === null ? null : new Date(row.current_period_end);
    const billing =
      row.subscription_id && periodEnd && row.interval
        ? {
            subscriptionId: row.subscription_id,
            // a renewal's paid invoice came before the subscription's update: the next period has begun
            currentPeriodEnd: row.renewed ? addMonthsUtc(periodEnd, row.interval === 'year' ? 12 : 1) : periodEnd,
            interval: row.interval,
          }
        : null;
    const limits = this.config.usage.limits;
    const features = this.config.usage.features.map((feature) => {
      const limit = limits[plan]?.[feature] ?? limits[FREE_PLAN]?.[feature] ?? { feature, amount: 0, period: 'none' as const };
      const meter = this.config.usage.meters[feature] ?? null;
      const overage = Boolean(meter && row.stripe_customer_id && this.config.usage.overage[plan]?.includes(feature));
      return { feature, limit: limit.amount, period: limit.period, overage, meter: overage ? meter : null, ...periodWindow(limit.period, now, billing) };
    });
    return { userId, plan, stripeCustomerId: row.stripe_customer_id, now, features };
  }

  /** The terms of one feature (400 when unknown). */
  async forFeature(userId: string, feature: string): Promise<{ terms: UsageTerms; feature: FeatureTerms }> {
    this.assertKnown(feature);
    const terms = await this.forUser(userId);
    return { terms, feature: terms.features.find((f) => f.feature === feature)! };
  }
}
