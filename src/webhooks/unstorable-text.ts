import { sqlState } from '../common/errors/sql-state.js';

/**
 * PostgreSQL's text and jsonb cannot hold U+0000: `unsupported Unicode escape sequence` (22P05) or
 * `invalid byte sequence` (22021). A signed event holding one is still stored, with each NUL replaced by
 * U+FFFD and the reason in last_error, so it shows in the admin event log as failed instead of vanishing.
 */
export function isUnstorableText(error: unknown): boolean {
  const code = sqlState(error);
  return code === '22P05' || code === '22021';
}

export const NUL_REPLACEMENT = '\uFFFD';

/** A copy with every NUL in keys and strings replaced by U+FFFD. */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', NUL_REPLACEMENT) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withoutNul(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replaceAll('\u0000', NUL_REPLACEMENT), withoutNul(item)])) as T;
  }
  return value;
}
