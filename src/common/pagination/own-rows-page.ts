import type { ObjectLiteral, Repository } from 'typeorm';
import { decodeCursor, toPage } from './cursor.js';

/** One page of a user's own rows, newest first, keyset-paged over (created_at, id) with `cursor`. */
export async function ownRowsPage<R extends ObjectLiteral & { createdAt: Date; id: string; userId: string | null }, T>(
  repo: Repository<R>,
  query: { userId: string; limit: number; cursor?: string },
  map: (row: R) => T,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const qb = repo
    .createQueryBuilder('r')
    .where('r.userId = :userId', { userId: query.userId })
    .orderBy('r.createdAt', 'DESC')
    .addOrderBy('r.id', 'DESC')
    .take(query.limit + 1);
  if (query.cursor) qb.andWhere('(r.createdAt, r.id) < (:createdAt, :id)', decodeCursor(query.cursor));
  return toPage(await qb.getMany(), query.limit, map);
}
