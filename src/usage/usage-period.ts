import type { UsagePeriod } from '../config/usage-config.js';

/** The period a counter counts in: bounds (null for a standing cap) and where they come from. */
export interface PeriodWindow {
  start: Date | null;
  end: Date | null;
  /**
   * `subscription:<our row id>` when the bounds follow a subscription's billing period, else `calendar`, `day` or
   * `none`. A later window of the same subscription is a renewal (a new period); a window from another source is a
   * plan change, which keeps the counter until its own period ends.
   */
  source: string;
}

/** What a subscription says about its billing period (our `subscriptions` row has the end and the interval). */
export interface BillingPeriod {
  subscriptionId: string;
  currentPeriodEnd: Date;
  interval: 'month' | 'year';
}

/** `date` moved by `months` calendar months in UTC, the day clamped to the month's last (Jan 31 + 1 month = Feb 28), as Stripe bills. */
export function addMonthsUtc(date: Date, months: number): Date {
  const moved = new Date(date.getTime());
  const day = moved.getUTCDate();
  moved.setUTCDate(1);
  moved.setUTCMonth(moved.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(moved.getUTCFullYear(), moved.getUTCMonth() + 1, 0)).getUTCDate();
  moved.setUTCDate(Math.min(day, lastDay));
  return moved;
}

/**
 * The window a limit of `period` counts in at `now`.
 * - `day`: the UTC day. `none`: no window (a standing cap such as projects or seats).
 * - `month` with a granting subscription: its billing period. Our row keeps the period's end and the price's
 *   interval, so a monthly subscription's period is [end − 1 month, end); a yearly one counts by months anchored on
 *   its period end. Once `now` passes the end (no renewal event yet) the windows go on month by month.
 * - `month` otherwise (free, one-time purchases, admin grants): the UTC calendar month.
 */
export function periodWindow(period: UsagePeriod, now: Date, billing: BillingPeriod | null): PeriodWindow {
  if (period === 'none') return { start: null, end: null, source: 'none' };
  if (period === 'day') {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    return { start, end: new Date(start.getTime() + 86_400_000), source: 'day' };
  }
  if (!billing) {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    return { start, end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)), source: 'calendar' };
  }
  // windows are anchored on the period's end, as Stripe anchors billing: [end − k − 1 months, end − k months)
  const end = billing.currentPeriodEnd;
  const first = billing.interval === 'year' ? -11 : 0;
  // the first window whose end is past now; the first window of the period when Stripe's clock is ahead (as the
  // emulator's is after a renewal); month by month past the end when no renewal came
  let k = Math.max(first, (now.getUTCFullYear() - end.getUTCFullYear()) * 12 + (now.getUTCMonth() - end.getUTCMonth()) - 1);
  while (k > first && addMonthsUtc(end, k - 1) > now) k--;
  while (addMonthsUtc(end, k) <= now) k++;
  return { start: addMonthsUtc(end, k - 1), end: addMonthsUtc(end, k), source: `subscription:${billing.subscriptionId}` };
}
