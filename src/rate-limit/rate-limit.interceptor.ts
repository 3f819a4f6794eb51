import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { mergeMap, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { RATE_LIMIT_KEY, type RateLimitPolicy } from './rate-limit.policy.js';
import { RateLimitService, throttleKey, type RateLimitKey } from './rate-limit.service.js';

@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimitService,
    private readonly config: AppConfig,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const policyOf = this.reflector.get<((config: AppConfig) => RateLimitPolicy) | undefined>(RATE_LIMIT_KEY, context.getHandler());
    if (!policyOf) return next.handle();
    const policy = policyOf(this.config);
    const keys = keysOf(policy, context.switchToHttp().getRequest<Request & { user?: { id: string } }>());
    const retryAfter = await this.limiter.hit(keys, policy.windowSeconds);
    if (retryAfter > 0) throw new AppError(ErrorCode.RateLimited, policy.message, { retryAfterSeconds: retryAfter }, retryAfter);
    if (policy.count === 'requests') return next.handle();
    // a success is taken back before the answer leaves, so only failures stay counted
    return next.handle().pipe(
      mergeMap(async (value: unknown) => {
        await this.limiter.refund(keys).catch((error: unknown) => this.logger.warn(`refund failed: ${error instanceof Error ? error.message : String(error)}`));
        return value;
      }),
    );
  }
}

function keysOf(policy: RateLimitPolicy, req: Request & { user?: { id: string } }): RateLimitKey[] {
  const keys: RateLimitKey[] = [];
  const { ip: ipLimit, email: emailLimit, user: userLimit } = policy.limits;
  if (ipLimit !== undefined) keys.push({ key: throttleKey(policy.name, 'ip', req.ip ?? req.socket.remoteAddress ?? 'unknown'), limit: ipLimit });
  const email = (req.body as { email?: unknown } | undefined)?.email;
  if (emailLimit !== undefined && typeof email === 'string' && email.trim()) keys.push({ key: throttleKey(policy.name, 'email', email.trim().toLowerCase()), limit: emailLimit });
  if (userLimit !== undefined && req.user?.id) keys.push({ key: throttleKey(policy.name, 'user', req.user.id), limit: userLimit });
  return keys;
}
