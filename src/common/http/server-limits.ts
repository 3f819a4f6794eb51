import type { Server } from 'node:http';

/** The HTTP_* limits of the configuration (config/limits-config.ts). */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no cap */
  maxConnections: number;
}

/** How often Node looks for requests past headersTimeout/requestTimeout (its default, 30 s, would double the wait). */
const CHECK_EVERY_MS = 1000;

/**
 * Node's HTTP server limits, set before `listen` (the checking interval is read when the server starts listening):
 * a client that never finishes its headers is answered 408 and closed after HTTP_HEADERS_TIMEOUT_MS (+ at most one
 * second), one whose request never finishes after HTTP_REQUEST_TIMEOUT_MS, an idle keep-alive connection after
 * HTTP_KEEP_ALIVE_TIMEOUT_MS, and beyond HTTP_MAX_CONNECTIONS open connections a new one is closed at once.
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(CHECK_EVERY_MS, limits.headersTimeoutMs);
}
