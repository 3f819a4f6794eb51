import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/errors/app-error.js';
import { User, type UserRole } from '../users/user.entity.js';
import { RefreshToken } from './entities/refresh-token.entity.js';
import { UUID_PATTERN } from '../common/pagination/cursor.js';
import { BoundedMap } from '../common/bounded-map.js';
import { CredentialsCache } from './credentials-cache.js';

export interface AccessClaims {
  sub: string;
  role: UserRole;
  /** the user's token version when the token was signed; the guard refuses any other */
  ver: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** access token lifetime in seconds */
  expiresIn: number;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** the first key of the two-int advisory lock space: refresh-token families (distinct from the bigint job locks) */
const FAMILY_LOCK_SPACE = 1796;
/** the same for one user's session cap (taken after the user row, never before it) */
const SESSION_CAP_LOCK_SPACE = 1797;
const RETENTION_BATCH = 1000;
/** leeway for an `exp` slightly beyond now + JWT_ACCESS_TTL (clocks of instances differ a little) */
const CLOCK_SKEW_SECONDS = 60;
/** access tokens verified lately, so a client's next requests with the same token skip the HMAC and the JSON */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Access tokens are short-lived HS256 JWTs carrying the user's token version; refresh tokens are random,
 * stored hashed, and rotate on every use.
 *
 * Lock order, everywhere: the family's advisory lock, then the user row, then token rows. The trigger that
 * revokes a user's tokens on a role or password change takes the user row first, so it never deadlocks
 * with a rotation and never misses the token a rotation inserts.
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger('Auth');
  /** token → its claims and expiry (seconds), for tokens whose signature and claims were checked already */
  private readonly verified = new BoundedMap<string, AccessClaims & { exp: number }>(VERIFIED_TOKENS_KEPT);

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly credentials: CredentialsCache,
  ) {}

  /** A new pair for a fresh login (a new family). */
  issue(userId: string): Promise<{ pair: TokenPair; user: User }> {
    return this.db.transaction(async (manager) => {
      // the token version read here is the one the access token carries; the lock keeps a concurrent password
      // change from slipping between that read and the insert
      const user = await lockUser(manager, userId);
      if (!user) throw AppError.unauthorized('This account no longer exists');
      const pair = await this.insertPair(manager, user, randomUUID());
      await capLiveSessions(manager, user.id, this.config.limits.refreshTokensPerUser);
      return { pair, user };
    });
  }

  /**
   * The claims of a valid access token: signature, algorithm (HS256 only, so `alg: none` and other keys fail), an expiry
   * within JWT_ACCESS_TTL from now, and shape.
   */
  async verifyAccess(token: string): Promise<AccessClaims> {
    // the whole token is the key, signature included: only a token this service signed can be found
    const known = this.verified.get(token);
    if (known && known.exp > Date.now() / 1000) return known;
    try {
      const claims = await this.jwt.verifyAsync<AccessClaims & { exp?: unknown }>(token, { algorithms: ['HS256'] });
      // a token that never expires, or outlives JWT_ACCESS_TTL, was not made by this service's current settings
      if (typeof claims.exp !== 'number' || claims.exp > Date.now() / 1000 + this.config.auth.accessTtlSeconds + CLOCK_SKEW_SECONDS) throw new Error('bad expiry');
      if (typeof claims.sub !== 'string' || !UUID_PATTERN.test(claims.sub) || (claims.role !== 'user' && claims.role !== 'admin') || !Number.isInteger(claims.ver)) {
        throw new Error('bad claims');
      }
      this.verified.set(token, claims as AccessClaims & { exp: number });
      return claims;
    } catch {
      throw AppError.unauthorized('Invalid or expired access token');
    }
  }

  /**
   * A valid access token of a user whose token version has not moved since it was signed, with the role the
   * database has now: read once, then remembered until the users table says it changed (CredentialsCache), so a role
   * or password change logs every token out on every instance within milliseconds of its commit.
   */
  async authenticate(token: string): Promise<{ id: string; role: UserRole }> {
    const claims = await this.verifyAccess(token);
    const current = await this.credentials.get(claims.sub, claims.ver, async () => {
      const [row] = await this.db.query<Array<{ role: UserRole; token_version: number }>>('SELECT role, token_version FROM users WHERE id = $1', [claims.sub]);
      return row ? { role: row.role, tokenVersion: row.token_version } : null;
    });
    if (!current || current.tokenVersion !== claims.ver) throw AppError.unauthorized('This session has ended (the account changed); sign in again');
    return { id: claims.sub, role: current.role };
  }

  /**
   * Exchanges a refresh token for a new pair in one transaction: the old token is marked used and the new one
   * inserted together, under the family's lock. A token that was already used means it leaked (or a client
   * raced itself): the whole family is revoked, including a new token another request just got from it, and
   * both holders must log in again.
   */
  async rotate(refreshToken: string): Promise<{ pair: TokenPair; user: User }> {
    const tokenHash = hashToken(refreshToken);
    const found = await this.db.getRepository(RefreshToken).findOneBy({ tokenHash });
    if (!found) throw AppError.unauthorized('Invalid refresh token');
    const outcome = await this.db.transaction(async (manager) => {
      await lockFamily(manager, found.familyId);
      const user = await lockUser(manager, found.userId);
      const repo = manager.getRepository(RefreshToken);
      const row = await repo.findOne({ where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
      if (!row || !user) return { error: 'Invalid refresh token' } as const;
      const [{ revoked }] = await manager.query<
        Array<{
          revoked: boolean;
        }>
      >('SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL) AS revoked', [row.familyId]);
      if (row.usedAt || row.revokedAt || revoked) {
        await revokeFamily(manager, row.familyId);
        return { error: 'Refresh token was already used; every session of this login is revoked' } as const;
      }
      if (row.expiresAt.getTime() <= Date.now()) return { error: 'Refresh token expired' } as const;
      await repo.update({ id: row.id }, { usedAt: new Date() });
      return { pair: await this.insertPair(manager, user, row.familyId), user };
    });
    // thrown after commit, so the family revocation above is kept
    if ('error' in outcome) throw AppError.unauthorized(outcome.error);
    return outcome;
  }

  /** Revokes the family of a refresh token that belongs to `userId`; unknown tokens are ignored. */
  async revoke(refreshToken: string, userId: string): Promise<void> {
    const row = await this.db.getRepository(RefreshToken).findOneBy({ tokenHash: hashToken(refreshToken) });
    if (!row || row.userId !== userId) return;
    await this.db.transaction(async (manager) => {
      await lockFamily(manager, row.familyId);
      await revokeFamily(manager, row.familyId);
    });
  }

  /**
   * Retention: deletes refresh tokens that were used, revoked or expired more than REFRESH_TOKEN_GRACE_DAYS ago,
   * in batches. Within the grace period a used token still reveals a replay (and revokes its family); after it,
   * a replayed token is merely unknown.
   */
  async purgeStale(maxBatches = 100): Promise<number> {
    const days = this.config.auth.refreshTokenGraceDays;
    let deleted = 0;
    for (let i = 0; i < maxBatches; i++) {
      const [, count] = await this.db.query<[unknown, number]>(
        `DELETE FROM refresh_tokens WHERE id IN (
           SELECT id FROM refresh_tokens WHERE expires_at < now() - make_interval(days => $1)
           UNION SELECT id FROM refresh_tokens WHERE used_at < now() - make_interval(days => $1)
           UNION SELECT id FROM refresh_tokens WHERE revoked_at < now() - make_interval(days => $1)
           LIMIT $2)`,
        [days, RETENTION_BATCH],
      );
      deleted += count ?? 0;
      if ((count ?? 0) < RETENTION_BATCH) break;
    }
    if (deleted) this.logger.log(`Deleted ${deleted} refresh tokens used, revoked or expired more than ${days} days ago`);
    return deleted;
  }

  private async insertPair(manager: EntityManager, user: User, familyId: string): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await manager.getRepository(RefreshToken).insert({
      userId: user.id,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + this.config.auth.refreshTtlSeconds * 1000),
    });
    const claims: AccessClaims = { sub: user.id, role: user.role, ver: user.tokenVersion };
    const accessToken = await this.jwt.signAsync(claims, { algorithm: 'HS256', expiresIn: this.config.auth.accessTtlSeconds });
    return { accessToken, refreshToken, expiresIn: this.config.auth.accessTtlSeconds };
  }
}

/** Serialises everything that reads or changes one family's revoked state (rotation, reuse, logout) across instances. */
function lockFamily(manager: EntityManager, familyId: string): Promise<unknown> {
  return manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FAMILY_LOCK_SPACE, familyId]);
}

/** FOR SHARE: a concurrent role or password change (and its trigger) waits for this transaction, and this one for it. */
function lockUser(manager: EntityManager, userId: string): Promise<User | null> {
  return manager.getRepository(User).findOne({ where: { id: userId }, lock: { mode: 'pessimistic_read' } });
}

function revokeFamily(manager: EntityManager, familyId: string): Promise<unknown> {
  return manager.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
}

/**
 * REFRESH_TOKENS_PER_USER: a login beyond that many live sessions (a family's unused, unrevoked, unexpired token) revokes
 * the families least recently refreshed, so a login flood leaves a bounded number of usable tokens; retention deletes
 * the revoked rows later. Two logins of one user serialise here, so they never lock each other's rows in two orders.
 */
async function capLiveSessions(manager: EntityManager, userId: string, max: number): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SESSION_CAP_LOCK_SPACE, userId]);
  await manager.query(
    `UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id IN (
       SELECT family_id FROM refresh_tokens WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
       ORDER BY created_at DESC, id DESC OFFSET $2)`,
    [userId, max],
  );
}
