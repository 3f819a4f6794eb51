import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

export type WebhookOutcome = 'processed' | 'ignored' | 'duplicate' | 'failed';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so several
 * app instances in one process (tests) never collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly webhookEvents = new Counter({
    name: 'stripe_webhook_events_total',
    help: 'Stripe events by type and outcome (processed, ignored, duplicate, failed)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly handlerDuration = new Histogram({
    name: 'stripe_webhook_handler_duration_seconds',
    help: 'Time to store and apply one Stripe event (its whole transaction)',
    labelNames: ['type'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  private readonly webhookLag = new Histogram({
    name: 'stripe_webhook_lag_seconds',
    help: "Received time minus Stripe's created time of each event",
    buckets: [1, 5, 15, 60, 300, 900, 3600, 21600, 86400, 259200],
    registers: [this.registry],
  });

  private readonly apiVersionMismatches = new Counter({
    name: 'stripe_webhook_api_version_mismatch_total',
    help: 'Stripe events rendered at an API version other than the pinned one, by that version',
    labelNames: ['api_version'] as const,
    registers: [this.registry],
  });

  constructor(@InjectDataSource() db: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    // one query per scrape serves both failed-event gauges: prom-client starts every collect() in the same tick, so
    // the second finds the first one's query in flight; once it settles the next scrape reads afresh
    let pending: Promise<{ count: number; age: number }> | null = null;
    const readFailed = () =>
      (pending ??= db
        .query<Array<{ count: number; age: number }>>(
          `SELECT count(*)::int AS count, COALESCE(extract(epoch FROM now() - min(received_at)), 0)::float AS age FROM stripe_events WHERE status = 'failed'`,
        )
        .then(([row]) => row)
        .catch(() => ({ count: 0, age: 0 }))
        .finally(() => (pending = null)));
    new Gauge({
      name: 'stripe_webhook_failed_events',
      help: 'Stored events whose processing failed and is not yet done',
      registers: [this.registry],
      async collect() {
        this.set((await readFailed()).count);
      },
    });
    new Gauge({
      name: 'stripe_webhook_oldest_failed_age_seconds',
      help: 'Age of the oldest failed event not yet processed (0 when none)',
      registers: [this.registry],
      async collect() {
        this.set((await readFailed()).age);
      },
    });
    const pool = () => (db.driver as unknown as { master?: PgPool }).master;
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** `apiVersion` is a label: the caller passes a checked version string (or `other`), never free text. */
  webhookApiVersionMismatch(apiVersion: string): void {
    this.apiVersionMismatches.inc({ api_version: apiVersion });
  }

  webhookProcessed(input: { type: string; outcome: WebhookOutcome; createdAt: number; durationSeconds: number }): void {
    this.webhookEvents.inc({ type: input.type, outcome: input.outcome });
    if (input.outcome === 'duplicate') return;
    this.handlerDuration.observe({ type: input.type }, input.durationSeconds);
    this.webhookLag.observe(Math.max(0, Date.now() / 1000 - input.createdAt));
  }
}
