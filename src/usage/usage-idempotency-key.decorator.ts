import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../common/errors/app-error.js';

/** The required `Idempotency-Key` header of a track: 1–255 visible ASCII characters (Stripe's own limit). */
export const RequiredIdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (typeof value !== 'string' || !/^[\x21-\x7E]{1,255}$/.test(value)) {
    throw AppError.validation('Idempotency-Key is required: 1 to 255 visible ASCII characters', { 'Idempotency-Key': ['must be 1 to 255 visible ASCII characters'] });
  }
  return value;
});
