/** Stripe's error envelope: `{ error: { type, code, message, param } }` with Stripe's status codes. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'api_error' | 'card_error' | 'idempotency_error' | 'authentication_error' | 'rate_limit_error',
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  static missing(kind: string, id: string, param = 'id'): EmulatorError {
    return new EmulatorError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);
  }

  static invalid(message: string, param?: string): EmulatorError {
    return new EmulatorError(400, 'invalid_request_error', message, 'parameter_invalid', param);
  }

  body() {
    return { error: { type: this.type, code: this.code, message: this.message, param: this.param } };
  }
}
