import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { nowSeconds, stripeId } from './ids.js';
import { CustomerPayments } from './payments.js';
import { ScheduleBook } from './schedules.js';
import type { WebhookDelivery } from './webhook-delivery.js';
import { billingPortalSessionObject, clone, customerObject, priceObject, productIdFor, stripeEvent, type EventPayload } from './objects.js';
import { str, type Params } from './params.js';
import type { SubscriptionStatus } from './subscription-state.js';
import { TEST_ADDRESS, type PromotionCode, type PromotionCodeSeed, type SessionRecord } from './checkout-sessions.js';
import * as checkout from './checkout-sessions.js';
import * as state from './subscription-state.js';
import * as updates from './subscription-updates.js';
import * as lifecycle from './subscription-lifecycle.js';
import * as invoicing from './invoices.js';
import * as triggers from './triggers.js';
import * as entitlements from './entitlements.js';

export { EMULATOR_TAX_RATE, type PromotionCodeSeed } from './checkout-sessions.js';
export { previousAttributes } from './subscription-state.js';

export interface PriceSeed {
  id: string;
  interval: 'month' | 'year' | 'once';
  unitAmount?: number;
  currency?: string;
  active?: boolean;
  nickname?: string;
  /** the price's product (`prod_…`); by default derived from the id, one product per plan (see `productIdFor`) */
  product?: string;
  /** Stripe's `lookup_key` (`lookup_key` is accepted too, in Stripe's spelling) */
  lookupKey?: string;
  lookup_key?: string;
  /** a metered price of this Billing Meter (`mtr_…`): billed in arrears, on the renewal invoice, for what the meter summed */
  meter?: string;
}

/** The event types whose object is a subscription. */
type SubscriptionEventType = Extract<Stripe.Event, { data: { object: Stripe.Subscription } }>['type'];

/** The emulator's in-memory Stripe account: objects, their life cycles, and the events they emit. */
export class EmulatorStore {
  readonly customers = new Map<string, Stripe.Customer>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  /** every invoice the subscriptions made, by id */
  readonly invoices = new Map<string, Stripe.Invoice>();
  /** proration lines of `create_prorations` updates, by subscription: billed on its next invoice */
  readonly pendingProrations = new Map<string, Stripe.InvoiceLineItem[]>();
  /** newest last */
  readonly events: Stripe.Event[] = [];
  /** promotion codes customers can enter on sessions with `allow_promotion_codes`, by code */
  readonly promotionCodes = new Map<string, PromotionCode>();
  /** Stripe Entitlements: each customer's active entitlements */
  readonly activeEntitlements = new Map<string, Stripe.Entitlements.ActiveEntitlement[]>();
  /** one feature per lookup_key, as Stripe's Features API keeps them */
  readonly features = new Map<string, string>();
  /** the account's Stripe Tax settings (`GET /v1/tax/settings`): `pending` refuses `automatic_tax` */
  taxSettingsStatus: 'active' | 'pending' = 'active';
  /** each customer's saved card: whether charging it succeeds, is declined or needs 3-D Secure */
  readonly payments = new CustomerPayments();
  /** subscription schedules (`/v1/subscription_schedules`) */
  readonly schedules = new ScheduleBook(this);

  constructor(
    /** the emulator's own address (known once it listens): the modules build hosted-page URLs from it */
    readonly baseUrl: () => string,
    private readonly delivery: WebhookDelivery,
  ) {}

  seedPrice(seed: PriceSeed): Stripe.Price {
    const price = priceObject({
      id: seed.id,
      active: seed.active ?? true,
      currency: seed.currency ?? 'usd',
      unit_amount: seed.unitAmount ?? (seed.interval === 'year' ? 20000 : seed.interval === 'once' ? 49900 : 2000),
      nickname: seed.nickname ?? null,
      product: seed.product ?? productIdFor(seed.id),
      lookup_key: seed.lookupKey ?? seed.lookup_key ?? null,
      type: seed.interval === 'once' ? 'one_time' : 'recurring',
      recurring:
        seed.interval === 'once'
          ? null
          : { interval: seed.interval, interval_count: 1, meter: seed.meter ?? null, usage_type: seed.meter ? 'metered' : 'licensed', trial_period_days: null },
    });
    this.prices.set(price.id, price);
    return price;
  }

  seedPromotionCode(seed: PromotionCodeSeed): void {
    if ((seed.percentOff === undefined) === (seed.amountOff === undefined)) throw new Error('A promotion code needs one of percentOff and amountOff');
    this.promotionCodes.set(seed.code.toUpperCase(), { ...seed, code: seed.code.toUpperCase(), id: stripeId('promo', 14), coupon: stripeId('coupon', 8).replace('coupon_', '') });
  }

  // --- customers and prices ------------------------------------------------------------------------------------------

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

  // --- checkout sessions: checkout-sessions.ts -----------------------------------------------------------------------

  createCheckoutSession(params: Params): Stripe.Checkout.Session {
    return checkout.createCheckoutSession(this, params);
  }

  sessionByClientSecret(clientSecret: string): SessionRecord | undefined {
    return checkout.sessionByClientSecret(this, clientSecret);
  }

  applyPromotionCode(id: string, code: string): Stripe.Checkout.Session {
    return checkout.applyPromotionCode(this, id, code);
  }

  sessionRecord(id: string): SessionRecord {
    const record = this.sessions.get(id);
    if (!record) throw EmulatorError.missing('checkout.session', id, 'session');
    return record;
  }

  expireCheckout(id: string): Stripe.Checkout.Session {
    return checkout.expireCheckout(this, id);
  }

  expireDue(now = nowSeconds()): void {
    return checkout.expireDue(this, now);
  }

  completeCheckout(id: string, outcome: 'paid' | 'async_pending' = 'paid'): Stripe.Checkout.Session {
    return checkout.completeCheckout(this, id, outcome);
  }

  settleAsyncPayment(id: string, succeeded: boolean): Stripe.Checkout.Session {
    return checkout.settleAsyncPayment(this, id, succeeded);
  }

  // --- subscriptions: subscription-state.ts, subscription-updates.ts (POST /v1/subscriptions/:id), subscription-lifecycle.ts ---

  subscription(id: string, param = 'id'): Stripe.Subscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw EmulatorError.missing('subscription', id, param);
    return subscription;
  }

  listSubscriptions(params: Params): Stripe.Subscription[] {
    return state.listSubscriptions(this, params);
  }

  /** A new state of a subscription from the schedule book (emits `customer.subscription.updated` when something changed). */
  replaceSubscription(next: Stripe.Subscription): Stripe.Subscription {
    return state.commitSubscription(this, next);
  }

  updateSubscription(id: string, params: Params): Stripe.Subscription {
    return updates.updateSubscription(this, id, params);
  }

  payInvoice(id: string): Stripe.Invoice {
    return updates.payInvoice(this, id);
  }

  expirePendingUpdate(id: string): Stripe.Subscription {
    return updates.expirePendingUpdate(this, id);
  }

  cancelSubscription(id: string, params: Params = {}): Stripe.Subscription {
    return lifecycle.cancelSubscription(this, id, params);
  }

  pauseSubscription(id: string): Stripe.Subscription {
    return lifecycle.pauseSubscription(this, id);
  }

  resumeSubscription(id: string, params: Params = {}): Stripe.Subscription {
    return lifecycle.resumeSubscription(this, id, params);
  }

  renewSubscription(id: string): Stripe.Subscription {
    return lifecycle.renewSubscription(this, id);
  }

  setSubscriptionStatus(id: string, status: SubscriptionStatus): Stripe.Subscription {
    return lifecycle.setSubscriptionStatus(this, id, status);
  }

  trialWillEnd(id: string): Stripe.Subscription {
    return lifecycle.trialWillEnd(this, id);
  }

  endTrial(id: string, options: { paid: boolean } = { paid: true }): Stripe.Subscription {
    return lifecycle.endTrial(this, id, options);
  }

  // --- invoices: invoices.ts (invoice lines: invoice-lines.ts, prorations: prorations.ts) ----------------------------

  invoice(id: string): Stripe.Invoice {
    return invoicing.invoice(this, id);
  }

  listInvoices(params: Params): Stripe.Invoice[] {
    return invoicing.listInvoices(this, params);
  }

  previewInvoice(params: Params): Stripe.Invoice {
    return invoicing.previewInvoice(this, params);
  }

  // --- billing portal ------------------------------------------------------------------------------------------------

  createPortalSession(params: Params): Stripe.BillingPortal.Session {
    const customer = str(params.customer);
    if (!customer) throw EmulatorError.invalid('Missing required param: customer.', 'customer');
    this.customer(customer);
    const id = stripeId('bps');
    const portal = billingPortalSessionObject({ id, customer, returnUrl: str(params.return_url) ?? null, url: `${this.baseUrl()}/portal/${id}` });
    this.portalSessions.set(id, portal);
    return portal;
  }

  customerSubscriptions(customer: string): Stripe.Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.customer === customer);
  }

  // --- triggers (like `stripe trigger`): triggers.ts -----------------------------------------------------------------

  trigger(type: string, email = 'customer@example.com', lookupKeys?: string[]): Stripe.Event[] {
    return triggers.trigger(this, type, email, lookupKeys);
  }

  // --- entitlements (entitlements.ts) and tax settings ---------------------------------------------------------------

  setActiveEntitlements(customerId: string, lookupKeys: string[]): Stripe.Event {
    return entitlements.setActiveEntitlements(this, customerId, lookupKeys);
  }

  listActiveEntitlements(params: Params): Stripe.Entitlements.ActiveEntitlement[] {
    return entitlements.listActiveEntitlements(this, params);
  }

  /** GET /v1/tax/settings. */
  taxSettings(): Stripe.Tax.Settings {
    const active = this.taxSettingsStatus === 'active';
    return {
      object: 'tax.settings',
      defaults: { provider: 'stripe', tax_behavior: active ? 'exclusive' : null, tax_code: null },
      head_office: active ? { address: TEST_ADDRESS } : null,
      livemode: false,
      status: this.taxSettingsStatus,
      status_details: active ? { active: {} } : { pending: { missing_fields: ['head_office'] } },
    };
  }

  // --- events --------------------------------------------------------------------------------------------------------

  /**
   * Records an event like Stripe does (a copy of its object) and hands it to the webhook delivery (unless recording
   * only); updated events carry `data.previous_attributes`. `created` never goes back.
   */
  emit(payload: EventPayload, deliver?: boolean): Stripe.Event;
  /** A subscription event of the subscription's current state (tests replay one). */
  emit(type: SubscriptionEventType, subscription: Stripe.Subscription, deliver?: boolean): Stripe.Event;
  emit(what: EventPayload | SubscriptionEventType, subscriptionOrDeliver?: Stripe.Subscription | boolean, maybeDeliver?: boolean): Stripe.Event {
    let payload: EventPayload;
    let deliver: boolean;
    if (typeof what === 'string') {
      if (typeof subscriptionOrDeliver !== 'object') throw new Error(`emit('${what}') needs the subscription`);
      payload = { type: what, data: { object: subscriptionOrDeliver } };
      deliver = maybeDeliver ?? true;
    } else {
      payload = what;
      deliver = typeof subscriptionOrDeliver === 'boolean' ? subscriptionOrDeliver : true;
    }
    const last = this.events[this.events.length - 1];
    const event = stripeEvent(clone(payload), { created: Math.max(nowSeconds(), last?.created ?? 0) });
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
