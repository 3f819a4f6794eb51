import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error.js';

/** Paths whose body is not JSON-for-a-DTO: the Stripe webhook reads its raw bytes and checks their signature. */
export const RAW_BODY_PATHS = new Set(['/api/webhooks/stripe']);

/**
 * A request that carries a body must say `Content-Type: application/json`. Form-encoded and text bodies are
 * what a cross-site HTML form can send without a CORS preflight, so accepting them would let any web page
 * drive the API with a visitor's browser; they are a 400 `validation_error` (the contract's nearest code)
 * before any parser or route sees them. Bodiless requests (POST /api/billing/portal) pass, and a body without
 * a Content-Type is left unparsed (the DTO then refuses what it lacks).
 */
export function jsonOnlyMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  // every body a browser form or a no-cors fetch can send has a Content-Type; a body without one is never parsed
  if (!hasBody || !req.headers['content-type'] || RAW_BODY_PATHS.has(req.path) || req.is('application/json')) return next();
  next(
    AppError.validation('Content-Type must be application/json', {
      'content-type': [`must be application/json (got ${JSON.stringify(String(req.headers['content-type'] ?? 'none').slice(0, 100))})`],
    }),
  );
}
