import Stripe from 'stripe';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

/**
 * Verifies a delivery against every configured secret (rotation, several endpoints) on the raw bytes
 * Stripe signed; a parsed-and-re-serialised body would never match.
 */
export function verifyStripeSignature(rawBody: Buffer | undefined, header: unknown, secrets: string[], toleranceSeconds: number): Stripe.Event {
  if (typeof header !== 'string' || header.length === 0 || header.length > 2048) {
    throw new AppError(ErrorCode.InvalidSignature, 'Missing or malformed Stripe-Signature header');
  }
  if (!rawBody || rawBody.length === 0) throw new AppError(ErrorCode.InvalidSignature, 'Empty body: nothing was signed');
  for (const secret of secrets) {
    try {
      return Stripe.webhooks.constructEvent(rawBody, header, secret, toleranceSeconds);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) {
        // a correctly signed body that is not JSON
        throw new AppError(ErrorCode.ValidationError, 'Webhook body is not a JSON Stripe event');
      }
    }
  }
  throw new AppError(ErrorCode.InvalidSignature, 'No configured webhook secret matches the signature, or its timestamp is outside the tolerance');
}
