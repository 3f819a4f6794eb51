/**
 * Stripe's subscription statuses as of API version 2026-10-28. Stripe keeps the set open (its SDK types end in
 * `| OtherString`), so the document lists them as an extensible enum: clients should handle an unknown value.
 */
export const KNOWN_SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due', 'unpaid', 'incomplete', 'incomplete_expired', 'paused', 'canceled'] as const;

/** `@ApiProperty(SUBSCRIPTION_STATUS_PROPERTY)` for a user's nullable Stripe subscription status. */
export const SUBSCRIPTION_STATUS_PROPERTY = {
  type: String,
  nullable: true,
  example: 'active',
  'x-extensible-enum': [...KNOWN_SUBSCRIPTION_STATUSES],
} as const;
