import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { CheckoutSession } from '../entitlements/entities/checkout-session.entity.js';
import { Dispute } from '../entitlements/entities/dispute.entity.js';
import { Fulfillment } from '../entitlements/entities/fulfillment.entity.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import { AppError } from '../common/errors/app-error.js';
import { decodeCursor, encodeCursor } from '../common/pagination/cursor.js';
import { User } from '../users/user.entity.js';
import { StripeEvent } from '../webhooks/entities/stripe-event.entity.js';
import {
  AdminCheckoutSessionDto,
  type SessionDisputeDto,
  type AdminCheckoutSessionDetailDto,
  type AdminCheckoutSessionPageDto,
  type TimelineEventDto,
} from './dto/admin-checkout-session.dto.js';
import { AdminUserDto } from './dto/admin-user.dto.js';
import type { ListCheckoutSessionsQueryDto } from './dto/list-checkout-sessions.query.js';
import { WebhookEventDto } from './dto/webhook-event.dto.js';
import { EVENT_LIST_COLUMNS } from './admin-webhook-events.service.js';
import { DEFAULT_LIMIT, parseRange, UUID_PATTERN } from './keyset.js';
import { sessionListStatement, type SessionListRow } from './checkout-session-list.sql.js';
import { queryPrepared } from '../database/prepared-query.js';
import { queryRows } from '../database/query-rows.js';

/** Enough to tell any payment's story; a session with more events than this is an anomaly worth a look anyway. */
const TIMELINE_LIMIT = 500;

/** The expression the invoice-subscription index is built on (migration AdminIndexes): keep them identical. */
const INVOICE_SUBSCRIPTION = `(payload #>> '{data,object,parent,subscription_details,subscription}')`;

@Injectable()
export class AdminCheckoutSessionsService {
  constructor(
    @InjectRepository(CheckoutSession) private readonly sessions: Repository<CheckoutSession>,
    @InjectRepository(StripeEvent) private readonly events: Repository<StripeEvent>,
    @InjectRepository(Fulfillment) private readonly fulfillments: Repository<Fulfillment>,
    private readonly plans: PlanCatalogueService,
  ) {}

  /**
   * One page of the history as the response body's text: PostgreSQL's JSON of the items, sent without being parsed
   * or re-serialised (checkout-session-list.sql.ts). The shape is AdminCheckoutSessionPageDto's.
   */
  async listJson(query: ListCheckoutSessionsQueryDto): Promise<string> {
    const { itemsJson, nextCursor } = await this.page(query);
    return `{"items":${itemsJson},"nextCursor":${JSON.stringify(nextCursor)}}`;
  }

  /** Newest sessions of one user, for the user detail: the same page, as objects. */
  async listForUser(userId: string, limit: number): Promise<AdminCheckoutSessionPageDto> {
    const { itemsJson, nextCursor } = await this.page({ userId, limit });
    return { items: JSON.parse(itemsJson) as AdminCheckoutSessionDto[], nextCursor };
  }

  /** One statement, one round trip, one row: the items' JSON text and the next page's cursor. */
  private async page(query: ListCheckoutSessionsQueryDto): Promise<{ itemsJson: string; nextCursor: string | null }> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { from, to } = parseRange(query.from, query.to);
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    const { text, values, name } = sessionListStatement({ ...query, from, to, cursor, limit }, this.plans.ranking());
    const { manager } = this.sessions;
    const [row] = name ? await queryPrepared<SessionListRow>(manager, name, text, values) : queryRows<SessionListRow>(await manager.query(text, values));
    // the cursor is the last item's createdAt as listed (milliseconds) and its id, as toPage makes it from a DTO
    const nextCursor = row.more && row.lastCreatedAt && row.lastId ? encodeCursor({ createdAt: new Date(row.lastCreatedAt), id: row.lastId }) : null;
    return { itemsJson: row.items, nextCursor };
  }

  async get(idOrStripeId: string): Promise<AdminCheckoutSessionDetailDto> {
    const session = await this.find(idOrStripeId);
    const user = session.userId ? await this.sessions.manager.getRepository(User).findOneBy({ id: session.userId }) : null;
    const [timeline, fulfillment] = await Promise.all([this.timeline(session), this.fulfillments.findOneBy({ checkoutSessionId: session.id })]);
    const disputes = await this.disputesOf([session.id]);
    return {
      ...AdminCheckoutSessionDto.from(session, user?.email ?? null, disputes.get(session.id) ?? []),
      user: user ? AdminUserDto.from(user) : null,
      timeline,
      fulfillments: fulfillment ? [{ at: fulfillment.at.toISOString(), source: fulfillment.source, eventId: fulfillment.eventId }] : [],
    };
  }

  /** Our row by our uuid or Stripe's `cs_…` id; 404 when neither matches. */
  async find(idOrStripeId: string): Promise<CheckoutSession> {
    const where = UUID_PATTERN.test(idOrStripeId) ? { id: idOrStripeId.toLowerCase() } : { stripeSessionId: idOrStripeId };
    const session = await this.sessions.findOneBy(where);
    if (!session) throw AppError.notFound('Checkout session');
    return session;
  }

  /**
   * Events whose object is the session, its subscription or its payment intent, plus invoice events
   * of its subscription (an invoice names its subscription under `parent.subscription_details`).
   */
  private async timeline(session: CheckoutSession): Promise<TimelineEventDto[]> {
    const objectIds = [session.stripeSessionId, session.stripeSubscriptionId, session.stripePaymentIntentId].filter((v): v is string => !!v);
    const qb = this.events.createQueryBuilder('e').select(EVENT_LIST_COLUMNS).where('e.objectId IN (:...objectIds)', { objectIds });
    if (session.stripeSubscriptionId) qb.orWhere(`${INVOICE_SUBSCRIPTION.replace('payload', 'e.payload')} = :subscriptionId`, { subscriptionId: session.stripeSubscriptionId });
    const rows = await qb.orderBy('e.stripeCreatedAt', 'ASC').addOrderBy('e.receivedAt', 'ASC').addOrderBy('e.id', 'ASC').limit(TIMELINE_LIMIT).getMany();
    return rows.map((row) => {
      const { livemode: _l, apiVersion: _a, ...entry } = WebhookEventDto.from(row);
      return entry;
    });
  }

  /** The disputes of these sessions' payments, oldest first, by session id (one query per page). */
  private async disputesOf(sessionIds: string[]): Promise<Map<string, SessionDisputeDto[]>> {
    const bySession = new Map<string, SessionDisputeDto[]>();
    if (!sessionIds.length) return bySession;
    const rows = await this.sessions.manager.getRepository(Dispute).find({ where: { checkoutSessionId: In(sessionIds) }, order: { stripeCreatedAt: 'ASC' } });
    for (const d of rows) {
      const list = bySession.get(d.checkoutSessionId!) ?? [];
      list.push({ id: d.stripeDisputeId, status: d.status, reason: d.reason, amount: d.amount, currency: d.currency, evidenceDueBy: d.evidenceDueBy?.toISOString() ?? null });
      bySession.set(d.checkoutSessionId!, list);
    }
    return bySession;
  }
}
