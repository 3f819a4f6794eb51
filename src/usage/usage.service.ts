import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { UsageTermsService, type FeatureTerms, type UsageTerms } from './usage-terms.service.js';
import { UsageTrackWriter, type TrackRow } from './usage-track-group.js';
import { PAST_PERIODS, READ_STATE } from './usage.sql.js';

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

/** Terms that change between a track's read and its statement this many times in a row are not chased further. */
const STALE_TERMS_RETRIES = 3;

/**
 * Check and track usage against the user's limits. A track is ONE statement (TRACK in usage.sql.ts): a repeated key
 * answers what it answered first and counts once; otherwise one conditional write of the counter row decides it.
 * Refused: nothing is recorded.
 */
@Injectable()
export class UsageService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly terms: UsageTermsService,
    private readonly writer: UsageTrackWriter,
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
   * One statement decides and records it (TRACK, see usage-track-group.ts for the group commit); it is sent again
   * only when the terms this instance knew were stale, with the fresh ones it answered.
   */
  async track(userId: string, feature: string, amount: number, key: string): Promise<TrackResult> {
    let decided = await this.terms.forTrack(userId, feature);
    for (let attempt = 0; ; attempt++) {
      const { terms, feature: f } = decided;
      if (amount < 0 && f.period !== 'none') {
        // terms kept from an earlier track may be those of another plan: judge the amount on the current ones
        if (decided.cached) {
          this.terms.forget(userId);
          decided = await this.terms.forTrack(userId, feature);
          continue;
        }
        throw AppError.validation('amount may be negative only for a standing cap (a limit without a period)', { amount: ['must be positive for a limit per period'] });
      }
      const row = await this.writer.write({ userId, feature, amount, key, terms: decided });
      if (row.fingerprint === null) {
        this.terms.forget(userId);
        throw AppError.notFound('User');
      }
      if (row.stored_amount !== null) return this.storedAnswer(row, amount);
      if (row.terms) {
        // the plan, its subscription or its period changed since this instance last looked: decide again on the terms now
        if (attempt >= STALE_TERMS_RETRIES) throw new Error(`the usage terms of user ${userId} kept changing during a track`);
        this.terms.remember(userId, row.terms, row.fingerprint);
        decided = await this.terms.forTrack(userId, feature);
        continue;
      }
      if (row.used !== null) {
        return { allowed: true, used: Number(row.used), remaining: Number(row.remaining), credits: Number(row.credits), resetsAt: iso(row.period_end) };
      }
      const [state] = await this.state(terms, [f], amount);
      throw new AppError(ErrorCode.LimitExceeded, `${feature}: ${amount} is more than the ${state.remaining} remaining`, {
        remaining: Number(state.remaining),
        limit: f.limit,
        resetsAt: iso(f.end),
      });
    }
  }

  private storedAnswer(row: TrackRow, amount: number): TrackResult {
    if (Number(row.stored_amount) !== amount) {
      throw AppError.conflict('This Idempotency-Key was used with another amount', { amount: Number(row.stored_amount) });
    }
    const answer = row.stored_answer!;
    return { allowed: true, used: Number(answer.used), remaining: Number(answer.remaining), credits: Number(answer.credits), resetsAt: iso(answer.resetsAt) };
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
