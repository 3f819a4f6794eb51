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
  // the SDK refuses only signatures older than the tolerance; one from the future is refused as well (a replayable
  // delivery signed ahead of time, or a clock gone wrong)
  const signedAt = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header)?.[1];
  if (signedAt !== undefined && Number(signedAt) > Math.floor(Date.now() / 1000) + toleranceSeconds) {
    throw new AppError(ErrorCode.InvalidSignature, 'The signature timestamp is further in the future than the tolerance');
  }
  // Stripe's own check (signature.verifyHeader) on the raw bytes, then one JSON parse: this also accepts thin
  // event notifications, which constructEvent refuses by design
  const { signature } = Stripe.webhooks;
  if (!signature) throw new Error('The Stripe SDK offers no webhook signature check');
  const verified = secrets.some((secret) => {
    try {
      return signature.verifyHeader(rawBody, header, secret, toleranceSeconds);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false;
      throw error;
    }
  });
  if (!verified) throw new AppError(ErrorCode.InvalidSignature, 'No configured webhook secret matches the signature, or its timestamp is outside the tolerance');
  try {
    return JSON.parse(rawBody.toString('utf8')) as Stripe.Event;
  } catch {
    // a correctly signed body that is not JSON
    throw new AppError(ErrorCode.ValidationError, 'Webhook body is not a JSON Stripe event');
  }
}
