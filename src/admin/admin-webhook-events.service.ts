import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { StripeEvent } from '../webhooks/entities/stripe-event.entity.js';
import { WebhookProcessorService } from '../webhooks/webhook-processor.service.js';
import type { ListWebhookEventsQueryDto } from './dto/list-webhook-events.query.js';
import { WebhookEventDto, type WebhookEventDetailDto, type WebhookEventPageDto } from './dto/webhook-event.dto.js';
import { DEFAULT_LIMIT, parseRange } from './keyset.js';
import { redactPayload } from './payload-redaction.js';

/** Every column but the payload, which only the detail shows (the session timeline lists the same). */
export const EVENT_LIST_COLUMNS = [
  'e.id',
  'e.type',
  'e.status',
  'e.objectId',
  'e.stripeCreatedAt',
  'e.receivedAt',
  'e.processedAt',
  'e.attempts',
  'e.lastError',
  'e.ignoredReason',
  'e.source',
  'e.livemode',
  'e.apiVersion',
];

@Injectable()
export class AdminWebhookEventsService {
  constructor(
    @InjectRepository(StripeEvent) private readonly events: Repository<StripeEvent>,
    private readonly processor: WebhookProcessorService,
  ) {}

  /** The processor records the outcome on the event (a failure too), so the answer is the stored row. */
  async replay(id: string): Promise<WebhookEventDto> {
    return WebhookEventDto.from(await this.processor.replay(id));
  }

  /** Newest received first, keyset over (received_at, id). */
  async list(query: ListWebhookEventsQueryDto): Promise<WebhookEventPageDto> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { from, to } = parseRange(query.from, query.to);
    const qb = this.events.createQueryBuilder('e').select(EVENT_LIST_COLUMNS);
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    if (query.type) qb.andWhere('e.type = :type', { type: query.type });
    if (from) qb.andWhere('e.receivedAt >= :from', { from });
    if (to) qb.andWhere('e.receivedAt < :to', { to });
    if (query.cursor) {
      // event ids are Stripe's evt_… strings, not uuids
      const position = decodeCursor(query.cursor, 'text');
      qb.andWhere('(e.receivedAt, e.id) < (:cursorAt, :cursorId)', { cursorAt: position.createdAt, cursorId: position.id });
    }
    const rows = await qb
      .orderBy('e.receivedAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((row) => WebhookEventDto.from(row)),
      nextCursor: hasMore && last ? encodeCursor({ createdAt: last.receivedAt, id: last.id }) : null,
    };
  }

  async get(id: string): Promise<WebhookEventDetailDto> {
    const event = await this.events.findOneBy({ id });
    if (!event) throw AppError.notFound('Webhook event');
    return { ...WebhookEventDto.from(event), payload: redactPayload(event.payload) as Record<string, unknown> };
  }
}
