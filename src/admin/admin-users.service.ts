import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { decodeCursor, toPage } from '../common/pagination/cursor.js';
import { Dispute } from '../entitlements/entities/dispute.entity.js';
import type { Grant } from '../entitlements/entities/grant.entity.js';
import { Subscription } from '../entitlements/entities/subscription.entity.js';
import { GrantsService } from '../entitlements/grants.service.js';
import { User } from '../users/user.entity.js';
import { StripeEvent } from '../webhooks/entities/stripe-event.entity.js';
import { AdminGrantDto, AdminSubscriptionDto, type CreateGrantDto, type UserTimelineEntryDto } from './dto/admin-grants.dto.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import type { AdminUserDetailDto } from './dto/admin-user-detail.dto.js';
import { AdminUserDto, type AdminUserPageDto } from './dto/admin-user.dto.js';
import type { ListUsersQueryDto } from './dto/list-users.query.js';
import { DEFAULT_LIMIT } from './keyset.js';

const USER_SESSIONS_SHOWN = 50;
const TIMELINE_LIMIT = 500;

/** `%` and `_` typed by an admin are literal characters, not wildcards. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class AdminUsersService {
  private readonly logger = new Logger('AdminGrants');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: AdminCheckoutSessionsService,
    private readonly grants: GrantsService,
  ) {}

  async list(query: ListUsersQueryDto): Promise<AdminUserPageDto> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const qb = this.users.createQueryBuilder('u');
    if (query.email) qb.andWhere(`u.email LIKE :email ESCAPE '\\'`, { email: `%${escapeLike(query.email.toLowerCase())}%` });
    if (query.plan) qb.andWhere('u.plan = :plan', { plan: query.plan });
    if (query.subscriptionStatus) qb.andWhere('u.subscriptionStatus = :subscriptionStatus', { subscriptionStatus: query.subscriptionStatus });
    if (query.cursor) {
      const position = decodeCursor(query.cursor);
      qb.andWhere('(u.createdAt, u.id) < (:cursorAt, :cursorId)', { cursorAt: position.createdAt, cursorId: position.id });
    }
    const rows = await qb
      .orderBy('u.createdAt', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(rows, limit, (row) => AdminUserDto.from(row));
  }

  async get(id: string): Promise<AdminUserDetailDto> {
    const user = await this.grants.freshUser(id);
    if (!user) throw AppError.notFound('User');
    const [sessions, subscriptions, grants, disputes] = await Promise.all([
      this.sessions.listForUser(user.id, USER_SESSIONS_SHOWN),
      this.users.manager.getRepository(Subscription).find({ where: { userId: id }, order: { createdAt: 'DESC' } }),
      this.grants.all(id),
      this.users.manager.getRepository(Dispute).find({ where: { userId: id }, order: { stripeCreatedAt: 'DESC' } }),
    ]);
    return {
      ...AdminUserDto.from(user),
      sessions: sessions.items,
      sessionsNextCursor: sessions.nextCursor,
      subscriptions: subscriptions.map((s) => AdminSubscriptionDto.from(s)),
      grants: grants.map((g) => AdminGrantDto.from(g)),
      disputes: disputes.map((d) => ({
        id: d.stripeDisputeId,
        status: d.status,
        reason: d.reason,
        amount: d.amount,
        currency: d.currency,
        evidenceDueBy: d.evidenceDueBy?.toISOString() ?? null,
        checkoutSessionId: d.checkoutSessionId,
        invoiceId: d.invoiceId,
      })),
      timeline: await this.timeline(id, grants, subscriptions),
    };
  }

  async addGrant(userId: string, body: CreateGrantDto, actorId: string): Promise<AdminGrantDto> {
    const grant = await this.grants.grantManually({ userId, plan: body.plan, endsAt: body.endsAt ? new Date(body.endsAt) : null, reason: body.reason, actorId });
    this.logger.log(`admin ${actorId} granted ${grant.plan} to user ${userId} (grant ${grant.id})`);
    return AdminGrantDto.from(grant);
  }

  async revokeGrant(userId: string, grantId: string, reason: string, actorId: string): Promise<AdminGrantDto> {
    const grant = await this.grants.revokeManually({ userId, grantId, reason, actorId });
    this.logger.log(`admin ${actorId} revoked grant ${grantId} of user ${userId}`);
    return AdminGrantDto.from(grant);
  }

  /** Grants given and revoked, usage credits added or removed, and the Stripe events about the user's subscriptions, oldest first. */
  private async timeline(userId: string, grants: Grant[], subscriptions: Subscription[]): Promise<UserTimelineEntryDto[]> {
    const entry = (at: Date, kind: UserTimelineEntryDto['kind'], extra: Partial<UserTimelineEntryDto>): UserTimelineEntryDto => ({
      at: at.toISOString(),
      kind,
      grantId: null,
      plan: null,
      reason: null,
      eventId: null,
      type: null,
      feature: null,
      amount: null,
      ...extra,
    });
    const entries = grants.flatMap((g) => [
      entry(g.createdAt, 'grant_added', { grantId: g.id, plan: g.plan, reason: g.reason }),
      ...(g.revokedAt ? [entry(g.revokedAt, 'grant_revoked', { grantId: g.id, plan: g.plan, reason: g.revokedReason })] : []),
    ]);
    // the usage domain's credits ledger (src/usage), read here as rows so admin imports nothing above it
    const credits = await this.users.manager.query<Array<{ feature: string; amount: string; reason: string | null; created_at: Date }>>(
      'SELECT feature, amount::text, reason, created_at FROM usage_credits WHERE user_id = $1 ORDER BY created_at LIMIT $2',
      [userId, TIMELINE_LIMIT],
    );
    entries.push(...credits.map((c) => entry(c.created_at, 'credits', { feature: c.feature, amount: Number(c.amount), reason: c.reason })));
    const objectIds = subscriptions.map((s) => s.stripeSubscriptionId);
    if (objectIds.length) {
      const events = await this.users.manager.getRepository(StripeEvent).find({
        select: { id: true, type: true, stripeCreatedAt: true },
        where: { objectId: In(objectIds) },
        order: { stripeCreatedAt: 'ASC' },
        take: TIMELINE_LIMIT,
      });
      entries.push(...events.map((e) => entry(e.stripeCreatedAt, 'stripe_event', { eventId: e.id, type: e.type })));
    }
    return entries.sort((a, b) => a.at.localeCompare(b.at)).slice(0, TIMELINE_LIMIT);
  }
}
