import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { stripeId } from './ids.js';
import { listPage } from './list.js';
import type { EmulatorStore } from './store.js';
import type { Params } from './params.js';

type Route = [string, RegExp, (params: Params, match: RegExpExecArray) => unknown];

/** Stripe enforces an identifier's uniqueness for at least 24 hours; the emulator, for its whole life. */
const meterEventsByStore = new WeakMap<EmulatorStore, Map<string, Stripe.Billing.MeterEvent>>();
/** Billing Meters by id, oldest first. */
const metersByStore = new WeakMap<EmulatorStore, Map<string, Stripe.Billing.Meter>>();

function metersOf(store: EmulatorStore): Map<string, Stripe.Billing.Meter> {
  const meters = metersByStore.get(store) ?? new Map<string, Stripe.Billing.Meter>();
  metersByStore.set(store, meters);
  return meters;
}

/** The meter events the emulator accepted, oldest first (for tests and the renewal invoice's usage line). */
export function meterEvents(store: EmulatorStore): Stripe.Billing.MeterEvent[] {
  return [...(meterEventsByStore.get(store)?.values() ?? [])];
}

/**
 * The sum of the accepted events' values for one event name and customer (what a `sum` meter aggregates), of all time
 * or of the events with `start <= timestamp < end`.
 */
export function meteredTotal(store: EmulatorStore, eventName: string, customer: string, window?: { start: number; end: number }): number {
  return meterEvents(store)
    .filter((e) => e.event_name === eventName && e.payload.stripe_customer_id === customer && (!window || (e.timestamp >= window.start && e.timestamp < window.end)))
    .reduce((sum, e) => sum + Number(e.payload.value), 0);
}

/** The event name of a Billing Meter, or null for one the emulator does not have. */
export function meterEventName(store: EmulatorStore, meterId: string): string | null {
  return metersOf(store).get(meterId)?.event_name ?? null;
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

const FORMULAS = ['sum', 'count', 'last'];

/**
 * `POST /v1/billing/meters`: `display_name`, `event_name` (one active meter per event name) and
 * `default_aggregation[formula]` (`sum`, `count`, `last`); the payload keys are Stripe's defaults.
 */
export function createMeter(store: EmulatorStore, params: Params): Stripe.Billing.Meter {
  const meters = metersOf(store);
  const displayName = typeof params.display_name === 'string' ? params.display_name : '';
  const eventName = typeof params.event_name === 'string' ? params.event_name : '';
  const formula = (params.default_aggregation as { formula?: unknown } | undefined)?.formula;
  if (!displayName) throw EmulatorError.invalid('Missing required param: display_name.', 'display_name');
  if (!eventName || eventName.length > 100) throw EmulatorError.invalid('Missing required param: event_name.', 'event_name');
  if (typeof formula !== 'string' || !FORMULAS.includes(formula))
    throw EmulatorError.invalid('default_aggregation[formula] must be one of sum, count, last.', 'default_aggregation[formula]');
  if ([...meters.values()].some((m) => m.event_name === eventName && m.status === 'active')) {
    throw EmulatorError.invalid(`An active meter with event_name ${eventName} already exists.`, 'event_name');
  }
  const now = nowSeconds();
  const meter: Stripe.Billing.Meter = {
    id: stripeId('mtr'),
    object: 'billing.meter',
    created: now,
    customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
    default_aggregation: { formula },
    display_name: displayName,
    event_name: eventName,
    event_time_window: null,
    livemode: false,
    status: 'active',
    status_transitions: { deactivated_at: null },
    updated: now,
    value_settings: { event_payload_key: 'value' },
  };
  meters.set(meter.id, meter);
  return meter;
}

function meter(store: EmulatorStore, id: string): Stripe.Billing.Meter {
  const found = metersOf(store).get(id);
  if (!found) throw EmulatorError.missing('billing.meter', id);
  return found;
}

/**
 * `GET /v1/billing/meters/:id/event_summaries`: the meter's aggregate of one customer's events with
 * `start_time <= timestamp < end_time`, as one summary (no `value_grouping_window`).
 */
export function listEventSummaries(store: EmulatorStore, id: string, params: Params) {
  const m = meter(store, id);
  const customer = typeof params.customer === 'string' ? params.customer : '';
  const start = Number(params.start_time);
  const end = Number(params.end_time);
  if (!customer) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
  if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start)
    throw EmulatorError.invalid('start_time and end_time must be timestamps, start before end.', 'start_time');
  const events = meterEvents(store).filter((e) => e.event_name === m.event_name && e.payload.stripe_customer_id === customer && e.timestamp >= start && e.timestamp < end);
  const values = events.map((e) => Number(e.payload.value));
  const formula = m.default_aggregation.formula;
  const aggregated = formula === 'count' ? values.length : formula === 'last' ? (values.at(-1) ?? 0) : values.reduce((sum, v) => sum + v, 0);
  const summary: Stripe.Billing.MeterEventSummary = {
    id: `mtrusg_${m.id.slice(4)}_${start}`,
    object: 'billing.meter_event_summary',
    aggregated_value: aggregated,
    end_time: end,
    livemode: false,
    meter: m.id,
    start_time: start,
  };
  return listPage([summary], params, `/v1/billing/meters/${m.id}/event_summaries`);
}

/** The routes, for the emulator's router. */
export function meterEventRoutes(store: EmulatorStore): Route[] {
  return [
    ['POST', /^\/v1\/billing\/meter_events$/, (p) => createMeterEvent(store, p)],
    ['POST', /^\/v1\/billing\/meters$/, (p) => createMeter(store, p)],
    [
      'GET',
      /^\/v1\/billing\/meters$/,
      (p) => listPage([...metersOf(store).values()].filter((m) => p.status === undefined || m.status === p.status).reverse(), p, '/v1/billing/meters'),
    ],
    ['GET', /^\/v1\/billing\/meters\/([^/]+)$/, (_, m) => meter(store, m[1])],
    ['GET', /^\/v1\/billing\/meters\/([^/]+)\/event_summaries$/, (p, m) => listEventSummaries(store, m[1], p)],
  ];
}
