import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BoundedMap } from '../common/bounded-map.js';
import { AppConfig } from '../config/app-config.js';
import { pgConnectionOf } from '../database/data-source-options.js';
import { NotificationListener } from '../database/notification-listener.js';
import type { UserRole } from '../users/user.entity.js';

export interface Credentials {
  role: UserRole;
  tokenVersion: number;
}

/** The channel the users table notifies on (migration CredentialsNotify): a user's id, or `*` for all. */
const CHANNEL = 'users_credentials';
/** A safety net only: an entry is dropped by its user's notification, and this bounds what a lost one could cost. */
const TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

/**
 * Each user's (role, token version) as this instance last read them, so the guard does not read the database on every
 * authenticated request, kept exact by PostgreSQL: the users table notifies `users_credentials` whenever a role or
 * token version changes or a user is deleted, and this instance forgets that user as the notification arrives (within
 * milliseconds of the commit, on every instance). While nothing listens (starting, a lost connection, a pooler that
 * cannot LISTEN) nothing is remembered and every request reads.
 *
 * A read that a notification overtakes is not remembered: `generation` counts notifications and resets, and a read
 * is kept only if none arrived while it ran (it may have read the row just before the change committed).
 */
@Injectable()
export class CredentialsCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Auth');
  private readonly entries = new BoundedMap<string, Credentials & { until: number }>(MAX_ENTRIES);
  private generation = 0;
  private readonly listener: NotificationListener;

  constructor(config: AppConfig) {
    this.listener = new NotificationListener({
      connection: pgConnectionOf(config.database.url!),
      channel: CHANNEL,
      onNotify: (userId) => this.forget(userId),
      onReset: () => this.forget('*'),
      warn: (message) => this.logger.warn(message),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.listener.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.listener.stop();
  }

  /**
   * The user's credentials, remembered or read by `read` (null: no such user). A remembered entry older than
   * `atLeastVersion` is read again: a token that new proves the change happened, even if its notification is still
   * on its way (a user promoted in SQL signs in again at once).
   */
  async get(userId: string, atLeastVersion: number, read: () => Promise<Credentials | null>): Promise<Credentials | null> {
    // ids are uuids, written lower-case by PostgreSQL and so in the notifications
    userId = userId.toLowerCase();
    const known = this.listener.listening ? this.entries.get(userId) : undefined;
    if (known && known.until > Date.now() && known.tokenVersion >= atLeastVersion) return known;
    const generation = this.generation;
    const credentials = await read();
    if (credentials && this.listener.listening && generation === this.generation) this.remember(userId, credentials);
    return credentials;
  }

  private remember(userId: string, credentials: Credentials): void {
    this.entries.set(userId, { ...credentials, until: Date.now() + TTL_MS });
  }

  private forget(userId: string): void {
    this.generation += 1;
    if (userId === '*') this.entries.clear();
    else this.entries.delete(userId.toLowerCase());
  }
}
