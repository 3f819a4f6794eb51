import { decodeCursor, type CursorPosition } from '../common/pagination/cursor.js';
import { AppError } from '../common/errors/app-error.js';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DEFAULT_LIMIT = 20;

/**
 * Decodes a cursor for a table keyed by uuid: a cursor whose id is not a uuid was not made by us,
 * and would otherwise reach PostgreSQL as a cast error (500) instead of a 400.
 */
export function decodeUuidCursor(cursor: string): CursorPosition {
  const position = decodeCursor(cursor);
  if (!UUID_PATTERN.test(position.id)) throw AppError.validation('cursor is malformed', { cursor: ['is malformed'] });
  return position;
}

/** `from` (inclusive) and `to` (exclusive) as dates; `from` after `to` is a 400 rather than an empty page. */
export function parseRange(from?: string, to?: string): { from: Date | null; to: Date | null } {
  const range = { from: from ? new Date(from) : null, to: to ? new Date(to) : null };
  if (range.from && range.to && range.from.getTime() > range.to.getTime()) {
    throw AppError.validation('from must not be after to', { from: ['must not be after to'] });
  }
  return range;
}
