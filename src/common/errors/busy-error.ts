/**
 * A local cap on work in flight was reached (for example STRIPE_MAX_CONCURRENCY): the caller gets a quick 503
 * with Retry-After instead of a queue. Lower layers' clients throw subclasses of it; the exception filter, which
 * sits below them, recognises the base class without knowing who threw it.
 */
export abstract class BusyError extends Error {}

/** True when `error` is a BusyError or wraps one as its `detail` (how the Stripe SDK wraps its HTTP client's errors). */
export function isBusy(error: unknown): boolean {
  return error instanceof BusyError || (error as { detail?: unknown } | null)?.detail instanceof BusyError;
}
