/** Keys whose values are bearer secrets in Stripe objects (a PaymentIntent's or embedded Checkout's `client_secret`). */
const SECRET_KEYS = new Set(['client_secret']);

/** A deep copy of a stored Stripe payload with secret values replaced, for admin eyes. */
export function redactPayload(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPayload);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEYS.has(key) && inner !== null ? '[redacted]' : redactPayload(inner)]));
  }
  return value;
}
