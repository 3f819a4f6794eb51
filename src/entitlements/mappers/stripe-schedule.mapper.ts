import type Stripe from 'stripe';
import { priceFacts, type PriceFacts } from '../plan-catalogue.service.js';
import { idOf, seconds } from './stripe-values.js';

/** The statuses of a schedule that still manages its subscription; the others (released, canceled, completed) let it go. */
const MANAGING: ReadonlySet<string> = new Set(['active', 'not_started']);

export const isManagingSchedule = (schedule: Pick<Stripe.SubscriptionSchedule, 'status'>): boolean => MANAGING.has(schedule.status);

export interface ScheduleFacts {
  id: string;
  subscriptionId: string | null;
  /** whether the schedule still manages the subscription */
  managing: boolean;
  /** the phase after the current one: its items and when it starts; null when none follows */
  next: { items: PhaseItem[]; at: Date } | null;
}

/**
 * A subscription schedule as facts. The next phase is the first that starts at or after the end of the current one
 * (a schedule keeps its past phases in `phases`); a schedule that has not started has no next phase to report.
 */
export function scheduleFacts(schedule: Stripe.SubscriptionSchedule): ScheduleFacts {
  const currentEnd = schedule.current_phase?.end_date ?? null;
  const next = currentEnd === null ? undefined : schedule.phases.find((p) => p.start_date >= currentEnd);
  return {
    id: schedule.id,
    subscriptionId: idOf(schedule.subscription) ?? idOf(schedule.released_subscription),
    managing: isManagingSchedule(schedule),
    next: next ? { items: next.items.map(phaseItem), at: seconds(next.start_date)! } : null,
  };
}

/** A phase's item with its price as a plain id or a live (expanded) price; a deleted price counts as its id. */
export interface PhaseItem {
  price: Stripe.Price | string;
  quantity?: number;
}

const phaseItem = (item: Stripe.SubscriptionSchedule.Phase.Item): PhaseItem => ({
  price: typeof item.price === 'object' && 'deleted' in item.price && item.price.deleted ? item.price.id : item.price,
  quantity: item.quantity,
});

/** A phase item's price as facts, and its interval when the price came expanded. */
export function phasePrice(item: PhaseItem | undefined): { price: PriceFacts; interval: 'month' | 'year' | null } {
  const price = item?.price;
  const recurring: string | undefined = price && typeof price === 'object' ? price.recurring?.interval : undefined;
  return { price: priceFacts(price), interval: recurring === 'month' || recurring === 'year' ? recurring : null };
}
