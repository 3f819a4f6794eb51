import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';

const BATCH = 1000;

/**
 * Deletes processed and ignored inbox events older than STRIPE_EVENT_RETENTION_DAYS, in small batches so
 * no long lock or transaction builds up. Failed events stay until they are handled.
 */
@Injectable()
export class EventRetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async purge(maxBatches = 100): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < maxBatches; i++) {
      const result = await this.db.query<[unknown[], number]>(
        `DELETE FROM stripe_events WHERE id IN (
           SELECT id FROM stripe_events
           WHERE status IN ('processed', 'ignored') AND received_at < now() - make_interval(days => $1)
           LIMIT $2)`,
        [this.config.stripe.eventRetentionDays, BATCH],
      );
      const count = result[1] ?? 0;
      deleted += count;
      if (count < BATCH) break;
    }
    if (deleted) this.logger.log(`Deleted ${deleted} processed/ignored events older than ${this.config.stripe.eventRetentionDays} days`);
    return deleted;
  }
}
