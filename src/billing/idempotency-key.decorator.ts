import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../common/errors/app-error.js';

/** The optional `Idempotency-Key` header: 1–255 visible ASCII characters (Stripe's own limit). */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7E]{1,255}$/.test(value)) {
    throw AppError.validation('Idempotency-Key must be 1 to 255 visible ASCII characters', { 'Idempotency-Key': ['must be 1 to 255 visible ASCII characters'] });
  }
  return value;
});
