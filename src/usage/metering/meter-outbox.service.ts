import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { withJobLease } from '../../database/job-lease.js';
import { MetricsService } from '../../observability/metrics.service.js';
import { STRIPE_CLIENT } from '../../stripe/stripe.client.js';
import { DUE_BATCHES, FORM_BATCHES, MARK_REFUSED, MARK_RETRY, MARK_SENT, OUTBOX_ROWS, OUTBOX_SUMMARY, outboxSummary, type OutboxSummary } from './meter-outbox.sql.js';

/** Batches sent per flush at most; the rest wait for the next one. */
const BATCHES_PER_FLUSH = 200;
/** Backoff of a batch Stripe did not answer: 10 s, 20 s, 40 s, … up to an hour. */
const backoffSeconds = (attempts: number) => Math.min(3600, 10 * 2 ** Math.min(attempts, 12));

interface DueBatch {
  batch_id: string;
  stripe_customer_id: string;
  event_name: string;
  value: string;
  used_at: Date;
  attempts: number;
}

export interface OutboxRow {
  id: string;
  userId: string | null;
  feature: string;
  eventName: string;
  stripeCustomerId: string;
  value: number;
  createdAt: string;
  batchId: string | null;
  status: string;
  attempts: number;
  sentAt: string | null;
  lastError: string | null;
}

/**
 * Sends the overage outbox to Stripe's Billing Meters: one instance at a time (a lease row, no connection held
 * while Stripe answers), one meter event per batch (a customer's pending units for one meter), identified by the
 * batch, so a batch sent twice is refused by Stripe as a duplicate and counted once. A refused event is kept and
 * shown to admins; an unanswered one is retried with backoff.
 */
@Injectable()
export class MeterOutboxService {
  private readonly logger = new Logger('UsageMeters');
  private readonly units: Counter<'outcome'>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    metrics: MetricsService,
  ) {
    this.units = new Counter({
      name: 'usage_meter_units_total',
      help: "Overage units sent to Stripe's Billing Meters, by outcome (sent, failed: refused by Stripe, retried: no answer)",
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    const summary = () => this.summary().catch(() => null);
    new Gauge({
      name: 'usage_meter_pending_units',
      help: 'Overage units in the outbox not sent yet',
      registers: [metrics.registry],
      async collect() {
        this.set((await summary())?.pending.units ?? 0);
      },
    });
    new Gauge({
      name: 'usage_meter_oldest_pending_age_seconds',
      help: 'Age of the oldest overage row not sent yet (0 when none)',
      registers: [metrics.registry],
      async collect() {
        this.set((await summary())?.pending.oldestAgeSeconds ?? 0);
      },
    });
  }

  /** Sends what is due, unless another instance is sending; answers what this run did (null: skipped). */
  async flush(): Promise<{ sent: number; failed: number; retried: number } | null> {
    if (!this.stripe) return null;
    const stripe = this.stripe;
    return withJobLease(this.db, 'usage-meter-flush', { wait: false, leaseSeconds: 120 }, async () => {
      await this.db.query(FORM_BATCHES);
      const due = await this.db.query<DueBatch[]>(DUE_BATCHES, [BATCHES_PER_FLUSH]);
      const done = { sent: 0, failed: 0, retried: 0 };
      for (const batch of due) done[await this.send(stripe, batch)] += 1;
      return done;
    });
  }

  private async send(stripe: Stripe, batch: DueBatch): Promise<'sent' | 'failed' | 'retried'> {
    const value = Number(batch.value);
    try {
      await stripe.billing.meterEvents.create({
        event_name: batch.event_name,
        payload: { stripe_customer_id: batch.stripe_customer_id, value: batch.value },
        identifier: `usage_${batch.batch_id}`,
        timestamp: Math.floor(new Date(batch.used_at).getTime() / 1000),
      });
    } catch (error) {
      if (isDuplicate(error)) {
        // an earlier run's send landed and its write did not: Stripe has it once
        await this.db.query(MARK_SENT, [batch.batch_id]);
        this.units.inc({ outcome: 'sent' }, value);
        return 'sent';
      }
      const message = error instanceof Error ? error.message.slice(0, 1000) : String(error);
      if (isRefusal(error)) {
        await this.db.query(MARK_REFUSED, [batch.batch_id, message]);
        this.units.inc({ outcome: 'failed' }, value);
        this.logger.warn(`Stripe refused meter event usage_${batch.batch_id} (${value} ${batch.event_name} for ${batch.stripe_customer_id}): ${message}`);
        return 'failed';
      }
      await this.db.query(MARK_RETRY, [batch.batch_id, message, backoffSeconds(batch.attempts)]);
      this.units.inc({ outcome: 'retried' }, value);
      return 'retried';
    }
    await this.db.query(MARK_SENT, [batch.batch_id]);
    this.units.inc({ outcome: 'sent' }, value);
    return 'sent';
  }

  async summary(): Promise<OutboxSummary> {
    return outboxSummary(await this.db.query(OUTBOX_SUMMARY));
  }

  async rows(status: 'pending' | 'failed' | 'sent', limit = 100): Promise<OutboxRow[]> {
    const rows = await this.db.query<
      Array<{
        id: string;
        user_id: string | null;
        feature: string;
        event_name: string;
        stripe_customer_id: string;
        value: string;
        created_at: Date;
        batch_id: string | null;
        status: string;
        attempts: number;
        sent_at: Date | null;
        last_error: string | null;
      }>
    >(OUTBOX_ROWS, [status, limit]);
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      feature: r.feature,
      eventName: r.event_name,
      stripeCustomerId: r.stripe_customer_id,
      value: Number(r.value),
      createdAt: r.created_at.toISOString(),
      batchId: r.batch_id,
      status: r.status,
      attempts: r.attempts,
      sentAt: r.sent_at?.toISOString() ?? null,
      lastError: r.last_error,
    }));
  }
}

/** Stripe already has an event with this identifier (it refuses a resend rather than dropping it). */
function isDuplicate(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && /already exists with identifier/i.test(error.message);
}

/** Stripe answered and refused the event itself (400, 404): sending it again would be refused again. A refused key (401, 403) is retried. */
function isRefusal(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError;
}
