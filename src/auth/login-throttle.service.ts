import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window login attempt counters per client IP and per email, kept in memory (per instance):
 * guessing one account's password from many IPs is slowed by the email key, spraying from one IP by the IP key.
 */
@Injectable()
export class LoginThrottleService {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly config: AppConfig) {}

  /** Counts an attempt; throws 429 once either key is over its limit. */
  hit(ip: string, email: string): void {
    const now = Date.now();
    const { loginLimitPerIp, loginLimitPerEmail, loginWindowSeconds } = this.config.auth;
    const windowMs = loginWindowSeconds * 1000;
    if (this.windows.size > 100_000) this.sweep(now);
    const retryAfter = Math.max(this.count(`ip:${ip}`, now, windowMs, loginLimitPerIp), this.count(`email:${email.trim().toLowerCase()}`, now, windowMs, loginLimitPerEmail));
    if (retryAfter > 0) {
      throw new AppError(ErrorCode.RateLimited, 'Too many login attempts, try again later', { retryAfterSeconds: retryAfter }, retryAfter);
    }
  }

  /** Returns 0 when under the limit, otherwise the seconds until the window resets. */
  private count(key: string, now: number, windowMs: number, limit: number): number {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return window.count > limit ? Math.ceil((window.resetAt - now) / 1000) : 0;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
