export const RATE_LIMIT_KEY = 'rate-limit';

/** Who a request is counted against: the client IP (as `trust proxy` resolves it), the body's email, the signed-in user. */
export type RateLimitScope = 'ip' | 'email' | 'user';

export interface RateLimitPolicy {
  /** the counter's namespace, e.g. `login` */
  name: string;
  /** the limit per window of each scope counted */
  limits: Partial<Record<RateLimitScope, number>>;
  windowSeconds: number;
  /** count only requests that fail (a success is taken back), or every request */
  count: 'failures' | 'requests';
  message: string;
}
