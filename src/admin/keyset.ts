import { decodeCursor, type CursorPosition } from '../common/pagination/cursor.js';
import { AppError } from '../common/errors/app-error.js';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DEFAULT_LIMIT = 20;

/**
 * Decodes a cursor for a table keyed by uuid: a cursor whose id is not a uuid was not made by us,
 * and would otherwise reach PostgreSQL as a cast error (500) instead of a 400.
 */
export function decodeUuidCursor(cursor: string): CursorPosition {
  const position = decodeKeysetCursor(cursor);
  if (!UUID_PATTERN.test(position.id)) throw malformed();
  return position;
}

/** A cursor whose time PostgreSQL could not hold (JS dates reach far further) was not made by us either. */
export function decodeKeysetCursor(cursor: string): CursorPosition {
  const position = decodeCursor(cursor);
  const year = position.createdAt.getUTCFullYear();
  if (year < 1900 || year > 9999) throw malformed();
  return position;
}

const malformed = () => AppError.validation('cursor is malformed', { cursor: ['is malformed'] });

/** `from` (inclusive) and `to` (exclusive) as dates; `from` after `to` is a 400 rather than an empty page. */
export function parseRange(from?: string, to?: string): { from: Date | null; to: Date | null } {
  const range = { from: from ? new Date(from) : null, to: to ? new Date(to) : null };
  for (const [field, date] of Object.entries(range)) {
    // ISO 8601 allows years PostgreSQL cannot store; refuse them here rather than fail in SQL
    if (date && (date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999)) throw AppError.validation(`${field} is out of range`, { [field]: ['is out of range'] });
  }
  if (range.from && range.to && range.from.getTime() > range.to.getTime()) {
    throw AppError.validation('from must not be after to', { from: ['must not be after to'] });
  }
  return range;
}
