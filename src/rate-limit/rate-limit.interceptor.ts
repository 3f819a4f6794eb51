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
    const policyOf = this.reflector.get<((config: AppConfig) => RateLimitPolicy | RateLimitPolicy[]) | undefined>(RATE_LIMIT_KEY, context.getHandler());
    if (!policyOf) return next.handle();
    const policies = [policyOf(this.config)].flat();
    const req = context.switchToHttp().getRequest<Request & { user?: { id: string } }>();
    // every policy is counted, so a flood over one of them still fills the others' windows (one statement each)
    let refused: { policy: RateLimitPolicy; retryAfter: number } | undefined;
    const refundable: RateLimitKey[] = [];
    for (const policy of policies) {
      const keys = keysOf(policy, req);
      const retryAfter = await this.limiter.hit(keys, policy.windowSeconds);
      if (retryAfter > 0 && (!refused || retryAfter > refused.retryAfter)) refused = { policy, retryAfter };
      if (policy.count === 'failures') refundable.push(...keys);
    }
    if (refused) throw new AppError(ErrorCode.RateLimited, refused.policy.message, { retryAfterSeconds: refused.retryAfter }, refused.retryAfter);
    if (!refundable.length) return next.handle();
    // a success is taken back before the answer leaves, so only failures stay counted
    return next.handle().pipe(
      mergeMap(async (value: unknown) => {
        await this.limiter.refund(refundable).catch((error: unknown) => this.logger.warn(`refund failed: ${error instanceof Error ? error.message : String(error)}`));
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
