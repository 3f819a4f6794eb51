import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import Stripe from 'stripe';
import { AppError } from './app-error.js';
import { isBusy } from './busy-error.js';
import { sqlState } from './sql-state.js';
import { ERROR_STATUS, ErrorCode } from './error-code.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationError,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.ValidationError,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  requestId: string;
}

/**
 * Every error from every route leaves through here, in the contract's shape. Unknown errors become a
 * generic 500: their message may hold SQL or internals, so it is only logged.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private readonly busyLog = new ThrottledWarning(this.logger, 1000);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string; user?: { role?: string } }>();
    const res = ctx.getResponse<Response>();
    // Stripe's own words go to admins (and to the log line below), never to end users
    const { status, body, retryAfter } = this.toBody(exception, req.id ?? '', req.user?.role === 'admin');
    if (status >= 500) {
      const line = `${req.method} ${req.originalUrl?.split('?')[0]} -> ${status} ${body.error}: ${describe(exception)}`;
      // a local cap refusing work is expected under load: a warning, at most one a second, so a flood cannot flood the log
      if (isBusy(exception) || isBusy((exception as { cause?: unknown } | null)?.cause)) this.busyLog.warn(line);
      else this.logger.error(line);
    }
    if (res.headersSent) return;
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    res.status(status).json(body);
  }

  private toBody(exception: unknown, requestId: string, admin = false): { status: number; body: ErrorBody; retryAfter?: number } {
    if (exception instanceof AppError) {
      return {
        status: ERROR_STATUS[exception.code],
        body: { error: exception.code, message: exception.message, details: exception.details, requestId },
        retryAfter: exception.retryAfter,
      };
    }
    if (exception instanceof Stripe.errors.StripeError) return this.fromStripe(exception, requestId, admin);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.InternalError : ErrorCode.ValidationError);
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = status >= 500 ? 'Internal server error' : Array.isArray(raw) ? String(raw[0]) : typeof raw === 'string' ? raw : exception.message;
      return { status, body: { error: code, message, requestId } };
    }
    // body-parser errors carry `type` and `status`
    const parserError = exception as { type?: string; status?: number };
    if (parserError?.type === 'entity.too.large') {
      return { status: 413, body: { error: ErrorCode.PayloadTooLarge, message: 'Request body is too large', requestId } };
    }
    if (parserError?.type === 'entity.parse.failed') {
      return { status: 400, body: { error: ErrorCode.ValidationError, message: 'Request body is not valid JSON', requestId } };
    }
    if (parserError?.status && parserError.status >= 400 && parserError.status < 500 && typeof parserError.type === 'string') {
      return { status: 400, body: { error: ErrorCode.ValidationError, message: 'Request body could not be read', requestId } };
    }
    if (exception instanceof QueryFailedError && sqlState(exception) === '23505') {
      return { status: 409, body: { error: ErrorCode.Conflict, message: 'A record with these values already exists', requestId } };
    }
    if (isDatabaseUnavailable(exception)) {
      return { status: 503, body: { error: ErrorCode.ServiceUnavailable, message: 'The database is unavailable, try again shortly', requestId }, retryAfter: 5 };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: ErrorCode.InternalError, message: 'Internal server error', requestId } };
  }

  private fromStripe(error: InstanceType<typeof Stripe.errors.StripeError>, requestId: string, admin: boolean) {
    // the SDK wraps the Stripe client's own StripeBusyError (a BusyError) in a StripeConnectionError
    if (error instanceof Stripe.errors.StripeConnectionError && isBusy(error)) {
      return {
        status: 503,
        body: { error: ErrorCode.ServiceUnavailable, message: 'The service is busy talking to Stripe, try again shortly', requestId },
        retryAfter: 1,
      };
    }
    if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeRateLimitError) {
      return {
        status: 503,
        body: { error: ErrorCode.ServiceUnavailable, message: 'Stripe could not be reached, try again shortly', requestId },
        retryAfter: 5,
      };
    }
    if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
      // never echo what Stripe says about the key: it can quote part of it
      return { status: 502, body: { error: ErrorCode.StripeError, message: 'Stripe rejected the configured API key', requestId } };
    }
    // Stripe's message can name objects and ids ("No such customer: 'cus_…'"): users get a stable sentence per type
    const message = admin ? redactKeys(error.message || 'Stripe answered with an error') : userMessage(error);
    return {
      status: 502,
      body: { error: ErrorCode.StripeError, message, details: { type: error.type, code: error.code, requestId: error.requestId }, requestId },
    };
  }
}

/** Warnings of one kind at most once per `intervalMs`; the next one says how many were left out meanwhile. */
export class ThrottledWarning {
  private lastAt = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  warn(line: string): void {
    const now = Date.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed += 1;
      return;
    }
    this.lastAt = now;
    const more = this.suppressed ? ` (${this.suppressed} more like it since the last one)` : '';
    this.suppressed = 0;
    this.logger.warn(line + more);
  }
}

/** What an end user reads for each kind of Stripe error; the log line and admins get Stripe's own message. */
function userMessage(error: InstanceType<typeof Stripe.errors.StripeError>): string {
  if (error instanceof Stripe.errors.StripeCardError) return 'The payment method was declined';
  if (error instanceof Stripe.errors.StripeIdempotencyError) return 'This request conflicts with an earlier one with the same Idempotency-Key';
  if (error instanceof Stripe.errors.StripeInvalidRequestError) return 'Stripe could not carry out this request; contact support if it keeps happening';
  if (error instanceof Stripe.errors.StripeAPIError) return 'Stripe had a problem with this request, try again shortly';
  return 'Stripe answered with an error';
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = sqlState(error);
  if (code && CONNECTION_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    (error as { message?: string } | null)?.message ?? '',
  );
}

export function redactKeys(text: string): string {
  return text.replace(/\b(sk|rk|pk)_(test|live)_[A-Za-z0-9]+/g, '$1_$2_***').replace(/whsec_[A-Za-z0-9+/=]+/g, 'whsec_***');
}

function describe(error: unknown): string {
  if (error instanceof Error) return redactKeys(`${error.name}: ${error.message}`);
  return 'non-error thrown';
}
