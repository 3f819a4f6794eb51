import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import type { EmulatorStore } from './store.js';

type Params = Record<string, unknown>;
type Route = [string, RegExp, (params: Params, match: RegExpExecArray) => unknown];

/** Stripe enforces an identifier's uniqueness for at least 24 hours; the emulator, for its whole life. */
const meterEventsByStore = new WeakMap<EmulatorStore, Map<string, Stripe.Billing.MeterEvent>>();

/** The meter events the emulator accepted, oldest first (for tests and the renewal invoice's usage line). */
export function meterEvents(store: EmulatorStore): Stripe.Billing.MeterEvent[] {
  return [...(meterEventsByStore.get(store)?.values() ?? [])];
}

/** The sum of the accepted events' values for one event name and customer (what a `sum` meter aggregates). */
export function meteredTotal(store: EmulatorStore, eventName: string, customer: string): number {
  return meterEvents(store)
    .filter((e) => e.event_name === eventName && e.payload.stripe_customer_id === customer)
    .reduce((sum, e) => sum + Number(e.payload.value), 0);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * `POST /v1/billing/meter_events`, checked as Stripe checks synchronously: `event_name` and
 * `payload[stripe_customer_id]` required, `payload[value]` a number, `timestamp` within the past 35 days or up to 5
 * minutes ahead, and an identifier already seen refused ("An event already exists with identifier …").
 */
export function createMeterEvent(store: EmulatorStore, params: Params): Stripe.Billing.MeterEvent {
  const events = meterEventsByStore.get(store) ?? new Map<string, Stripe.Billing.MeterEvent>();
  meterEventsByStore.set(store, events);
  const eventName = typeof params.event_name === 'string' ? params.event_name : '';
  if (!eventName || eventName.length > 100) throw EmulatorError.invalid('Missing required param: event_name.', 'event_name');
  const payload = (params.payload ?? {}) as Record<string, unknown>;
  if (typeof payload.stripe_customer_id !== 'string' || !payload.stripe_customer_id) {
    throw EmulatorError.invalid('Missing required payload key: stripe_customer_id.', 'payload[stripe_customer_id]');
  }
  if (typeof payload.value !== 'string' || !/^-?\d+(\.\d+)?$/.test(payload.value)) throw EmulatorError.invalid('payload[value] must be a number.', 'payload[value]');
  const now = nowSeconds();
  const timestamp = params.timestamp === undefined ? now : Number(params.timestamp);
  if (!Number.isInteger(timestamp) || timestamp < now - 35 * 86400 || timestamp > now + 300) {
    throw EmulatorError.invalid('Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.', 'timestamp');
  }
  const identifier = typeof params.identifier === 'string' && params.identifier ? params.identifier : `mev_${Math.random().toString(36).slice(2, 18)}`;
  if (identifier.length > 100) throw EmulatorError.invalid('identifier must be at most 100 characters.', 'identifier');
  if (events.has(identifier)) throw EmulatorError.invalid(`An event already exists with identifier ${identifier}.`, 'identifier');
  const event: Stripe.Billing.MeterEvent = {
    object: 'billing.meter_event',
    created: now,
    event_name: eventName,
    identifier,
    livemode: false,
    payload: { stripe_customer_id: payload.stripe_customer_id, value: payload.value },
    timestamp,
  };
  events.set(identifier, event);
  return event;
}

/** The routes, for the emulator's router. */
export function meterEventRoutes(store: EmulatorStore): Route[] {
  return [['POST', /^\/v1\/billing\/meter_events$/, (p) => createMeterEvent(store, p)]];
}
