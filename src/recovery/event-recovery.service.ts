import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { HandlerRegistry } from '../webhooks/handler-registry.js';
import { WebhookProcessorService } from '../webhooks/webhook-processor.service.js';
import { withJobLease } from '../database/job-lease.js';

export interface RecoveryResult {
  /** events read from Stripe's Events API */
  scanned: number;
  /** events that had never reached the inbox and were applied now */
  recovered: number;
  /** events the inbox already had */
  alreadyKnown: number;
  /** recovered events whose processing failed (kept as failed, for replay) */
  failed: number;
}

/** Stripe keeps events for 30 days; asking for more is pointless. */
const STRIPE_EVENT_RETENTION_SECONDS = 30 * 24 * 3600;
/** Stripe's `created` has whole seconds and no ordering guarantee: re-read this far behind the newest applied event. */
const OVERLAP_SECONDS = 15 * 60;
const LEASE = 'stripe-event-recovery'; // one recovery at a time across instances

/**
 * Recovers events Stripe never managed to deliver (or that we never stored): it reads the Events API for
 * the types we handle — those Stripe marks `delivery_success=false`, and everything since the newest
 * applied event minus an overlap — and sends each unknown one through the same path as a delivery.
 */
@Injectable()
export class EventRecoveryService {
  private readonly logger = new Logger('Recovery');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly processor: WebhookProcessorService,
    private readonly registry: HandlerRegistry,
  ) {}

  /** `wait: false` (the scheduler) skips when another instance is recovering; the admin route waits its turn. */
  async recover(options: { since?: Date; wait?: boolean } = {}): Promise<RecoveryResult | null> {
    const stripe = requireStripe(this.stripe);
    // a lease row, not an advisory lock: no pooled connection is held while Stripe's Events API answers
    return withJobLease(this.db, LEASE, { wait: options.wait ?? true }, () => this.run(stripe, options.since));
  }

  private async run(stripe: Stripe, since?: Date): Promise<RecoveryResult> {
    const from = Math.max(since ? Math.floor(since.getTime() / 1000) : await this.defaultSince(), Math.floor(Date.now() / 1000) - STRIPE_EVENT_RETENTION_SECONDS);
    const types = this.registry.types();
    const found = new Map<string, Stripe.Event>();
    const collect = async (params: Stripe.EventListParams) => {
      for await (const event of stripe.events.list({ ...params, types, limit: 100 })) found.set(event.id, event);
    };
    await collect({ created: { gte: from } });
    await collect({ delivery_success: false, created: { gte: Math.floor(Date.now() / 1000) - STRIPE_EVENT_RETENTION_SECONDS } });

    const ids = [...found.keys()];
    const known = new Set<string>(ids.length ? (await this.db.query<Array<{ id: string }>>('SELECT id FROM stripe_events WHERE id = ANY($1)', [ids])).map((r) => r.id) : []);
    const missing = [...found.values()].filter((e) => !known.has(e.id)).sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    let recovered = 0;
    let failed = 0;
    for (const event of missing) {
      try {
        const result = await this.processor.ingest(event, 'recovery');
        if (!result.duplicate) recovered += 1;
      } catch {
        failed += 1;
        recovered += 1;
      }
    }
    const result = { scanned: found.size, recovered, alreadyKnown: found.size - recovered, failed };
    if (recovered) this.logger.log(`Recovered ${recovered} missed events (${failed} failed) of ${found.size} scanned since ${new Date(from * 1000).toISOString()}`);
    return result;
  }

  /** The newest applied event's Stripe time minus the overlap; 30 days back when the inbox is empty. */
  private async defaultSince(): Promise<number> {
    const [row] = await this.db.query<Array<{ newest: string | null }>>(`SELECT extract(epoch FROM max(stripe_created_at))::bigint AS newest FROM stripe_events`);
    return row?.newest ? Number(row.newest) - OVERLAP_SECONDS : 0;
  }
}
