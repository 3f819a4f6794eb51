import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { BoundedMap } from '../../common/bounded-map.js';
import { AppError } from '../../common/errors/app-error.js';
import { queryRows } from '../../database/query-rows.js';
import { MetricsService } from '../../observability/metrics.service.js';
import { AUTHENTICATE_KEY, INSERT_KEY, LIST_KEYS, REVOKE_KEY } from './api-keys.sql.js';

/** What a service key may do. */
export const API_KEY_SCOPES = ['usage:read', 'usage:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Every service key starts with this, so a leaked one is recognisable (secret scanners, logs) and never taken for a JWT. */
export const API_KEY_PREFIX = 'csk_';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ServiceKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * How long an instance trusts a key it has just authenticated without asking the database again. A revocation takes
 * effect at once on the instance that revoked the key, and within this long on the others.
 */
export const API_KEY_CACHE_MS = 1000;
/** Keys an instance remembers at most (each for API_KEY_CACHE_MS); past this, the oldest is dropped. */
const CACHED_KEYS = 1000;

/**
 * Service API keys: random, shown once, stored as a SHA-256 hash (the key has 256 random bits, so a fast hash is
 * enough: nothing to brute-force), with a short prefix kept in clear to recognise it in the list.
 */
@Injectable()
export class ApiKeysService {
  private readonly uses: Counter<'key_id' | 'outcome'>;
  /** live keys authenticated in the last API_KEY_CACHE_MS, by hash (never a refused key) */
  private readonly recent = new BoundedMap<string, { key: ServiceKey; until: number }>(CACHED_KEYS);
  /** moves with every revocation here, so a lookup that began before one does not cache what it found */
  private revocations = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    metrics: MetricsService,
  ) {
    this.uses = new Counter({
      name: 'api_key_requests_total',
      help: 'Requests authenticated with a service API key, by key id and outcome (ok, forbidden: the key lacks the scope)',
      labelNames: ['key_id', 'outcome'] as const,
      registers: [metrics.registry],
    });
  }

  async create(input: { name: string; scopes: ApiKeyScope[]; actorId: string }): Promise<{ row: ApiKeyRow; key: string }> {
    const secret = randomBytes(32).toString('base64url');
    const key = `${API_KEY_PREFIX}${secret}`;
    const prefix = key.slice(0, API_KEY_PREFIX.length + 8);
    const [row] = await this.db.query<ApiKeyRow[]>(INSERT_KEY, [input.name, prefix, hash(key), [...new Set(input.scopes)].sort(), input.actorId]);
    return { row, key };
  }

  list(): Promise<ApiKeyRow[]> {
    return this.db.query<ApiKeyRow[]>(LIST_KEYS);
  }

  async revoke(id: string): Promise<ApiKeyRow> {
    const [row] = queryRows<ApiKeyRow>(await this.db.query(REVOKE_KEY, [id]));
    if (!row) throw AppError.notFound('API key');
    this.revocations++;
    for (const [digest, { key }] of this.recent) if (key.id === id) this.recent.delete(digest);
    return row;
  }

  /**
   * The live key, or 401. A key this instance authenticated less than API_KEY_CACHE_MS ago is not looked up again:
   * a busy service key costs one lookup a second per instance instead of one per request (every use is still
   * counted, see countUse, and `last_used_at` is still written by the lookups, at most once a minute).
   */
  async authenticate(key: string): Promise<ServiceKey> {
    const digest = hash(key);
    const now = Date.now();
    const recent = this.recent.get(digest);
    if (recent && recent.until > now) return recent.key;
    const revocations = this.revocations;
    const [row] = await this.db.query<ServiceKey[]>(AUTHENTICATE_KEY, [digest]);
    this.recent.delete(digest);
    if (!row) throw AppError.unauthorized('Invalid or revoked API key');
    if (revocations !== this.revocations) return row;
    this.recent.set(digest, { key: row, until: now + API_KEY_CACHE_MS });
    return row;
  }

  /** Counts one request of the key (the per-key metric). */
  countUse(keyId: string, outcome: 'ok' | 'forbidden'): void {
    this.uses.inc({ key_id: keyId, outcome });
  }
}
