/** An id Stripe may send as a string or, when expanded, as an object. */
export const idOf = (value: string | { id: string } | null | undefined): string | null => (value ? (typeof value === 'string' ? value : value.id) : null);

/** Stripe's unix seconds as a Date. */
export const seconds = (value: number | null | undefined): Date | null => (typeof value === 'number' ? new Date(value * 1000) : null);
