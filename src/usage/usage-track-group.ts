import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sqlState } from '../common/errors/sql-state.js';
import { AppConfig } from '../config/app-config.js';
import { pgConnectionOf } from '../database/data-source-options.js';
import { GroupCommit } from '../database/group-commit.js';
import { PipelinedTransactions, type PreparedStatement } from '../database/pipelined-transactions.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import type { TrackTerms, TermsRow } from './usage-terms.service.js';
import { TRACK, TRACK_NAME } from './usage.sql.js';

/** One track to write: who, what, how much, its key, and the terms it was decided on. */
export interface TrackRequest {
  userId: string;
  feature: string;
  amount: number;
  key: string;
  terms: TrackTerms;
}

/** What TRACK answers for one track (see its comment in usage.sql.ts). */
export interface TrackRow {
  /** the fingerprint of the user's terms now; null: no such user */
  fingerprint: string | null;
  /** the user's terms now, when they differ from those the track was decided on */
  terms: TermsRow | null;
  /** the key was used before: its amount and answer */
  stored_amount: string | null;
  stored_answer: { used: number; credits: number; remaining: number; resetsAt: string | null } | null;
  /** recorded: the counter after it (all null when refused, repeated or stale) */
  used: string | null;
  credits: string | null;
  remaining: string | null;
  period_end: Date | null;
}

type Settled<T> = { value: T } | { error: unknown };

/** A transaction of tracks in flight longer than this is abandoned (its connection closed, so it rolls back). */
const TRANSACTION_TIMEOUT_MS = 30_000;
/** A track whose key a concurrent one committed first is run again this many times at most (it then finds the key). */
const KEY_RACE_RETRIES = 3;

/**
 * Writes tracks: each is ONE statement (TRACK), and tracks that arrive together on this instance share one
 * transaction, sent with its `START TRANSACTION` and `COMMIT` in one round trip (the webhooks' group commit and
 * pipelined transactions, database/). So a busy instance spends one commit, one fsync and one round trip on several
 * tracks. Each track is decided on its own inside the group: a refused, repeated or stale track writes nothing and
 * raises nothing. Should the group's transaction fail anyway (a key raced by another instance, a deadlock), it has
 * changed nothing, and each of its tracks is run again alone, so one track's failure is its own.
 */
@Injectable()
export class UsageTrackWriter implements OnApplicationShutdown {
  private readonly logger = new Logger('Usage');
  private readonly pipelined: PipelinedTransactions;
  private readonly groupCommit: GroupCommit<TrackRequest, Settled<TrackRow>> | null;

  constructor(
    @InjectDataSource() db: DataSource,
    config: AppConfig,
    private readonly plans: PlanCatalogueService,
  ) {
    const { concurrency, maxBatch, minBatchBeside } = config.usage.trackGroupCommit;
    this.pipelined = new PipelinedTransactions({
      connection: pgConnectionOf(config.database.url!),
      max: Math.max(1, concurrency),
      timeoutMs: TRANSACTION_TIMEOUT_MS,
      logger: () => db.logger,
    });
    // a key twice in one group would make the group fail; the same user and feature twice is fine (they queue on the row)
    this.groupCommit =
      concurrency > 0
        ? new GroupCommit({ concurrency, maxBatch, minBatchBeside, keys: (t) => [`${t.userId}\n${t.feature}\n${t.key}`], run: (tracks) => this.runGroup(tracks) })
        : null;
  }

  async write(track: TrackRequest): Promise<TrackRow> {
    const settled = this.groupCommit ? await this.groupCommit.submit(track) : await this.alone(track);
    if ('error' in settled) throw settled.error;
    return settled.value;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipelined.end();
  }

  private async runGroup(tracks: TrackRequest[]): Promise<Array<Settled<TrackRow>>> {
    if (tracks.length === 1) return [await this.alone(tracks[0])];
    // the same order on every instance: two groups lock the counter rows they share in the same order
    const order = tracks.map((_, i) => i).sort((a, b) => compareTracks(tracks[a], tracks[b]));
    try {
      const rows = await this.pipelined.run<TrackRow[]>(order.map((i) => this.statement(tracks[i])));
      const results = new Array<Settled<TrackRow>>(tracks.length);
      order.forEach((i, at) => (results[i] = { value: rows[at][0] }));
      return results;
    } catch (error) {
      this.logger.warn({ msg: 'a group of tracks rolled back: its tracks run again one at a time', tracks: tracks.length, error: (error as Error).message });
      const results: Array<Settled<TrackRow>> = [];
      for (const track of tracks) results.push(await this.alone(track));
      return results;
    }
  }

  /** One track in its own transaction (one round trip); run again when a concurrent track committed its key first. */
  private async alone(track: TrackRequest): Promise<Settled<TrackRow>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const [rows] = await this.pipelined.run<[TrackRow]>([this.statement(track)]);
        return { value: rows[0] };
      } catch (error) {
        if (sqlState(error) !== UNIQUE_VIOLATION || attempt >= KEY_RACE_RETRIES) return { error };
      }
    }
  }

  private statement(t: TrackRequest): PreparedStatement {
    const { terms, feature: f, fingerprint } = t.terms;
    return {
      name: TRACK_NAME,
      text: TRACK,
      values: [
        t.userId,
        this.plans.ranking(),
        fingerprint,
        t.feature,
        t.key,
        t.amount,
        f.limit,
        f.start,
        f.end,
        f.source,
        terms.now,
        f.overage,
        f.meter ?? '',
        terms.stripeCustomerId ?? '',
      ],
    };
  }
}

const UNIQUE_VIOLATION = '23505';

function compareTracks(a: TrackRequest, b: TrackRequest): number {
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
