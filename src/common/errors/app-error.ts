import { ErrorCode } from './error-code.js';

/** A domain error: services throw it with a code; the exception filter turns it into HTTP. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** seconds, for 429 and 503 answers */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(what: string): AppError {
    return new AppError(ErrorCode.NotFound, `${what} not found`);
  }

  static unauthorized(message = 'Authentication required'): AppError {
    return new AppError(ErrorCode.Unauthorized, message);
  }

  static forbidden(message = 'You are not allowed to do this'): AppError {
    return new AppError(ErrorCode.Forbidden, message);
  }

  static conflict(message: string, details?: Record<string, unknown>): AppError {
    return new AppError(ErrorCode.Conflict, message, details);
  }

  static validation(message: string, fields?: Record<string, string[]>): AppError {
    return new AppError(ErrorCode.ValidationError, message, fields ? { fields } : undefined);
  }
}
