import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import { addInterval, clone, subscriptionItemObject } from './objects.js';
import { str, type Params } from './params.js';

type Phase = Stripe.SubscriptionSchedule.Phase;

/** What the schedule book needs of the store: the subscriptions, prices and events. */
export interface ScheduleHost {
  subscription(id: string, param?: string): Stripe.Subscription;
  price(id: string, param?: string): Stripe.Price;
  /** stores a new state of a subscription and emits `customer.subscription.updated` when something changed */
  replaceSubscription(next: Stripe.Subscription): Stripe.Subscription;
  emit(payload: { type: Stripe.Event['type']; data: { object: unknown; previous_attributes?: unknown } }): Stripe.Event;
}

const MANAGING = new Set(['active', 'not_started']);
const scheduleIdOf = (sub: Stripe.Subscription): string => (typeof sub.schedule === 'string' ? sub.schedule : (sub.schedule?.id ?? ''));

/**
 * Subscription schedules as Stripe keeps them, for schedules made from an existing subscription
 * (`from_subscription`): phases, `end_behavior`, release, cancel, and the phase change at the period end
 * (`advance`, called by the renewal). A subscription a schedule manages refuses `cancel_at_period_end` and
 * `cancel_at` with Stripe's message (see `refuseCancellation`).
 */
export class ScheduleBook {
  readonly schedules = new Map<string, Stripe.SubscriptionSchedule>();

  constructor(private readonly host: ScheduleHost) {}

  /** POST /v1/subscription_schedules: only `from_subscription` (one phase: the current period, as the subscription is). */
  create(params: Params): Stripe.SubscriptionSchedule {
    const subscriptionId = str(params.from_subscription);
    if (!subscriptionId) throw EmulatorError.invalid('The emulator creates schedules only from an existing subscription: pass from_subscription.', 'from_subscription');
    if (params.phases !== undefined) throw EmulatorError.invalid('You cannot set `phases` if `from_subscription` is set.', 'phases');
    const sub = this.host.subscription(subscriptionId, 'from_subscription');
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired')
      throw EmulatorError.invalid('You cannot create a subscription schedule from a canceled subscription.', 'from_subscription');
    if (sub.schedule) throw EmulatorError.invalid(`The subscription is already attached to a schedule: ${scheduleIdOf(sub)}.`, 'from_subscription');
    const item = sub.items.data[0];
    const start = item?.current_period_start ?? sub.created;
    const end = item?.current_period_end ?? sub.created;
    const now = nowSeconds();
    const schedule = {
      id: stripeId('sub_sched'),
      object: 'subscription_schedule',
      application: null,
      billing_mode: { type: 'classic', flexible: null },
      canceled_at: null,
      completed_at: null,
      created: now,
      current_phase: { start_date: start, end_date: end },
      customer: sub.customer,
      customer_account: null,
      default_settings: null,
      end_behavior: 'release',
      livemode: false,
      metadata: {},
      phases: [
        phase(
          sub.items.data.map((i) => ({ price: i.price.id, quantity: i.quantity ?? 1 })),
          start,
          end,
          sub.currency,
          sub.trial_end && sub.trial_end > now ? sub.trial_end : null,
        ),
      ],
      released_at: null,
      released_subscription: null,
      status: 'active',
      subscription: sub.id,
      test_clock: null,
    } as unknown as Stripe.SubscriptionSchedule;
    this.schedules.set(schedule.id, schedule);
    this.host.emit({ type: 'subscription_schedule.created', data: { object: schedule } });
    this.host.replaceSubscription({ ...clone(sub), schedule: schedule.id });
    return schedule;
  }

  get(id: string, param = 'id'): Stripe.SubscriptionSchedule {
    const schedule = this.schedules.get(id);
    if (!schedule) throw EmulatorError.missing('subscription_schedule', id, param);
    return schedule;
  }

  /** GET with `expand[]=phases.items.price`: each phase item's price as the Price object. */
  retrieve(id: string, expand: unknown): Stripe.SubscriptionSchedule {
    const schedule = clone(this.get(id));
    const expanded = Array.isArray(expand) ? expand : expand === undefined ? [] : [expand];
    if (expanded.includes('phases.items.price')) {
      for (const p of schedule.phases) for (const item of p.items) item.price = this.host.price(item.price as string);
    }
    return schedule;
  }

  /**
   * POST /v1/subscription_schedules/:id with `phases` (each `items[price|quantity]`, `start_date`, `end_date` or
   * `duration`, `proration_behavior`) and `end_behavior`. The first phase must keep the current phase's start.
   */
  update(id: string, params: Params): Stripe.SubscriptionSchedule {
    const current = this.get(id);
    if (!MANAGING.has(current.status)) throw EmulatorError.invalid(`You cannot update a subscription schedule that is currently in the \`${current.status}\` status.`);
    const next = clone(current);
    const sub = this.host.subscription(current.subscription as string);
    if (params.end_behavior !== undefined) {
      if (params.end_behavior !== 'release' && params.end_behavior !== 'cancel')
        throw EmulatorError.invalid('Invalid end_behavior: must be one of cancel or release', 'end_behavior');
      next.end_behavior = params.end_behavior;
    }
    if (params.phases !== undefined) next.phases = this.phases(params.phases, current, sub);
    this.schedules.set(id, next);
    this.host.emit({ type: 'subscription_schedule.updated', data: { object: next, previous_attributes: { phases: current.phases, end_behavior: current.end_behavior } } });
    this.syncCancelAt(next, sub);
    return next;
  }

  /** POST /v1/subscription_schedules/:id/release: the subscription goes on as it is, without the schedule. */
  release(id: string): Stripe.SubscriptionSchedule {
    const current = this.get(id);
    if (!MANAGING.has(current.status)) throw EmulatorError.invalid(`You cannot release a subscription schedule that is currently in the \`${current.status}\` status.`);
    const sub = this.host.subscription(current.subscription as string);
    const released = {
      ...clone(current),
      status: 'released',
      released_at: nowSeconds(),
      released_subscription: sub.id,
      subscription: null,
      current_phase: null,
    } as Stripe.SubscriptionSchedule;
    this.schedules.set(id, released);
    this.host.emit({ type: 'subscription_schedule.released', data: { object: released } });
    this.host.replaceSubscription({ ...clone(sub), schedule: null, ...(current.end_behavior === 'cancel' ? { cancel_at: null, canceled_at: null } : {}) });
    return released;
  }

  /** The subscription was canceled: its schedule is canceled with it. */
  subscriptionCanceled(sub: Stripe.Subscription): void {
    const id = typeof sub.schedule === 'string' ? sub.schedule : null;
    const current = id ? this.schedules.get(id) : undefined;
    if (!current || !MANAGING.has(current.status)) return;
    const canceled = { ...clone(current), status: 'canceled', canceled_at: nowSeconds(), current_phase: null } as Stripe.SubscriptionSchedule;
    this.schedules.set(current.id, canceled);
    this.host.emit({ type: 'subscription_schedule.canceled', data: { object: canceled } });
  }

  /** Stripe's refusal of `cancel_at_period_end` / `cancel_at` on a subscription a schedule manages. */
  refuseCancellation(sub: Stripe.Subscription, params: Params): void {
    if (!sub.schedule || (params.cancel_at_period_end === undefined && params.cancel_at === undefined)) return;
    throw EmulatorError.invalid(
      `The subscription is managed by the subscription schedule \`${scheduleIdOf(sub)}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
    );
  }

  /**
   * The period of a schedule-managed subscription ends (before its renewal is invoiced): the next phase's items take
   * over (no proration: the new price starts with the new period); after the last phase the schedule is released
   * (`end_behavior=release`) or the caller ends the subscription (`cancel`: returns 'cancel').
   */
  advance(sub: Stripe.Subscription, periodEnd: number): Stripe.Subscription | 'cancel' {
    const id = typeof sub.schedule === 'string' ? sub.schedule : null;
    const current = id ? this.schedules.get(id) : undefined;
    if (!current || current.status !== 'active') return sub;
    const following = current.phases.find((p) => p.start_date >= periodEnd);
    if (!following) {
      if (current.end_behavior === 'cancel') return 'cancel';
      this.release(current.id);
      return this.host.subscription(sub.id);
    }
    const next = clone(sub);
    next.items = {
      ...next.items,
      data: following.items.map((item, i) => {
        const old = sub.items.data[i];
        const price = this.host.price(item.price as string);
        return subscriptionItemObject({
          id: old?.id,
          subscription: sub.id,
          price,
          quantity: item.quantity ?? 1,
          created: old?.created,
          periodStart: old?.current_period_start ?? periodEnd,
          periodEnd: old?.current_period_end ?? periodEnd,
        });
      }),
    };
    const moved = { ...clone(current), current_phase: { start_date: following.start_date, end_date: following.end_date } };
    this.schedules.set(current.id, moved);
    this.host.emit({ type: 'subscription_schedule.updated', data: { object: moved, previous_attributes: { current_phase: current.current_phase } } });
    return next;
  }

  private phases(value: unknown, current: Stripe.SubscriptionSchedule, sub: Stripe.Subscription): Phase[] {
    if (!Array.isArray(value) || value.length === 0) throw EmulatorError.invalid('Invalid array', 'phases');
    let start = current.current_phase?.start_date ?? nowSeconds();
    return (value as Params[]).map((spec, i) => {
      const p = `phases[${i}]`;
      const given = spec.start_date === undefined ? start : Number(spec.start_date);
      if (i === 0 && given !== current.current_phase?.start_date) {
        throw EmulatorError.invalid('You can not modify the start date of the current phase.', `${p}[start_date]`);
      }
      if (i > 0 && given !== start) throw EmulatorError.invalid('Phases must be contiguous: each starts when the one before ends.', `${p}[start_date]`);
      const items = (Array.isArray(spec.items) ? (spec.items as Params[]) : []).map((item, j) => {
        const price = this.host.price(str(item.price) ?? '', `${p}[items][${j}][price]`);
        if (price.type !== 'recurring')
          throw EmulatorError.invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `${p}[items][${j}][price]`);
        return { price: price.id, quantity: item.quantity === undefined ? 1 : Number(item.quantity) };
      });
      if (!items.length) throw EmulatorError.invalid('Each phase needs at least one item.', `${p}[items]`);
      const duration = spec.duration as Params | undefined;
      const end =
        spec.end_date !== undefined
          ? Number(spec.end_date)
          : duration
            ? addInterval(given, { interval: str(duration.interval) as Stripe.Price.Recurring.Interval, interval_count: Number(duration.interval_count ?? 1) })
            : addInterval(given, this.host.price(items[0].price).recurring);
      if (!Number.isInteger(end) || end <= given) throw EmulatorError.invalid('The end of a phase must be after its start.', `${p}[end_date]`);
      start = end;
      return phase(items, given, end, sub.currency, null, str(spec.proration_behavior));
    });
  }

  /** `end_behavior=cancel` makes the subscription end with the last phase (`cancel_at`); `release` keeps it going. */
  private syncCancelAt(schedule: Stripe.SubscriptionSchedule, sub: Stripe.Subscription): void {
    const last = schedule.phases[schedule.phases.length - 1];
    const cancelAt = schedule.end_behavior === 'cancel' ? (last?.end_date ?? null) : null;
    if (sub.cancel_at === cancelAt) return;
    this.host.replaceSubscription({ ...clone(sub), cancel_at: cancelAt, canceled_at: cancelAt === null ? null : nowSeconds() });
  }
}

function phase(items: Array<{ price: string; quantity: number }>, start: number, end: number, currency: string, trialEnd: number | null, proration?: string): Phase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: end,
    invoice_settings: null,
    items: items.map((i) => ({ billing_thresholds: null, discounts: [], metadata: {}, plan: i.price, price: i.price, quantity: i.quantity, tax_rates: [] })),
    metadata: {},
    on_behalf_of: null,
    proration_behavior: proration ?? 'create_prorations',
    start_date: start,
    transfer_data: null,
    trial_end: trialEnd,
  };
}
