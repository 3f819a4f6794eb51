import type Stripe from 'stripe';
import { AppError } from '../common/errors/app-error.js';

/** Stripe's event ids (v1 snapshot and v2 thin events alike). */
export const EVENT_ID = /^evt_[A-Za-z0-9_]{1,250}$/;

/** A signed body is trusted as coming from Stripe, but its shape is still checked before it is stored. */
export function assertEventShape(event: unknown): asserts event is Stripe.Event {
  const e = event as Partial<Stripe.Event> | null;
  const fields: Record<string, string[]> = {};
  if (!e || typeof e !== 'object') throw AppError.validation('Webhook body is not a Stripe event');
  if (typeof e.id !== 'string' || !EVENT_ID.test(e.id)) fields.id = ['must be a Stripe event id (evt_…)'];
  if (typeof e.type !== 'string' || !/^[a-z_.]{1,100}$/.test(e.type)) fields.type = ['must be an event type'];
  if (typeof e.created !== 'number' || !Number.isInteger(e.created) || e.created <= 0) fields.created = ['must be a Unix timestamp'];
  if (typeof e.livemode !== 'boolean') fields.livemode = ['must be a boolean'];
  const object = (e.data as { object?: { id?: unknown } } | undefined)?.object;
  if (!object || typeof object !== 'object') fields['data.object'] = ['must be an object'];
  const keys = Object.keys(fields);
  if (keys.length) throw AppError.validation(`${keys[0]} ${fields[keys[0]][0]}`, fields);
}

/** The id of `data.object` (cs_…, sub_…, in_…), used to find an object's events. */
export function eventObjectId(event: Stripe.Event): string | null {
  const id = (event.data.object as { id?: unknown }).id;
  return typeof id === 'string' ? id.slice(0, 255) : null;
}
