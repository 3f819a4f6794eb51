import { AppError } from '../common/errors/app-error.js';

// cursors are decoded by the one decoder of every list: decodeCursor in common/pagination/cursor.ts
export { UUID_PATTERN } from '../common/pagination/cursor.js';
export const DEFAULT_LIMIT = 20;

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
