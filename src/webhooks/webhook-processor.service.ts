import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';
import type { FulfillmentSource } from '../entitlements/entities/fulfillment.entity.js';
import { AppError } from '../common/errors/app-error.js';
import { redactKeys } from '../common/errors/all-exceptions.filter.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../observability/metrics.service.js';
import type { WebhookOutcome } from '../observability/metrics.service.js';
import { StripeEvent, type StripeEventStatus } from './entities/stripe-event.entity.js';
import { queryPrepared, sendPrepared } from '../database/prepared-query.js';
import { queryRows } from '../database/query-rows.js';
import { eventObjectId } from './event-shape.js';
import { isUnstorableText, withoutNul } from './unstorable-text.js';
import { CUSTOMER_LOCK_SPACE, customerOfObject } from '../database/customer-lock.js';
import { HandlerRegistry, type HandlerContext, type StripeEventHandler } from './handler-registry.js';
import { GroupCommit } from '../database/group-commit.js';
import { PipelinedTransactions, type PreparedStatement } from '../database/pipelined-transactions.js';
import { sqlState } from '../common/errors/sql-state.js';
import { APPLIER_NEEDED } from '../entitlements/persistence/apply-sessions.sql.js';
import { ApiVersionWatch } from './api-version-watch.js';
import { EventPrefetchService, type EventPrefetch } from '../entitlements/event-prefetch.service.js';

export type EventArrival = 'webhook' | 'recovery';

export interface IngestResult {
  status: StripeEventStatus;
  /** the event had already been processed or ignored: nothing was done */
  duplicate: boolean;
}

/**
 * The one path every Stripe event takes, whether delivered, recovered or replayed: store it in the
 * inbox, lock its row, and run its handler in the same transaction. The event id is the primary key,
 * so concurrent deliveries (on any instance) serialise on that row and only the first has an effect.
 */
@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger('Webhooks');
  /** deliveries whose handler applies several at once share transactions under load; null when turned off */
  private readonly groupCommit: GroupCommit<Stripe.Event, Settled<IngestResult>> | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: HandlerRegistry,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly pipelined: PipelinedTransactions,
    private readonly versions: ApiVersionWatch,
    private readonly prefetcher: EventPrefetchService,
  ) {
    const { concurrency, maxBatch, minBatchBeside } = config.stripe.webhookGroupCommit;
    this.groupCommit =
      concurrency > 0
        ? new GroupCommit({ concurrency, maxBatch, minBatchBeside, keys: (event) => [event.id, eventObjectId(event) ?? event.id], run: (events) => this.processGroup(events) })
        : null;
  }

  async ingest(event: Stripe.Event, arrival: EventArrival): Promise<IngestResult> {
    this.versions.check(event);
    if (arrival === 'webhook' && this.groupCommit && !this.ignoredReason(event) && this.registry.get(event.type)?.handleMany && !this.prefetcher.needsAlone(event)) {
      const settled = await this.groupCommit.submit(event);
      if ('error' in settled) throw settled.error;
      return settled.value;
    }
    return this.process(event, arrival, arrival === 'recovery' ? 'recovery' : 'webhook');
  }

  /** Runs a stored event through the same path again; an already processed event is left as it is. */
  async replay(eventId: string): Promise<StripeEvent> {
    const repo = this.db.getRepository(StripeEvent);
    const stored = await repo.findOneBy({ id: eventId });
    if (!stored) throw AppError.notFound('Webhook event');
    try {
      await this.process(stored.payload as unknown as Stripe.Event, stored.source === 'recovery' ? 'recovery' : 'webhook', 'replay');
    } catch {
      // recorded on the event as failed; the caller reads the new status below
    }
    return repo.findOneByOrFail({ id: eventId });
  }

  private async process(event: Stripe.Event, arrival: EventArrival, source: FulfillmentSource): Promise<IngestResult> {
    const started = performance.now();
    try {
      const afterCommit: HandlerContext['afterCommit'] = [];
      // Stripe reads the event needs happen before its transaction (a failure fails the event; Stripe delivers it again)
      const prefetch = this.ignoredReason(event) ? {} : await this.prefetcher.prefetch(event);
      const result = await this.db.transaction((manager) => this.processInTransaction(manager, event, arrival, source, afterCommit, prefetch));
      for (const work of afterCommit) await work();
      this.observe(event, source, result.duplicate ? 'duplicate' : result.status === 'ignored' ? 'ignored' : 'processed', started);
      return result;
    } catch (error) {
      const message = describe(error);
      this.observe(event, source, 'failed', started, message);
      await this.recordFailure(event, arrival, message).catch((e: unknown) => this.logger.error(`could not record the failure of ${event.id}: ${describe(e)}`));
      throw error;
    }
  }

  /**
   * Several new deliveries in one transaction (group commit): one inbox statement for all, then the handler's
   * statement, and the `COMMIT`, all in one round trip when the handler can (`groupStatement`). If a session needs more
   * than its statement, that transaction changes nothing and the group is applied again in one with the applier
   * (`handleMany`). If a transaction fails, it has changed nothing, and each event goes the one-event way, as if it
   * had come alone, so a bad event fails alone. An event the inbox already held goes that way too, unless it is done
   * (processed or ignored), which answers it as a duplicate.
   */
  private async processGroup(events: Stripe.Event[]): Promise<Array<Settled<IngestResult>>> {
    const alone = (event: Stripe.Event) => settle(this.process(event, 'webhook', 'webhook'));
    if (events.length === 1) return [await alone(events[0])];
    const started = performance.now();
    let stored: Map<string, StoredEventRow>;
    try {
      for (const event of events) await this.prefetcher.prefetch(event); // only unknown products are looked up (no event of a group needs more)
      const handlers = new Set(events.map((event) => this.registry.get(event.type)!));
      const [only] = handlers;
      stored =
        handlers.size === 1 && only.groupStatement
          ? await this.groupInOneRoundTrip(events, only).catch((error: unknown) => {
              if (sqlState(error) !== APPLIER_NEEDED) throw error;
              return this.groupTransaction(events);
            })
          : await this.groupTransaction(events);
    } catch (error) {
      this.logger.warn({ msg: 'group commit rolled back: its events are applied one at a time', events: events.length, error: describe(error) });
      const results: Array<Settled<IngestResult>> = [];
      for (const event of events) results.push(await alone(event));
      return results;
    }
    const results: Array<Settled<IngestResult>> = [];
    for (const event of events) {
      const row = stored.get(event.id);
      if (row?.inserted) {
        this.observe(event, 'webhook', 'processed', started);
        results.push({ value: { status: 'processed', duplicate: false } });
      } else if (row?.status === 'processed' || row?.status === 'ignored') {
        this.observe(event, 'webhook', 'duplicate', started);
        results.push({ value: { status: row.status, duplicate: true } });
      } else {
        results.push(await alone(event));
      }
    }
    return results;
  }

  /**
   * The group's transaction in one round trip (see database/pipelined-transactions.ts). PostgreSQL runs the inbox
   * statement, then the handler's, each with a snapshot taken after the one before (so after the customer locks); the
   * handler's statement applies only the events whose inbox row this transaction wrote, so a duplicate in the group
   * changes nothing. If one fails, the rest fail too and the `COMMIT` rolls the transaction back.
   */
  private async groupInOneRoundTrip(events: Stripe.Event[], handler: StripeEventHandler): Promise<Map<string, StoredEventRow>> {
    const { statement, settle } = handler.groupStatement!(events, 'webhook');
    const [stored, handled] = await this.pipelined.run<[StoredEventRow, unknown]>([this.inboxStatement(events), statement]);
    settle(handled);
    return new Map(stored.map((row) => [row.id, row]));
  }

  /** The group's transaction with the handlers' `handleMany`, which may read their statement's answer and go on. */
  private groupTransaction(events: Stripe.Event[]): Promise<Map<string, StoredEventRow>> {
    return this.db.transaction(async (manager) => {
      // the inbox statement and the first handler's statement are both sent before either answer is read
      const { rows: storing } = await this.sendInbox(manager, events);
      // one call per handler (the checkout session handler takes all four session event types at once)
      const byHandler = new Map<StripeEventHandler, Stripe.Event[]>();
      for (const event of events) {
        const handler = this.registry.get(event.type)!;
        byHandler
          .set(handler, byHandler.get(handler) ?? [])
          .get(handler)!
          .push(event);
      }
      const [[first, ofFirst], ...others] = byHandler;
      // every statement has answered before the transaction goes on, so none runs after its COMMIT or ROLLBACK
      const [rows, handled] = await Promise.allSettled([storing, first.handleMany!(ofFirst, { manager, source: 'webhook' })]);
      for (const outcome of [rows, handled]) if (outcome.status === 'rejected') throw outcome.reason;
      for (const [handler, ofHandler] of others) await handler.handleMany!(ofHandler, { manager, source: 'webhook' });
      return new Map((rows as PromiseFulfilledResult<StoredEventRow[]>).value.map((row) => [row.id, row]));
    });
  }

  /** Sends the group's inbox statement; resolves once it is on its way, with its rows to come. */
  private sendInbox(manager: EntityManager, events: Stripe.Event[]): Promise<{ rows: Promise<StoredEventRow[]> }> {
    const { name, text, values } = this.inboxStatement(events);
    return sendPrepared<StoredEventRow>(manager, name, text, values);
  }

  private inboxStatement(events: Stripe.Event[]): PreparedStatement {
    const rows = events.map((event) => inboxRow(event, { source: 'webhook', status: 'processed', ignoredReason: null, payload: event }));
    return { name: STORE_EVENTS_NAME, text: STORE_EVENTS, values: [JSON.stringify(rows)] };
  }

  private observe(event: Stripe.Event, source: FulfillmentSource, outcome: WebhookOutcome, started: number, error?: string): void {
    this.metrics.webhookProcessed({
      type: event.type,
      outcome,
      createdAt: source === 'replay' ? Date.now() / 1000 : event.created,
      durationSeconds: (performance.now() - started) / 1000,
    });
    if (outcome === 'failed') this.logger.error({ msg: 'stripe event failed', eventId: event.id, type: event.type, outcome, source, error });
    else this.logger.log({ msg: 'stripe event', eventId: event.id, type: event.type, outcome, source });
  }

  private async processInTransaction(
    manager: EntityManager,
    event: Stripe.Event,
    arrival: EventArrival,
    source: FulfillmentSource,
    afterCommit: HandlerContext['afterCommit'],
    prefetch: EventPrefetch,
  ): Promise<IngestResult> {
    const ignoredReason = this.ignoredReason(event);
    const status: StripeEventStatus = ignoredReason ? 'ignored' : 'processed';
    // A new event is stored with its outcome up front: the insert locks the row until this transaction
    // ends, and if the handler throws, the rollback removes it again (the failure is recorded after). A known
    // event is locked and read by the same statement, so a duplicate costs one statement after BEGIN.
    const row = inboxRow(event, { source: arrival, status, ignoredReason, payload: ignoredReason ? trimmedPayload(event) : event });
    const [stored] = await queryPrepared<StoredEventRow>(manager, STORE_EVENTS_NAME, STORE_EVENTS, [JSON.stringify([row])]);
    if (!stored.inserted) {
      // known already: wait for any delivery of it in flight, then only a failed one is processed again. A row the
      // statement's snapshot could not see (stored by a delivery that committed while this one waited) is read again.
      const known =
        stored.status ?? queryRows<{ status: StripeEventStatus }>(await manager.query('SELECT status FROM stripe_events WHERE id = $1 FOR UPDATE', [event.id]))[0].status;
      if (known === 'processed' || known === 'ignored') return { status: known, duplicate: true };
      await manager.query(`UPDATE stripe_events SET status = $2, ignored_reason = $3, attempts = attempts + 1, last_error = NULL, processed_at = now() WHERE id = $1`, [
        event.id,
        status,
        ignoredReason,
      ]);
    }
    if (!ignoredReason) {
      await this.registry.get(event.type)!.handle(event, { manager, source, eventId: event.id, eventCreated: new Date(event.created * 1000), afterCommit, prefetch });
    }
    return { status, duplicate: false };
  }

  private ignoredReason(event: Stripe.Event): string | null {
    const mode = this.config.stripe.mode;
    if (mode && event.livemode !== (mode === 'live')) {
      return `livemode ${event.livemode} does not match the configured ${mode} key`;
    }
    if (!this.registry.get(event.type)) return `no handler for ${event.type}`;
    return null;
  }

  /**
   * The transaction rolled back; the failure is kept on the event (outside it) for retries and admins. An event
   * PostgreSQL cannot store as it came (a NUL character) is kept with each NUL replaced and last_error saying so.
   */
  private async recordFailure(event: Stripe.Event, arrival: EventArrival, message: string): Promise<void> {
    const store = (stored: Stripe.Event, lastError: string) =>
      this.db.query(
        `INSERT INTO stripe_events (id, type, stripe_created_at, livemode, api_version, object_id, payload, source, status, attempts, last_error)
         VALUES ($1, $2, to_timestamp($3), $4, $5, $6, $7, $8, 'failed', 1, $9)
         ON CONFLICT (id) DO UPDATE SET status = 'failed', attempts = stripe_events.attempts + 1, last_error = EXCLUDED.last_error
         WHERE stripe_events.status NOT IN ('processed', 'ignored')`,
        [stored.id, stored.type, stored.created, stored.livemode, stored.api_version ?? null, eventObjectId(stored), stored, arrival, lastError],
      );
    try {
      await store(event, message);
    } catch (error) {
      if (!isUnstorableText(error)) throw error;
      await store(
        withoutNul(event),
        `The payload holds a NUL character (\\u0000), which PostgreSQL cannot store: kept with each NUL replaced by U+FFFD, not processed. ${withoutNul(message)}`,
      );
    }
  }
}

/** `STORE_EVENTS`'s prepared statement name (a new text needs a new name, see prepared-query.ts). */
export const STORE_EVENTS_NAME = 'store_stripe_events_v2';

/**
 * Stores new events with their outcome, or (known already) locks their rows and answers their status: `$1` is a JSON
 * array of `inboxRow`s, one for a delivery alone, several for a group commit, ids all different. It first takes the
 * locks of the events' Stripe customers (see customer-lock.ts), in one order so that two groups never wait on each
 * other: events of one customer are applied one at a time, so their row locks are never taken in opposite orders.
 * The lateral read runs only for an id the insert found taken, and FOR UPDATE waits for a delivery of it in flight.
 */
export const STORE_EVENTS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS e(id text, type text, created double precision, livemode boolean, api_version text, object_id text, payload jsonb, customer text,
         source text, status text, ignored_reason text)
),
serialised AS (
  SELECT pg_advisory_xact_lock(${CUSTOMER_LOCK_SPACE}, l.h) FROM (SELECT DISTINCT hashtext(customer) AS h FROM input WHERE customer IS NOT NULL ORDER BY 1) l
),
inserted AS (
  INSERT INTO stripe_events (id, type, stripe_created_at, livemode, api_version, object_id, payload, source, status, ignored_reason, attempts, processed_at)
  SELECT e.id, e.type, to_timestamp(e.created), e.livemode, e.api_version, e.object_id, e.payload, e.source, e.status, e.ignored_reason, 1, now()
  FROM (SELECT count(*) FROM serialised) one, input e
  ON CONFLICT (id) DO NOTHING RETURNING id
)
SELECT e.id, i.id IS NOT NULL AS inserted, known.status
FROM input e
LEFT JOIN inserted i ON i.id = e.id
LEFT JOIN LATERAL (SELECT k.status FROM stripe_events k WHERE k.id = e.id AND i.id IS NULL FOR UPDATE OF k) known ON true`;

interface StoredEventRow {
  id: string;
  inserted: boolean;
  status: StripeEventStatus | null;
}

/** One event's row of `STORE_EVENTS`'s input: the event, how it came, and the outcome it is stored with (exported for the benchmark). */
export function inboxRow(event: Stripe.Event, stored: { source: EventArrival; status: StripeEventStatus; ignoredReason: string | null; payload: object }) {
  return {
    id: event.id,
    type: event.type,
    created: event.created,
    livemode: event.livemode,
    api_version: event.api_version ?? null,
    object_id: eventObjectId(event),
    payload: stored.payload,
    customer: customerOfObject(event.data?.object),
    source: stored.source,
    status: stored.status,
    ignored_reason: stored.ignoredReason,
  };
}

/** A promise's outcome as a value, so that one event of a group can fail without the others. */
type Settled<T> = { value: T } | { error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redactKeys(text).slice(0, 1000);
}

/**
 * What the inbox keeps of an event it ignores: enough for the event log (id, type, created, the object's id and
 * type), none of the card, address or customer details the object may carry.
 */
export function trimmedPayload(event: Stripe.Event): Record<string, unknown> {
  const object = event.data?.object as { id?: unknown; object?: unknown } | undefined;
  return {
    id: event.id,
    object: 'event',
    type: event.type,
    created: event.created,
    livemode: event.livemode,
    api_version: event.api_version ?? null,
    data: { object: { id: typeof object?.id === 'string' ? object.id : null, object: typeof object?.object === 'string' ? object.object : null } },
    trimmed: true,
  };
}
