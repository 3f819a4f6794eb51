import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User, UserRole } from './user.entity.js';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Lookups and creation of users; billing state changes happen in the webhook handlers' transactions. */
@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  async findByEmailWithPassword(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: normalizeEmail(email) })
      .getOne();
  }

  /** Inserts a user; returns null when the email is taken (the unique index decides, not a prior read). */
  async create(input: { email: string; passwordHash: string; name?: string | null; role?: UserRole }): Promise<User | null> {
    const result = await this.users
      .createQueryBuilder()
      .insert()
      .values({ email: normalizeEmail(input.email), passwordHash: input.passwordHash, name: input.name ?? null, role: input.role ?? 'user' })
      .orIgnore()
      .returning('*')
      .execute();
    const raw = result.raw as Array<{ id: string }>;
    if (!raw.length) return null;
    return this.users.findOneByOrFail({ id: raw[0].id });
  }

  /**
   * Changing either bumps the user's token version and revokes all their refresh tokens (a trigger on `users`,
   * migration SecurityRound2), whatever path makes the change: every earlier session ends at once.
   */
  async setRoleAndPassword(id: string, role: UserRole, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { role, passwordHash });
  }
}
