import { createHash } from 'node:crypto';
import type { Subscription } from '../entitlements/entities/subscription.entity.js';

/**
 * A Stripe idempotency key tied to the stored state a change was sent against (its price, status, schedule and the
 * time of the state) and to what the change asks (`parts`): a retry against the same state is the same key, so Stripe
 * changes nothing twice; a client key replayed after later changes is a new key, so it can never make Stripe answer
 * (or us store) the subscription as it was back then.
 */
export function stateKey(prefix: string, live: Subscription, ...parts: string[]): string {
  return hashedKey(prefix, live.id, [...parts, live.priceId ?? '', live.status, live.scheduleId ?? '', live.scheduledPriceId ?? '', live.stateAt?.toISOString() ?? '']);
}

/**
 * A Stripe idempotency key of `owner` for what a request asks (`parts`): the same parts are the same key, other parts
 * another key, since Stripe refuses a key reused with other parameters (for 24 hours) instead of answering either.
 */
export function hashedKey(prefix: string, owner: string, parts: string[]): string {
  return `${prefix}-${owner}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}`;
}
