import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/errors/app-error.js';
import type { User, UserRole } from '../users/user.entity.js';
import { RefreshToken } from './entities/refresh-token.entity.js';

export interface AccessClaims {
  sub: string;
  role: UserRole;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** access token lifetime in seconds */
  expiresIn: number;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Access tokens are short-lived HS256 JWTs; refresh tokens are random, stored hashed, and rotate on every use. */
@Injectable()
export class TokensService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async issue(user: Pick<User, 'id' | 'role'>, familyId: string = randomUUID()): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.db.getRepository(RefreshToken).insert({
      userId: user.id,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + this.config.auth.refreshTtlSeconds * 1000),
    });
    return { accessToken: await this.signAccess(user), refreshToken, expiresIn: this.config.auth.accessTtlSeconds };
  }

  signAccess(user: Pick<User, 'id' | 'role'>): Promise<string> {
    const claims: AccessClaims = { sub: user.id, role: user.role };
    return this.jwt.signAsync(claims, {
      secret: this.config.auth.jwtSecret,
      algorithm: 'HS256',
      expiresIn: this.config.auth.accessTtlSeconds,
    });
  }

  /** Verifies signature, algorithm (HS256 only, so `alg: none` and other keys fail) and expiry. */
  async verifyAccess(token: string): Promise<AccessClaims> {
    try {
      const claims = await this.jwt.verifyAsync<AccessClaims>(token, { secret: this.config.auth.jwtSecret, algorithms: ['HS256'] });
      if (typeof claims.sub !== 'string' || (claims.role !== 'user' && claims.role !== 'admin')) throw new Error('bad claims');
      return claims;
    } catch {
      throw AppError.unauthorized('Invalid or expired access token');
    }
  }

  /**
   * Exchanges a refresh token for a new pair. A token that was already used means it leaked (or a
   * client raced itself): the whole family is revoked and both holders must log in again.
   */
  async rotate(refreshToken: string): Promise<{ userId: string; familyId: string }> {
    const outcome = await this.db.transaction(async (manager) => {
      const repo = manager.getRepository(RefreshToken);
      const row = await repo.findOne({ where: { tokenHash: hashToken(refreshToken) }, lock: { mode: 'pessimistic_write' } });
      if (!row) return { error: 'Invalid refresh token' } as const;
      if (row.usedAt || row.revokedAt) {
        await repo.update({ familyId: row.familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
        return { error: 'Refresh token was already used; every session of this login is revoked' } as const;
      }
      if (row.expiresAt.getTime() <= Date.now()) return { error: 'Refresh token expired' } as const;
      await repo.update({ id: row.id }, { usedAt: new Date() });
      return { userId: row.userId, familyId: row.familyId } as const;
    });
    // thrown after commit, so the family revocation above is kept
    if ('error' in outcome) throw AppError.unauthorized(outcome.error);
    return outcome;
  }

  /** Revokes the family of a refresh token that belongs to `userId`; unknown tokens are ignored. */
  async revoke(refreshToken: string, userId: string): Promise<void> {
    const repo = this.db.getRepository(RefreshToken);
    const row = await repo.findOneBy({ tokenHash: hashToken(refreshToken) });
    if (!row || row.userId !== userId) return;
    await repo.update({ familyId: row.familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
