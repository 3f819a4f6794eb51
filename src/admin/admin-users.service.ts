import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { decodeCursor, toPage } from '../common/pagination/cursor.js';
import { User } from '../users/user.entity.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import type { AdminUserDetailDto } from './dto/admin-user-detail.dto.js';
import { AdminUserDto, type AdminUserPageDto } from './dto/admin-user.dto.js';
import type { ListUsersQueryDto } from './dto/list-users.query.js';
import { DEFAULT_LIMIT } from './keyset.js';

const USER_SESSIONS_SHOWN = 50;

/** `%` and `_` typed by an admin are literal characters, not wildcards. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class AdminUsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly sessions: AdminCheckoutSessionsService,
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
    const rows = await qb.orderBy('u.createdAt', 'DESC').addOrderBy('u.id', 'DESC').limit(limit + 1).getMany();
    return toPage(rows, limit, AdminUserDto.from);
  }

  async get(id: string): Promise<AdminUserDetailDto> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw AppError.notFound('User');
    const sessions = await this.sessions.listForUser(user.id, USER_SESSIONS_SHOWN);
    return { ...AdminUserDto.from(user), sessions: sessions.items, sessionsNextCursor: sessions.nextCursor };
  }
}
