/*
 * Helpers for reading form-encoded Stripe parameters.
 */

export type Params = Record<string, unknown>;

/** A non-empty string parameter, or undefined (Stripe's forms send '' to unset). */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
