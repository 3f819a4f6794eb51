import type { EntityManager } from 'typeorm';

/**
 * The advisory-lock space of "one Stripe customer's changes": every transaction that changes a customer's
 * subscriptions, grants or plan (webhook events, confirm, sync, plan changes) takes this lock first, so two of them
 * never take those rows' locks in opposite orders (a deadlock, then a 500 and a retry).
 */
export const CUSTOMER_LOCK_SPACE = 7001;

/** The Stripe customer an event's object belongs to, when it names one. */
export function customerOfObject(object: unknown): string | null {
  const customer = (object as { customer?: unknown } | null)?.customer;
  if (typeof customer === 'string') return customer;
  const id = (customer as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/** Takes the customer's lock for the rest of the transaction (nothing without a customer). */
export async function lockCustomer(manager: EntityManager, customerId: string | null): Promise<void> {
  if (customerId) await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CUSTOMER_LOCK_SPACE, customerId]);
}
