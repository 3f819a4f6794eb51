import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import { checkoutSessionObject, customerObject, eventObject, invoiceObject, priceObject, subscriptionObject } from './objects.js';
import type { WebhookDelivery } from './webhook-delivery.js';

type Params = Record<string, unknown>;

interface SessionRecord {
  session: Stripe.Checkout.Session;
  price: Stripe.Price;
  quantity: number;
  /** a delayed payment that failed (Stripe leaves payment_status unpaid) */
  paymentFailed?: boolean;
}

export interface PriceSeed {
  id: string;
  interval: 'month' | 'year' | 'once';
  unitAmount?: number;
  currency?: string;
  active?: boolean;
  nickname?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The emulator's in-memory Stripe account: objects, their life cycles, and the events they emit. */
export class EmulatorStore {
  readonly customers = new Map<string, Stripe.Customer>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  /** newest last */
  readonly events: Stripe.Event[] = [];

  constructor(
    private readonly baseUrl: () => string,
    private readonly delivery: WebhookDelivery,
  ) {}

  seedPrice(seed: PriceSeed): Stripe.Price {
    const price = priceObject({
      id: seed.id,
      active: seed.active ?? true,
      currency: seed.currency ?? 'usd',
      unit_amount: seed.unitAmount ?? (seed.interval === 'year' ? 20000 : seed.interval === 'once' ? 49900 : 2000),
      nickname: seed.nickname ?? null,
      type: seed.interval === 'once' ? 'one_time' : 'recurring',
      recurring: seed.interval === 'once' ? null : { interval: seed.interval, interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
    } as Partial<Stripe.Price>);
    this.prices.set(price.id, price);
    return price;
  }

  // --- customers ---------------------------------------------------------------------------------

  createCustomer(params: Params): Stripe.Customer {
    const customer = customerObject({ email: str(params.email) ?? null, name: str(params.name) ?? null, metadata: (params.metadata as Record<string, string>) ?? {} });
    this.customers.set(customer.id, customer);
    return customer;
  }

  customer(id: string): Stripe.Customer {
    const customer = this.customers.get(id);
    if (!customer) throw EmulatorError.missing('customer', id);
    return customer;
  }

  price(id: string, param = 'id'): Stripe.Price {
    const price = this.prices.get(id);
    if (!price) throw EmulatorError.missing('price', id, param);
    return price;
  }

  // --- checkout sessions ---------------------------------------------------------------------------

  createCheckoutSession(params: Params): Stripe.Checkout.Session {
    const mode = str(params.mode);
    if (mode !== 'payment' && mode !== 'subscription') throw EmulatorError.invalid('Invalid mode: must be one of payment, setup, or subscription', 'mode');
    const successUrl = str(params.success_url);
    if (!successUrl) throw EmulatorError.invalid('Missing required param: success_url.', 'success_url');
    const items = (params.line_items as Array<{ price?: string; quantity?: string }> | undefined) ?? [];
    if (items.length !== 1 || !items[0].price) throw EmulatorError.invalid('The emulator supports exactly one line item with a price', 'line_items');
    const price = this.price(items[0].price, 'line_items[0][price]');
    if (!price.active) throw EmulatorError.invalid(`The price specified (${price.id}) is inactive.`, 'line_items[0][price]');
    if (mode === 'subscription' && price.type !== 'recurring') throw EmulatorError.invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
    if (mode === 'payment' && price.type === 'recurring') throw EmulatorError.invalid('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', 'line_items');
    const customerId = str(params.customer);
    if (customerId) this.customer(customerId);
    const quantity = Number(items[0].quantity ?? 1);
    const created = nowSeconds();
    const id = stripeId('cs_test', 58);
    const session = checkoutSessionObject({
      id,
      created,
      mode,
      customer: customerId ?? null,
      customer_email: str(params.customer_email) ?? null,
      client_reference_id: str(params.client_reference_id) ?? null,
      metadata: (params.metadata as Record<string, string>) ?? {},
      success_url: successUrl,
      cancel_url: str(params.cancel_url) ?? null,
      amount_subtotal: (price.unit_amount ?? 0) * quantity,
      amount_total: (price.unit_amount ?? 0) * quantity,
      currency: price.currency,
      expires_at: Number(params.expires_at) || created + 24 * 3600,
      url: `${this.baseUrl()}/checkout/${id}`,
    });
    this.sessions.set(id, { session, price, quantity });
    return session;
  }

  sessionRecord(id: string): SessionRecord {
    const record = this.sessions.get(id);
    if (!record) throw EmulatorError.missing('checkout.session', id, 'session');
    return record;
  }

  expireCheckout(id: string): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'open') throw EmulatorError.invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${record.session.status}".`);
    record.session = { ...record.session, status: 'expired', url: null };
    this.emit('checkout.session.expired', record.session);
    return record.session;
  }

  /** Expires open sessions whose `expires_at` has passed. */
  expireDue(now = nowSeconds()): void {
    for (const record of this.sessions.values()) {
      if (record.session.status === 'open' && record.session.expires_at <= now) this.expireCheckout(record.session.id);
    }
  }

  /** The customer pays on the hosted page: `async_pending` is a delayed method (bank debit) not yet settled. */
  completeCheckout(id: string, outcome: 'paid' | 'async_pending' = 'paid'): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    const { session, price } = record;
    if (session.status !== 'open') throw EmulatorError.invalid(`This Checkout Session is ${session.status}`);
    const customerId = (session.customer as string | null) ?? this.createCustomer({ email: session.customer_email ?? 'customer@example.com' }).id;
    const email = this.customers.get(customerId)?.email ?? session.customer_email ?? 'customer@example.com';
    const paid = outcome === 'paid';
    let subscription: Stripe.Subscription | null = null;
    if (session.mode === 'subscription') {
      subscription = subscriptionObject({
        customer: customerId,
        price,
        status: paid ? 'active' : 'incomplete',
        metadata: session.metadata ?? {},
        periodEnd: nowSeconds() + (price.recurring?.interval === 'year' ? 365 : 30) * 86400,
      });
      this.subscriptions.set(subscription.id, subscription);
    }
    record.session = {
      ...session,
      status: 'complete',
      payment_status: paid ? 'paid' : 'unpaid',
      customer: customerId,
      customer_details: { email, name: null, phone: null, address: null, tax_exempt: 'none', tax_ids: [] } as unknown as Stripe.Checkout.Session.CustomerDetails,
      subscription: subscription?.id ?? null,
      payment_intent: session.mode === 'payment' ? stripeId('pi') : null,
      url: null,
    };
    this.emit('checkout.session.completed', record.session);
    if (subscription) {
      this.emit('customer.subscription.created', subscription);
      if (paid) this.emit('invoice.paid', this.invoiceFor(subscription));
    }
    return record.session;
  }

  settleAsyncPayment(id: string, succeeded: boolean): Stripe.Checkout.Session {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'complete' || record.session.payment_status !== 'unpaid' || record.paymentFailed) throw EmulatorError.invalid('This Checkout Session has no pending payment');
    const subscriptionId = record.session.subscription as string | null;
    if (succeeded) {
      record.session = { ...record.session, payment_status: 'paid' };
      this.emit('checkout.session.async_payment_succeeded', record.session);
      if (subscriptionId) {
        const subscription = this.updateSubscriptionState(subscriptionId, { status: 'active' });
        this.emit('invoice.paid', this.invoiceFor(subscription));
      }
    } else {
      record.paymentFailed = true;
      this.emit('checkout.session.async_payment_failed', record.session);
      if (subscriptionId) {
        const subscription = this.updateSubscriptionState(subscriptionId, { status: 'incomplete_expired', ended_at: nowSeconds() });
        this.emit('customer.subscription.deleted', subscription);
      }
    }
    return record.session;
  }

  // --- subscriptions ---------------------------------------------------------------------------------

  subscription(id: string): Stripe.Subscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw EmulatorError.missing('subscription', id);
    return subscription;
  }

  private updateSubscriptionState(id: string, changes: Partial<Stripe.Subscription>, emitUpdate = true): Stripe.Subscription {
    const subscription = { ...this.subscription(id), ...changes } as Stripe.Subscription;
    this.subscriptions.set(id, subscription);
    if (emitUpdate && changes.status !== 'incomplete_expired') this.emit('customer.subscription.updated', subscription);
    return subscription;
  }

  updateSubscription(id: string, params: Params): Stripe.Subscription {
    const cancelAtPeriodEnd = params.cancel_at_period_end;
    if (cancelAtPeriodEnd === undefined) return this.subscription(id);
    const flag = cancelAtPeriodEnd === 'true';
    const end = this.subscription(id).items.data[0]?.current_period_end ?? null;
    return this.updateSubscriptionState(id, { cancel_at_period_end: flag, cancel_at: flag ? end : null, canceled_at: flag ? nowSeconds() : null });
  }

  cancelSubscription(id: string): Stripe.Subscription {
    const current = this.subscription(id);
    if (current.status === 'canceled') throw EmulatorError.invalid(`This subscription is already canceled`);
    const subscription = { ...current, status: 'canceled', canceled_at: nowSeconds(), ended_at: nowSeconds() } as Stripe.Subscription;
    this.subscriptions.set(id, subscription);
    this.emit('customer.subscription.deleted', subscription);
    return subscription;
  }

  private invoiceFor(subscription: Stripe.Subscription): Stripe.Invoice {
    const price = subscription.items.data[0]?.price;
    return invoiceObject({ customer: subscription.customer as string, subscriptionId: subscription.id, amount_paid: price?.unit_amount ?? 0, total: price?.unit_amount ?? 0, currency: price?.currency ?? 'usd' });
  }

  // --- billing portal ------------------------------------------------------------------------------------

  createPortalSession(params: Params): Stripe.BillingPortal.Session {
    const customer = str(params.customer);
    if (!customer) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
    this.customer(customer);
    const id = stripeId('bps');
    const portal = {
      id,
      object: 'billing_portal.session',
      configuration: stripeId('bpc'),
      created: nowSeconds(),
      customer,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: str(params.return_url) ?? null,
      url: `${this.baseUrl()}/portal/${id}`,
    } as unknown as Stripe.BillingPortal.Session;
    this.portalSessions.set(id, portal);
    return portal;
  }

  customerSubscriptions(customer: string): Stripe.Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.customer === customer);
  }

  // --- triggers (like `stripe trigger`) ------------------------------------------------------------------------

  /** Makes the objects behind an event type for the customer of `email`, like Stripe CLI's `trigger`; returns the events emitted. */
  trigger(type: string, email = 'customer@example.com'): Stripe.Event[] {
    const before = this.events.length;
    const customer = [...this.customers.values()].find((c) => c.email === email) ?? this.createCustomer({ email });
    const recurring = [...this.prices.values()].find((p) => p.active && p.type === 'recurring');
    if (!recurring) throw EmulatorError.invalid('The emulator has no recurring price to trigger with');
    const newSession = () =>
      this.createCheckoutSession({ mode: 'subscription', customer: customer.id, line_items: [{ price: recurring.id, quantity: '1' }], success_url: `${this.baseUrl()}/return/success?session_id={CHECKOUT_SESSION_ID}` });
    const latest = () => this.customerSubscriptions(customer.id).filter((s) => s.status !== 'canceled').pop() ?? this.subscription(this.completeCheckout(newSession().id).subscription as string);
    switch (type) {
      case 'checkout.session.completed':
      case 'customer.subscription.created':
        this.completeCheckout(newSession().id, 'paid');
        break;
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed': {
        const session = this.completeCheckout(newSession().id, 'async_pending');
        this.settleAsyncPayment(session.id, type.endsWith('succeeded'));
        break;
      }
      case 'checkout.session.expired':
        this.expireCheckout(newSession().id);
        break;
      case 'customer.subscription.updated':
        this.updateSubscription(latest().id, { cancel_at_period_end: 'true' });
        break;
      case 'customer.subscription.deleted':
        this.cancelSubscription(latest().id);
        break;
      case 'invoice.paid':
        this.emit('invoice.paid', this.invoiceFor(latest()));
        break;
      case 'invoice.payment_failed': {
        const subscription = latest();
        this.emit('invoice.payment_failed', { ...this.invoiceFor(subscription), status: 'open', amount_paid: 0 } as Stripe.Invoice);
        this.updateSubscriptionState(subscription.id, { status: 'past_due' });
        break;
      }
      default:
        throw EmulatorError.invalid(`The emulator cannot trigger ${type}`, 'type');
    }
    return this.events.slice(before);
  }

  // --- events ---------------------------------------------------------------------------------------------

  /** Records an event like Stripe does and hands it to the webhook delivery (unless recording only). */
  emit(type: string, object: { id: string }, deliver = true): Stripe.Event {
    const last = this.events[this.events.length - 1];
    const event = eventObject(type, structuredClone(object), { created: Math.max(nowSeconds(), last?.created ?? 0) });
    this.events.push(event);
    if (deliver) this.delivery.send(event);
    else this.delivery.delivered.set(event.id, false);
    return event;
  }

  event(id: string): Stripe.Event {
    const event = this.events.find((e) => e.id === id);
    if (!event) throw EmulatorError.missing('event', id);
    return event;
  }
}
