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
import { sessionListStatement } from './checkout-session-list.sql.js';
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

  /** One page of the history: one statement, one round trip, rows that are the DTO already (checkout-session-list.sql.ts). */
  async list(query: ListCheckoutSessionsQueryDto): Promise<AdminCheckoutSessionPageDto> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const { from, to } = parseRange(query.from, query.to);
    const cursor = query.cursor ? decodeCursor(query.cursor) : null;
    const { text, values } = sessionListStatement({ ...query, from, to, cursor, limit }, this.plans.ranking());
    const rows = queryRows<AdminCheckoutSessionDto>(await this.sessions.manager.query(text, values));
    // fetched with limit + 1: the extra row only says whether another page exists (as toPage does, on DTOs)
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: new Date(last.createdAt), id: last.id }) : null };
  }

  /** Newest sessions of one user, for the user detail. */
  async listForUser(userId: string, limit: number): Promise<AdminCheckoutSessionPageDto> {
    return this.list({ userId, limit });
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
