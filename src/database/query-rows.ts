/**
 * The rows of `manager.query(...)`: TypeORM's PostgreSQL driver answers SELECT and INSERT … RETURNING with the
 * rows, and UPDATE/DELETE … RETURNING with `[rows, affectedCount]`.
 */
export function queryRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
