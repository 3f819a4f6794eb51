import type Stripe from 'stripe';

/** The address Stripe's fixtures give wherever none is known: every field present and null (a fresh object each time). */
export const blankAddress = (): Stripe.Address => ({ city: null, country: null, line1: null, line2: null, postal_code: null, state: null });
