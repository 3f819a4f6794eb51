import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { queryRows } from '../database/query-rows.js';
import { UsageTermsService, type FeatureTerms, type UsageTerms } from './usage-terms.service.js';
import { CLAIM_KEY, DECIDE_TRACK, PAST_PERIODS, READ_STATE, STORED_ANSWER } from './usage.sql.js';

/** One feature's state for a user, as `GET /api/usage` lists it. */
export interface UsageItem {
  feature: string;
  limit: number;
  used: number;
  credits: number;
  remaining: number;
  period: FeatureTerms['period'];
  resetsAt: string | null;
  overage: boolean;
}

export interface CheckResult {
  allowed: boolean;
  remaining: number;
  limit: number;
  resetsAt: string | null;
}

export interface TrackResult {
  allowed: true;
  used: number;
  remaining: number;
  credits: number;
  resetsAt: string | null;
}

interface StateRow {
  feature: string;
  used: string;
  credits: string;
  remaining: string;
  allowed: boolean;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * Check and track usage against the user's limits. A track is one transaction of two statements: the idempotency
 * key is claimed (a repeated key answers what it answered first, and counts once), then ONE conditional UPDATE of
 * the counter row decides it (see usage.sql.ts). Refused: the transaction rolls back, nothing is recorded.
 */
@Injectable()
export class UsageService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly terms: UsageTermsService,
  ) {}

  /** Every limited feature of the user now. */
  async list(userId: string): Promise<UsageItem[]> {
    return this.items(await this.terms.forUser(userId));
  }

  /** What admins see: the plan, every feature now, and the ended periods (newest first). */
  async overview(userId: string): Promise<{ plan: string; items: UsageItem[]; periods: Array<{ feature: string; periodStart: string; periodEnd: string; used: number }> }> {
    const terms = await this.terms.forUser(userId);
    const past = await this.db.query<Array<{ feature: string; period_start: Date; period_end: Date; used: string }>>(PAST_PERIODS, [userId]);
    return {
      plan: terms.plan,
      items: await this.items(terms),
      periods: past.map((p) => ({ feature: p.feature, periodStart: iso(p.period_start)!, periodEnd: iso(p.period_end)!, used: Number(p.used) })),
    };
  }

  private async items(terms: UsageTerms): Promise<UsageItem[]> {
    const rows = await this.state(terms, terms.features, 1);
    return terms.features.map((f, i) => ({
      feature: f.feature,
      limit: f.limit,
      used: Number(rows[i].used),
      credits: Number(rows[i].credits),
      remaining: Number(rows[i].remaining),
      period: f.period,
      resetsAt: iso(f.end),
      overage: f.overage,
    }));
  }

  /** Whether `amount` of `feature` would be allowed now; records nothing. */
  async check(userId: string, feature: string, amount: number): Promise<CheckResult> {
    const { terms, feature: f } = await this.terms.forFeature(userId, feature);
    const [row] = await this.state(terms, [f], amount);
    return { allowed: row.allowed, remaining: Number(row.remaining), limit: f.limit, resetsAt: iso(f.end) };
  }

  /**
   * Records `amount` of `feature` for the user, exactly once per `key`, when it fits in the period's allowance and
   * the credits; otherwise 402 `limit_exceeded` with `remaining`, and nothing recorded (not the key either, so a
   * retry after credits were added can pass). A negative amount frees slots of a standing cap, never below zero.
   */
  async track(userId: string, feature: string, amount: number, key: string): Promise<TrackResult> {
    const { terms, feature: f } = await this.terms.forFeature(userId, feature);
    if (amount < 0 && f.period !== 'none') {
      throw AppError.validation('amount may be negative only for a standing cap (a limit without a period)', { amount: ['must be positive for a limit per period'] });
    }
    const outcome = await this.db
      .transaction(async (manager) => {
        const claim = queryRows<{ fresh: number }>(await manager.query(CLAIM_KEY, [userId, feature, key, amount, f.start, f.end, f.source]));
        if (claim[0].fresh === 0) return { repeated: true as const };
        const rows = queryRows<{ used: string; credits: string; remaining: string; period_end: Date | null }>(
          await manager.query(DECIDE_TRACK, [userId, feature, amount, f.limit, f.start, f.end, f.source, terms.now, key, f.overage, f.meter ?? '', terms.stripeCustomerId ?? '']),
        );
        // refused: undo the key and the counter row this transaction may have made
        if (!rows.length) throw new Refused();
        const [row] = rows;
        return {
          repeated: false as const,
          result: { allowed: true as const, used: Number(row.used), remaining: Number(row.remaining), credits: Number(row.credits), resetsAt: iso(row.period_end) },
        };
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof Refused)) throw error;
        const [state] = await this.state(terms, [f], amount);
        throw new AppError(ErrorCode.LimitExceeded, `${feature}: ${amount} is more than the ${state.remaining} remaining`, {
          remaining: Number(state.remaining),
          limit: f.limit,
          resetsAt: iso(f.end),
        });
      });
    return outcome.repeated ? this.storedAnswer(userId, feature, key, amount) : outcome.result;
  }

  private async storedAnswer(userId: string, feature: string, key: string, amount: number): Promise<TrackResult> {
    const [row] = await this.db.query<Array<{ amount: string; answer: Omit<TrackResult, 'allowed'> }>>(STORED_ANSWER, [userId, feature, key]);
    if (Number(row.amount) !== amount) {
      throw AppError.conflict('This Idempotency-Key was used with another amount', { amount: Number(row.amount) });
    }
    return { allowed: true, used: Number(row.answer.used), remaining: Number(row.answer.remaining), credits: Number(row.answer.credits), resetsAt: iso(row.answer.resetsAt) };
  }

  private async state(terms: UsageTerms, features: FeatureTerms[], amount: number): Promise<StateRow[]> {
    const rows = await this.db.query<StateRow[]>(READ_STATE, [
      terms.userId,
      terms.now,
      features.map((f) => f.feature),
      features.map((f) => f.limit),
      features.map((f) => f.start),
      features.map((f) => f.end),
      features.map((f) => f.source),
      features.map(() => amount),
      features.map((f) => f.overage),
    ]);
    // unnest keeps the arrays' order; the join adds at most one counter per feature
    const byFeature = new Map(rows.map((r) => [r.feature, r]));
    return features.map((f) => byFeature.get(f.feature)!);
  }
}

/** A refused track, thrown inside its transaction so that the transaction rolls back. */
class Refused extends Error {}
