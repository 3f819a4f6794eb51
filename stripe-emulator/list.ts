import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import type { Params } from './params.js';

/** A Stripe list page over items already ordered newest first, with `limit`, `starting_after`, `ending_before`. */
export function listPage<T extends { id: string }>(items: T[], params: Params, url: string) {
  const limit = Math.min(100, Math.max(1, Number(params.limit ?? 10) || 10));
  const after = params.starting_after as string | undefined;
  const before = params.ending_before as string | undefined;
  let start = 0;
  let end = items.length;
  if (after) {
    const index = items.findIndex((i) => i.id === after);
    if (index === -1) throw EmulatorError.missing('object', after, 'starting_after');
    start = index + 1;
  }
  if (before) {
    const index = items.findIndex((i) => i.id === before);
    if (index === -1) throw EmulatorError.missing('object', before, 'ending_before');
    end = index;
    start = Math.max(0, end - limit);
  }
  const data = items.slice(start, Math.min(end, start + limit));
  const hasMore = before ? start > 0 : start + limit < end;
  return { object: 'list', data, has_more: hasMore, url };
}

function createdMatches(created: number, filter: unknown): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return created === Number(filter);
  const range = filter as Record<string, string>;
  if (range.gte !== undefined && created < Number(range.gte)) return false;
  if (range.gt !== undefined && created <= Number(range.gt)) return false;
  if (range.lte !== undefined && created > Number(range.lte)) return false;
  if (range.lt !== undefined && created >= Number(range.lt)) return false;
  return true;
}

function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

/** GET /v1/events filters: `type` (with `*`), `types[]`, `created[gte|gt|lte|lt]`, `delivery_success`. */
export function filterEvents(events: Stripe.Event[], params: Params, delivered: Map<string, boolean>): Stripe.Event[] {
  const types = params.types as string[] | undefined;
  const type = params.type as string | undefined;
  const delivery = params.delivery_success as string | undefined;
  return events
    .filter((e) => (type ? typeMatches(e.type, type) : true))
    .filter((e) => (types?.length ? types.some((t) => typeMatches(e.type, t)) : true))
    .filter((e) => createdMatches(e.created, params.created))
    .filter((e) => (delivery === undefined ? true : (delivered.get(e.id) ?? false) === (delivery === 'true')))
    .reverse();
}
