/**
 * The abuse and load limits (issue 29), kept apart from app-config.ts so that file stays a screen of areas.
 * Each default is one an honest user never meets; docs/security.md says what load each was tried with.
 */
export interface LimitsConfig {
  /** checkout creations per user per RATE_LIMIT_WINDOW_SECONDS (CHECKOUT_RATE_LIMIT_PER_USER) */
  checkoutPerUser: number;
  /** plan-change previews per user per window (SUBSCRIPTION_PREVIEW_RATE_LIMIT_PER_USER) */
  previewPerUser: number;
  /** plan changes, cancels, resumes and portal sessions per user per window (SUBSCRIPTION_RATE_LIMIT_PER_USER) */
  subscriptionPerUser: number;
  /** open Checkout Sessions one user may hold; the oldest is expired in Stripe before one more is made (CHECKOUT_MAX_OPEN_SESSIONS_PER_USER) */
  maxOpenSessionsPerUser: number;
  /** checkouts of one user waiting in this process behind the running one; one more answers 429 (CHECKOUT_QUEUE_PER_USER) */
  checkoutQueuePerUser: number;
  /** how long a queued checkout waits for its turn before 429 (CHECKOUT_QUEUE_WAIT_MS) */
  checkoutQueueWaitMs: number;
  /** every login (successful or not) per client IP and per email per login window (LOGIN_RATE_LIMIT_ALL_PER_IP / _PER_EMAIL) */
  loginAllPerIp: number;
  loginAllPerEmail: number;
  /** live refresh tokens one user may hold; a new login revokes the oldest beyond it (REFRESH_TOKENS_PER_USER) */
  refreshTokensPerUser: number;
  /** Stripe calls in flight for one user on one instance, a share of STRIPE_MAX_CONCURRENCY (STRIPE_MAX_CONCURRENCY_PER_USER) */
  stripeConcurrencyPerUser: number;
  /** Node's HTTP server limits (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS; 0: no cap) */
  server: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
}

type IntReader = (name: string, fallback: number, min: number, max: number) => number;

export function loadLimits(int: IntReader): LimitsConfig {
  // 20 s + the one-second check: a client that never finishes its headers is gone well within 30 s
  const headersTimeoutMs = int('HTTP_HEADERS_TIMEOUT_MS', 20_000, 100, 600_000);
  return {
    checkoutPerUser: int('CHECKOUT_RATE_LIMIT_PER_USER', 10, 1, 1_000_000),
    previewPerUser: int('SUBSCRIPTION_PREVIEW_RATE_LIMIT_PER_USER', 30, 1, 1_000_000),
    subscriptionPerUser: int('SUBSCRIPTION_RATE_LIMIT_PER_USER', 10, 1, 1_000_000),
    maxOpenSessionsPerUser: int('CHECKOUT_MAX_OPEN_SESSIONS_PER_USER', 3, 1, 100),
    checkoutQueuePerUser: int('CHECKOUT_QUEUE_PER_USER', 5, 0, 1000),
    checkoutQueueWaitMs: int('CHECKOUT_QUEUE_WAIT_MS', 20_000, 100, 120_000),
    loginAllPerIp: int('LOGIN_RATE_LIMIT_ALL_PER_IP', 60, 1, 1_000_000),
    loginAllPerEmail: int('LOGIN_RATE_LIMIT_ALL_PER_EMAIL', 10, 1, 1_000_000),
    refreshTokensPerUser: int('REFRESH_TOKENS_PER_USER', 10, 1, 10_000),
    stripeConcurrencyPerUser: int('STRIPE_MAX_CONCURRENCY_PER_USER', 4, 1, 10_000),
    server: {
      headersTimeoutMs,
      // Node wants requestTimeout >= headersTimeout: the whole request (body included) gets a minute by default
      requestTimeoutMs: int('HTTP_REQUEST_TIMEOUT_MS', Math.max(60_000, headersTimeoutMs), headersTimeoutMs, 3_600_000),
      keepAliveTimeoutMs: int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5000, 100, 600_000),
      maxConnections: int('HTTP_MAX_CONNECTIONS', 1000, 0, 1_000_000),
    },
  };
}
