import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { TokensService } from '../auth/tokens.service.js';
import { RateLimitService } from '../rate-limit/rate-limit.service.js';
import { AppConfig } from '../config/app-config.js';
import { EventRecoveryService } from './event-recovery.service.js';
import { EventRetentionService } from './event-retention.service.js';

export interface ScheduledJob {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * The background jobs, each on its own schedule with its own "running" flag (a slow recovery never delays
 * retention, nor one retention another):
 * - `stripe-event-recovery` every STRIPE_RECOVERY_INTERVAL_SECONDS (0 turns off only this one; needs a key);
 * - `stripe-event-retention`, `refresh-token-retention` and `throttle-retention` every RETENTION_INTERVAL_SECONDS.
 */
@Injectable()
export class RecoveryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly recovery: EventRecoveryService,
    private readonly retention: EventRetentionService,
    private readonly tokens: TokensService,
    private readonly throttle: RateLimitService,
  ) {}

  jobs(): ScheduledJob[] {
    const { recoveryIntervalSeconds, retentionIntervalSeconds, secretKey } = this.config.stripe;
    const retentionMs = retentionIntervalSeconds * 1000;
    const jobs: ScheduledJob[] = [
      { name: 'stripe-event-retention', everyMs: retentionMs, run: () => this.retention.purge() },
      { name: 'refresh-token-retention', everyMs: retentionMs, run: () => this.tokens.purgeStale() },
      { name: 'throttle-retention', everyMs: retentionMs, run: () => this.throttle.purgeExpired() },
    ];
    if (recoveryIntervalSeconds > 0 && secretKey) {
      jobs.unshift({ name: 'stripe-event-recovery', everyMs: recoveryIntervalSeconds * 1000, run: () => this.recovery.recover({ wait: false }) });
    }
    return jobs;
  }

  onApplicationBootstrap(): void {
    for (const job of this.jobs()) {
      const timer = setInterval(() => void this.runOnce(job), job.everyMs);
      timer.unref();
      // registered so Nest clears it on shutdown
      this.registry.addInterval(job.name, timer);
    }
  }

  /** Runs a job unless its previous run is still going; failures are logged and retried at the next tick. */
  async runOnce(job: ScheduledJob): Promise<void> {
    if (this.running.has(job.name)) return;
    this.running.add(job.name);
    try {
      await job.run();
    } catch (error) {
      this.logger.warn(`${job.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running.delete(job.name);
    }
  }
}
