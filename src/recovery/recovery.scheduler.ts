import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config.js';
import { EventRecoveryService } from './event-recovery.service.js';
import { EventRetentionService } from './event-retention.service.js';

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/** Runs recovery every STRIPE_RECOVERY_INTERVAL_SECONDS (0 = off) and retention hourly. */
@Injectable()
export class RecoveryScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Recovery');
  private running = false;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly recovery: EventRecoveryService,
    private readonly retention: EventRetentionService,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.stripe.recoveryIntervalSeconds;
    if (seconds > 0 && this.config.stripe.secretKey) {
      this.every('stripe-event-recovery', seconds * 1000, () => this.recovery.recover({ wait: false }));
    }
    if (seconds > 0) this.every('stripe-event-retention', RETENTION_INTERVAL_MS, () => this.retention.purge());
  }

  private every(name: string, ms: number, job: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      job()
        .catch((error: unknown) => this.logger.warn(`${name} failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => (this.running = false));
    }, ms);
    timer.unref();
    // registered so Nest clears it on shutdown
    this.registry.addInterval(name, timer);
  }
}
