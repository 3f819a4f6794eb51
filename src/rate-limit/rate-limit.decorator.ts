import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { RateLimitInterceptor } from './rate-limit.interceptor.js';
import { RATE_LIMIT_KEY, type RateLimitPolicy } from './rate-limit.policy.js';

export type { RateLimitPolicy, RateLimitScope } from './rate-limit.policy.js';

/**
 * Throttles a route with counters shared by every instance (PostgreSQL): over a limit it answers 429
 * `rate_limited` with Retry-After. The policy is read from the configuration at request time; several policies
 * (e.g. failures and every attempt) are all counted. Runs after the guards (so `user` is known) and before validation.
 */
export function RateLimit(policy: (config: AppConfig) => RateLimitPolicy | RateLimitPolicy[]) {
  return applyDecorators(SetMetadata(RATE_LIMIT_KEY, policy), UseInterceptors(RateLimitInterceptor), ApiErrors(ErrorCode.RateLimited));
}
