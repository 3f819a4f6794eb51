import type Stripe from 'stripe';
import { invoiceLineObject } from './objects.js';

/*
 * Invoice lines as Stripe words and prices them: whole periods and prorations.
 */

export const priceName = (price: Stripe.Price): string => price.nickname ?? price.id;

const money = (amount: number, currency: string): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);

/** Stripe's date in line descriptions: "15 Jan 2026" (UTC). */
export const day = (at: number): string => new Date(at * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

export function periodDescription(price: Stripe.Price, quantity: number): string {
  const every = price.recurring ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ${price.recurring.interval}s` : price.recurring.interval}` : '';
  return `${quantity} × ${priceName(price)} (at ${money(price.unit_amount ?? 0, price.currency)}${every})`;
}

/** The line billing an item's whole period at its price. */
export function periodLine(subscription: string, item: Stripe.SubscriptionItem, start: number, end: number): Stripe.InvoiceLineItem {
  const quantity = item.quantity ?? 1;
  return invoiceLineObject({
    amount: (item.price.unit_amount ?? 0) * quantity,
    currency: item.price.currency,
    description: periodDescription(item.price, quantity),
    price: item.price,
    quantity,
    period: { start, end },
    subscription,
    subscriptionItem: item.id,
  });
}

/** The credit for `old` (and the charge for `next`, when given) over [date, period end]; see `planItemChange`. */
export function prorationLines(subscription: string, old: Stripe.SubscriptionItem, next: Stripe.SubscriptionItem | null, date: number): Stripe.InvoiceLineItem[] {
  const start = old.current_period_start;
  const end = old.current_period_end;
  if (end <= date || end <= start) return [];
  const fraction = (end - date) / (end - start);
  const oldQuantity = old.quantity ?? 1;
  const lines = [
    invoiceLineObject({
      amount: -Math.round((old.price.unit_amount ?? 0) * oldQuantity * fraction),
      currency: old.price.currency,
      description: `Unused time on ${oldQuantity > 1 ? `${oldQuantity} × ` : ''}${priceName(old.price)} after ${day(date)}`,
      price: old.price,
      quantity: oldQuantity,
      period: { start: date, end },
      subscription,
      subscriptionItem: old.id,
      proration: true,
    }),
  ];
  if (next) {
    const quantity = next.quantity ?? 1;
    lines.push(
      invoiceLineObject({
        amount: Math.round((next.price.unit_amount ?? 0) * quantity * fraction),
        currency: next.price.currency,
        description: `Remaining time on ${quantity > 1 ? `${quantity} × ` : ''}${priceName(next.price)} after ${day(date)}`,
        price: next.price,
        quantity,
        period: { start: date, end },
        subscription,
        subscriptionItem: next.id,
        proration: true,
      }),
    );
  }
  return lines;
}
