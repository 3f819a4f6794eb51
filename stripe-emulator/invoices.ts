import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import type { EmulatorStore } from './store.js';
import { addInterval, clone, invoiceLineObject, invoiceObject } from './objects.js';
import { str, type Params } from './params.js';
import { ENDED, currentPeriodEnd } from './subscription-state.js';
import { periodDescription, periodLine } from './invoice-lines.js';
import { planItemChange, prorationBehavior, prorationDate } from './prorations.js';

/*
 * Subscription invoices: making, settling, listing and previewing them.
 */

export function invoice(store: EmulatorStore, id: string): Stripe.Invoice {
  const invoice = store.invoices.get(id);
  if (!invoice) throw EmulatorError.missing('invoice', id);
  return invoice;
}

/** GET /v1/invoices: newest first, by `customer`, `subscription`, `status`. */
export function listInvoices(store: EmulatorStore, params: Params): Stripe.Invoice[] {
  const customer = str(params.customer);
  const subscription = str(params.subscription);
  const status = str(params.status);
  return [...store.invoices.values()]
    .filter((i) => (customer ? i.customer === customer : true))
    .filter((i) => (subscription ? i.parent?.subscription_details?.subscription === subscription : true))
    .filter((i) => (status ? i.status === status : true))
    .reverse();
}

/** A subscription's invoice, stored (unless a preview), its lines pointing at it. */
export function createInvoice(
  store: EmulatorStore,
  owner: Pick<Stripe.Subscription, 'id' | 'customer' | 'currency' | 'metadata'> | { id: null; customer: string; currency: string; metadata: null },
  spec: {
    lines: Stripe.InvoiceLineItem[];
    billingReason: Stripe.Invoice.BillingReason;
    status: 'paid' | 'open' | 'draft' | 'void' | 'uncollectible';
    periodStart: number;
    periodEnd: number;
    created?: number;
    prorationDate?: number;
    preview?: boolean;
    attempted?: boolean;
  },
): Stripe.Invoice {
  const id = spec.preview ? stripeId('upcoming_in') : stripeId('in');
  const customerId = owner.customer as string;
  const customer = store.customers.get(customerId);
  const lines = spec.lines.map((l) => ({ ...clone(l), invoice: spec.preview ? null : id }));
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  const invoice = invoiceObject({
    id,
    created: spec.created ?? nowSeconds(),
    customer: customerId,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    subscriptionId: owner.id ?? undefined,
    subscriptionMetadata: owner.metadata ?? null,
    billing_reason: spec.billingReason,
    status: spec.status,
    total,
    currency: owner.currency,
    period_start: spec.periodStart,
    period_end: spec.periodEnd,
    number: spec.status === 'draft' || spec.preview ? null : `${customer?.invoice_prefix ?? 'EMU'}-${String(store.invoices.size + 1).padStart(4, '0')}`,
    lines: { object: 'list', data: lines, has_more: false, url: spec.preview ? '/v1/invoices/upcoming/lines' : `/v1/invoices/${id}/lines` },
    ...(spec.attempted ? { attempted: true, attempt_count: 1 } : {}),
  });
  if (invoice.parent?.subscription_details && spec.prorationDate !== undefined) invoice.parent.subscription_details.subscription_proration_date = spec.prorationDate;
  if (!spec.preview) store.invoices.set(id, invoice);
  return invoice;
}

/** Marks a stored invoice paid or void; returns it (null when there is none). */
export function settleInvoice(store: EmulatorStore, id: string | null, status: 'paid' | 'void'): Stripe.Invoice | null {
  const invoice = id ? store.invoices.get(id) : undefined;
  if (!invoice) return null;
  const now = nowSeconds();
  const settled: Stripe.Invoice = {
    ...invoice,
    status,
    amount_paid: status === 'paid' ? invoice.amount_due : 0,
    amount_remaining: status === 'paid' ? 0 : invoice.amount_remaining,
    attempted: true,
    attempt_count: Math.max(1, invoice.attempt_count),
    status_transitions: { ...invoice.status_transitions, paid_at: status === 'paid' ? now : null, voided_at: status === 'void' ? now : null },
  };
  store.invoices.set(settled.id, settled);
  return settled;
}

/**
 * POST /v1/invoices/create_preview: the invoice a change would make, stored nowhere (id `upcoming_in_…`).
 * With `subscription` and `subscription_details[items]`, `[proration_date]`, `[proration_behavior]`:
 * - `always_invoice`, or a change of interval: the invoice made at once — pending prorations, the proration
 *   lines (and for a new interval the whole new period); `period_start` = `period_end` = the change time.
 * - `create_prorations` (default) and `none`: the next regular invoice — pending prorations, this change's
 *   proration lines (not with `none`), then each item's next period at its (new) price; period_start/end =
 *   the current period, `next_payment_attempt` = its end. A trialing subscription's next invoice comes at
 *   `trial_end` with no prorations.
 * `amount_due` = max(0, total); `total` may be negative (a downgrade's credit). Without `subscription`:
 * a first invoice for `subscription_details[items][i][price]`. Nothing to invoice → Stripe's
 * `invoice_upcoming_none`.
 */
export function previewInvoice(store: EmulatorStore, params: Params): Stripe.Invoice {
  const now = nowSeconds();
  const details = (params.subscription_details && typeof params.subscription_details === 'object' ? params.subscription_details : {}) as Params;
  const customerId = str(params.customer);
  const subscriptionId = str(params.subscription);
  const behavior = prorationBehavior(details.proration_behavior, 'subscription_details[proration_behavior]');
  if (!subscriptionId) {
    if (!customerId) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
    store.customer(customerId);
    const specs = details.items;
    if (!Array.isArray(specs) || specs.length === 0) throw EmulatorError.invalid('Missing required param: subscription_details[items].', 'subscription_details[items]');
    const lines = (specs as Params[]).map((spec, i) => {
      const price = store.price(str(spec.price) ?? '', `subscription_details[items][${i}][price]`);
      if (price.type !== 'recurring')
        throw EmulatorError.invalid(
          'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
          `subscription_details[items][${i}][price]`,
        );
      const quantity = Number(spec.quantity ?? 1);
      const end = addInterval(now, price.recurring);
      return invoiceLineObject({
        amount: (price.unit_amount ?? 0) * quantity,
        currency: price.currency,
        description: periodDescription(price, quantity),
        price,
        quantity,
        period: { start: now, end },
        subscription: null,
        subscriptionItem: null,
      });
    });
    const invoice = createInvoice(
      store,
      { id: null, customer: customerId, currency: lines[0].currency, metadata: null },
      { lines, billingReason: 'subscription_create', status: 'draft', periodStart: now, periodEnd: now, preview: true },
    );
    return { ...invoice, next_payment_attempt: now, auto_advance: true };
  }
  const sub = store.subscription(subscriptionId, 'subscription');
  if (customerId && sub.customer !== customerId) throw EmulatorError.invalid(`The subscription ${sub.id} does not belong to the customer ${customerId}.`, 'subscription');
  const none = () => new EmulatorError(404, 'invalid_request_error', `No upcoming invoices for customer: ${sub.customer as string}`, 'invoice_upcoming_none');
  if (ENDED.has(sub.status) || sub.status === 'paused') throw none();
  const date = prorationDate(details.proration_date, sub, now, 'subscription_details[proration_date]');
  const change = details.items === undefined ? null : planItemChange(store, sub, details.items, behavior, date, now, 'subscription_details[items]');
  const pending = store.pendingProrations.get(sub.id) ?? [];
  const preview = { ...clone(sub), items: { ...sub.items, data: change?.items ?? sub.items.data } };
  const prorationAt = change?.changed ? date : undefined;
  if (change?.changed && change.invoiceNow) {
    const at = change.anchor ?? date;
    const invoice = createInvoice(store, preview, {
      lines: [...pending, ...change.lines],
      billingReason: 'subscription_update',
      status: 'draft',
      periodStart: at,
      periodEnd: at,
      created: at,
      prorationDate: prorationAt,
      preview: true,
    });
    return { ...invoice, next_payment_attempt: at, auto_advance: true };
  }
  const start = sub.items.data[0]?.current_period_start ?? now;
  const end = sub.status === 'trialing' && sub.trial_end !== null ? sub.trial_end : currentPeriodEnd(sub);
  const cancels = sub.cancel_at !== null && sub.cancel_at <= end;
  const nextPeriod = cancels ? [] : preview.items.data.map((item) => periodLine(sub.id, item, end, addInterval(end, item.price.recurring)));
  const lines = [...pending, ...(change?.lines ?? []), ...nextPeriod];
  if (!lines.length) throw none();
  const invoice = createInvoice(store, preview, {
    lines,
    billingReason: 'upcoming',
    status: 'draft',
    periodStart: start,
    periodEnd: end,
    created: end,
    prorationDate: prorationAt,
    preview: true,
  });
  return { ...invoice, next_payment_attempt: end, auto_advance: true };
}

/** An invoice billing the subscription's current period (for triggers), stored. */
export function invoiceFor(store: EmulatorStore, subscription: Stripe.Subscription, status: 'paid' | 'open'): Stripe.Invoice {
  const lines = subscription.items.data.map((i) => periodLine(subscription.id, i, i.current_period_start, i.current_period_end));
  const start = subscription.items.data[0]?.current_period_start ?? nowSeconds();
  return createInvoice(store, subscription, { lines, billingReason: 'subscription_cycle', status, periodStart: start, periodEnd: start, attempted: true });
}
