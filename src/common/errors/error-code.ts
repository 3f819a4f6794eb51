/** The contract's stable machine codes, and the one table that maps them to HTTP statuses. */
export enum ErrorCode {
  ValidationError = 'validation_error',
  InvalidSignature = 'invalid_signature',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  PaymentRequired = 'payment_required',
  /** a usage track past the user's limit and credits (issue 31) */
  LimitExceeded = 'limit_exceeded',
  /** a route gated by @RequiresFeature for a user whose plan lacks the feature */
  FeatureRequired = 'feature_required',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limited',
  InternalError = 'internal_error',
  StripeError = 'stripe_error',
  StripeNotConfigured = 'stripe_not_configured',
  ServiceUnavailable = 'service_unavailable',
}

export const ERROR_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.ValidationError]: 400,
  [ErrorCode.InvalidSignature]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.PaymentRequired]: 402,
  [ErrorCode.LimitExceeded]: 402,
  [ErrorCode.FeatureRequired]: 403,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.InternalError]: 500,
  [ErrorCode.StripeError]: 502,
  [ErrorCode.StripeNotConfigured]: 503,
  [ErrorCode.ServiceUnavailable]: 503,
};
