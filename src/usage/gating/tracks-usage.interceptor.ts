import { randomUUID } from 'node:crypto';
import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiPaymentRequiredResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../../auth/guards/jwt-auth.guard.js';
import { AppError } from '../../common/errors/app-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { MAX_USAGE_AMOUNT } from '../../config/usage-config.js';
import { UsageService } from '../usage.service.js';

/** How much of the feature a request uses, read from the request (its validated body, params or query). */
export type AmountFrom = (req: Request) => number;

interface TracksUsageOptions {
  feature: string;
  amountFrom: AmountFrom;
}

const TRACKS_USAGE = 'usage:tracks';

/**
 * Checks before the handler that the signed-in user may use the amount (402 `limit_exceeded` otherwise, and the
 * handler does not run), then records it once the handler has succeeded, through the same track as
 * `POST /api/usage/track` (one conditional statement; the request's `Idempotency-Key`, when it has one, makes a
 * retried request count once). A failed handler records nothing. Two requests that both pass the check may still
 * find the limit reached when they record: the later one then answers 402 too, and its result is not sent.
 */
@Injectable()
export class TracksUsageInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly usage: UsageService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const options = this.reflector.get<TracksUsageOptions>(TRACKS_USAGE, context.getHandler());
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!req.user) throw AppError.unauthorized('Authentication required');
    const userId = req.user.id;
    const amount = options.amountFrom(req);
    if (!Number.isInteger(amount) || amount < 1 || amount > MAX_USAGE_AMOUNT)
      throw AppError.validation(`The amount of ${options.feature} must be a whole number from 1 to ${MAX_USAGE_AMOUNT}`);
    const check = await this.usage.check(userId, options.feature, amount);
    if (!check.allowed) {
      throw new AppError(ErrorCode.LimitExceeded, `${options.feature}: ${amount} is more than the ${check.remaining} remaining`, {
        remaining: check.remaining,
        limit: check.limit,
        resetsAt: check.resetsAt,
      });
    }
    const header = req.headers['idempotency-key'];
    const key = typeof header === 'string' && /^[\x21-\x7E]{1,255}$/.test(header) ? `request:${header}` : `request:${randomUUID()}`;
    return next.handle().pipe(
      mergeMap((result: unknown) =>
        from(
          (async () => {
            await this.usage.track(userId, options.feature, amount, key.slice(0, 255));
            return result;
          })(),
        ),
      ),
    );
  }
}

/** Checks and records `amountFrom(req)` of `feature` for the signed-in user around the handler (see TracksUsageInterceptor). */
export function TracksUsage(feature: string, amountFrom: AmountFrom) {
  return applyDecorators(
    SetMetadata(TRACKS_USAGE, { feature, amountFrom } satisfies TracksUsageOptions),
    UseInterceptors(TracksUsageInterceptor),
    ApiPaymentRequiredResponse({ type: ErrorResponseDto, description: `Past the limit of \`${feature}\` (\`limit_exceeded\`, with \`details.remaining\`)` }),
  );
}
