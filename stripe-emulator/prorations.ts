import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import type { EmulatorStore } from './store.js';
import { addInterval, subscriptionItemObject } from './objects.js';
import { str, type Params } from './params.js';
import { currentPeriodEnd } from './subscription-state.js';
import { periodLine, prorationLines } from './invoice-lines.js';

/*
 * A change of subscription items and its prorations, shared by the update and the invoice preview.
 */

type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/**
 * A change of items, shared by the update and the invoice preview; changes nothing itself.
 *
 * - The item keeps its id; its price and/or quantity are replaced.
 * - Same interval: the period is kept. Unless `proration_behavior=none` (or the subscription is trialing: a
 *   trial is free, so there is nothing to prorate) two proration lines cover [proration_date, period end]:
 *     fraction = (period_end − proration_date) / (period_end − period_start)
 *     credit   = −round(old unit_amount × old quantity × fraction)   "Unused time on <old> after <date>"
 *     charge   = +round(new unit_amount × new quantity × fraction)   "Remaining time on <new> after <date>"
 *   (whole seconds, one rounding per line, integer minor units). `always_invoice` bills them at once;
 *   `create_prorations` leaves them pending for the next invoice.
 * - Another interval (e.g. month → year): like Stripe, the billing cycle restarts now and is invoiced at
 *   once: the credit for the unused time (unless `none`) and the new price for a whole new period.
 */
export function planItemChange(store: EmulatorStore, sub: Stripe.Subscription, specs: unknown, behavior: ProrationBehavior, date: number, now: number, param: string) {
  if (!Array.isArray(specs)) throw EmulatorError.invalid('Invalid array', param);
  const items = [...sub.items.data];
  const lines: Stripe.InvoiceLineItem[] = [];
  const trialing = sub.status === 'trialing';
  let invoiceNow = false;
  let anchor: number | null = null;
  let changed = false;
  (specs as Params[]).forEach((spec, i) => {
    const p = `${param}[${i}]`;
    const itemId = str(spec?.id);
    if (!itemId) throw EmulatorError.invalid(`The emulator only changes existing subscription items: pass ${p}[id].`, `${p}[id]`);
    const index = items.findIndex((x) => x.id === itemId);
    if (index === -1) throw EmulatorError.missing('subscription item', itemId, `${p}[id]`);
    if (spec.deleted === 'true') throw EmulatorError.invalid('The emulator cannot remove subscription items.', `${p}[deleted]`);
    const old = items[index];
    const priceId = str(spec.price);
    const price = priceId ? store.price(priceId, `${p}[price]`) : old.price;
    if (!price.active) throw EmulatorError.invalid(`The price specified (${price.id}) is inactive. This field only accepts active prices.`, `${p}[price]`);
    if (price.type !== 'recurring')
      throw EmulatorError.invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `${p}[price]`);
    if (price.currency !== sub.currency)
      throw EmulatorError.invalid(`The price specified (${price.id}) is in ${price.currency}, but this subscription bills in ${sub.currency}.`, `${p}[price]`);
    const quantity = spec.quantity === undefined ? (old.quantity ?? 1) : Number(spec.quantity);
    if (!Number.isInteger(quantity) || quantity < 0) throw EmulatorError.invalid(`Invalid integer: ${String(spec.quantity)}`, `${p}[quantity]`);
    if (price.id === old.price.id && quantity === (old.quantity ?? 1)) return;
    changed = true;
    const intervalChanged = price.recurring?.interval !== old.price.recurring?.interval || price.recurring?.interval_count !== old.price.recurring?.interval_count;
    if (intervalChanged && !trialing) {
      if (behavior !== 'none') lines.push(...prorationLines(sub.id, old, null, date));
      const end = addInterval(now, price.recurring);
      const next = subscriptionItemObject({ id: old.id, subscription: sub.id, price, quantity, created: old.created, periodStart: now, periodEnd: end });
      lines.push(periodLine(sub.id, next, now, end));
      items[index] = next;
      invoiceNow = true;
      anchor = now;
      return;
    }
    const next = subscriptionItemObject({
      id: old.id,
      subscription: sub.id,
      price,
      quantity,
      created: old.created,
      periodStart: old.current_period_start,
      periodEnd: old.current_period_end,
    });
    if (!trialing && behavior !== 'none') {
      lines.push(...prorationLines(sub.id, old, next, date));
      if (behavior === 'always_invoice') invoiceNow = true;
    }
    items[index] = next;
  });
  return { items, lines, invoiceNow, anchor, changed };
}

export function prorationBehavior(value: unknown, param: string): ProrationBehavior {
  if (value === undefined || value === '') return 'create_prorations';
  if (value === 'create_prorations' || value === 'always_invoice' || value === 'none') return value;
  throw EmulatorError.invalid(`Invalid ${param}: must be one of always_invoice, create_prorations, or none`, param);
}

/** `proration_date`: now by default; otherwise a unix time inside the current period. */
export function prorationDate(value: unknown, subscription: Stripe.Subscription, now: number, param: string): number {
  if (value === undefined || value === '') return now;
  const at = Number(value);
  if (!Number.isInteger(at)) throw EmulatorError.invalid(`Invalid integer: ${JSON.stringify(value)}`, param);
  const start = Math.min(...subscription.items.data.map((i) => i.current_period_start));
  if (at < start || at > currentPeriodEnd(subscription)) throw EmulatorError.invalid(`The ${param} must be within the subscription's current billing period.`, param);
  return at;
}
