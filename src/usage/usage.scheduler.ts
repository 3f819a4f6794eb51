import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { MeterOutboxService } from './metering/meter-outbox.service.js';
import { PURGE_IDEMPOTENCY_KEYS } from './usage.sql.js';

/** Track idempotency keys are kept this long: longer than any period (`month` is at most 31 days). */
export const IDEMPOTENCY_KEY_DAYS = 35;

/**
 * The usage domain's background work: the overage outbox every USAGE_METER_FLUSH_SECONDS (when there are meters
 * and a Stripe key), and forgetting old idempotency keys every RETENTION_INTERVAL_SECONDS. A run that is still
 * going when its next tick comes is not started twice.
 */
@Injectable()
export class UsageScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('UsageJobs');
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<string>();

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: MeterOutboxService,
  ) {}

  onApplicationBootstrap(): void {
    const { meterFlushSeconds, meters } = this.config.usage;
    if (meterFlushSeconds > 0 && Object.keys(meters).length && this.config.stripe.secretKey) {
      this.every('usage-meter-flush', meterFlushSeconds * 1000, () => this.outbox.flush());
    }
    this.every('usage-idempotency-retention', this.config.stripe.retentionIntervalSeconds * 1000, () => this.db.query(PURGE_IDEMPOTENCY_KEYS, [IDEMPOTENCY_KEY_DAYS]));
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private every(name: string, ms: number, run: () => Promise<unknown>): void {
    const timer = setInterval(() => void this.runOnce(name, run), ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async runOnce(name: string, run: () => Promise<unknown>): Promise<void> {
    if (this.running.has(name)) return;
    this.running.add(name);
    try {
      await run();
    } catch (error) {
      this.logger.warn(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.running.delete(name);
    }
  }
}
