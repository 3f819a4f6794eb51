import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { EmulatorError } from './errors.js';
import { parseForm } from './form.js';
import { checkoutLineItemObject } from './objects.js';
import { filterEvents, listPage } from './list.js';
import { checkoutPage, portalPage, redirect, returnPage } from './pages.js';
import { listSessionLineItems } from './payment-links.js';
import { balanceTransaction } from './charges.js';
import { meterEventRoutes } from './meter-events.js';
import { listInvoicePayments } from './invoice-payments.js';
import { EmulatorStore, type PriceSeed, type PromotionCodeSeed } from './store.js';
import { WebhookDelivery, type DeliveryMode, type EventFormat } from './webhook-delivery.js';
import type { Params } from './params.js';

export interface EmulatorOptions {
  /** the key the service must send (`Authorization: Bearer …`) */
  secretKey: string;
  webhookSecret?: string;
  /** where events are POSTed, e.g. http://localhost:3000/api/webhooks/stripe */
  webhookUrl?: string;
  deliveryMode?: DeliveryMode;
  eventFormat?: EventFormat;
  prices?: PriceSeed[];
  port?: number;
  host?: string;
  retryBaseMs?: number;
  /** codes customers can enter on sessions with `allow_promotion_codes`; default WELCOME20 (20% off) */
  promotionCodes?: PromotionCodeSeed[];
  /** the account's Stripe Tax status (`GET /v1/tax/settings`); `pending` refuses `automatic_tax`. Default active */
  taxSettingsStatus?: 'active' | 'pending';
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  idempotencyKey: string | undefined;
  stripeVersion: string | undefined;
}

type Handler = (params: Params, match: RegExpExecArray, req: IncomingMessage) => unknown;

export interface StripeEmulator {
  url: string;
  store: EmulatorStore;
  /** every API request received, oldest first */
  requests: RecordedRequest[];
  completeCheckout(sessionId: string, options?: { outcome?: 'paid' | 'async_pending' }): Stripe.Checkout.Session;
  settleAsyncPayment(sessionId: string, succeeded: boolean): Stripe.Checkout.Session;
  expireCheckout(sessionId: string): Stripe.Checkout.Session;
  cancelSubscription(subscriptionId: string, options?: { atPeriodEnd?: boolean }): Stripe.Subscription;
  /** status `paused`; emits `customer.subscription.paused` and `customer.subscription.updated` */
  pauseSubscription(subscriptionId: string): Stripe.Subscription;
  /** like `stripe.subscriptions.resume`: a paused subscription becomes active with a new period (resumed, updated, invoice.paid) */
  resumeSubscription(subscriptionId: string): Stripe.Subscription;
  /** the period ends: the items move one interval on, `customer.subscription.updated` then `invoice.paid` (or the scheduled cancellation happens) */
  renewSubscription(subscriptionId: string): Stripe.Subscription;
  /** sets the status (e.g. past_due, unpaid) and emits `customer.subscription.updated` with `previous_attributes.status` */
  setSubscriptionStatus(subscriptionId: string, status: Stripe.Subscription.Status): Stripe.Subscription;
  /** emits `customer.subscription.trial_will_end` for a trialing subscription */
  trialWillEnd(subscriptionId: string): Stripe.Subscription;
  /** the trial ends now: paid → active + `invoice.paid`; not paid → past_due + `invoice.payment_failed` */
  endTrial(subscriptionId: string, options?: { paid: boolean }): Stripe.Subscription;
  /** the customer enters a promotion code on the checkout page (the session needs `allow_promotion_codes`) */
  applyPromotionCode(sessionId: string, code: string): Stripe.Checkout.Session;
  /** Stripe Entitlements: the customer's active features become these; emits `entitlements.active_entitlement_summary.updated` */
  setActiveEntitlements(customerId: string, lookupKeys: string[]): Stripe.Event;
  /** the customer's saved card: a test payment method (`pm_card_chargeCustomerFail`, `pm_card_authenticationRequired`, `pm_card_visa`) or an outcome */
  setPaymentMethod(customerId: string, method: string): void;
  /** the customer pays an open invoice on its hosted page (applies a pending update; 402 while the card still fails) */
  payInvoice(invoiceId: string): Stripe.Invoice;
  /** 23 hours pass: the subscription's pending update is discarded (`customer.subscription.pending_update_expired`) */
  expirePendingUpdate(subscriptionId: string): Stripe.Subscription;
  setDeliveryMode(mode: DeliveryMode): void;
  /** `thin`: deliver v2 thin event notifications (the service fetches the related object) instead of snapshot events */
  setEventFormat(format: EventFormat): void;
  /** where events go (known once the service listens) */
  setWebhookUrl(url: string): void;
  /** the next `count` API requests answer this error (Stripe's envelope), or drop the connection */
  failNextRequests(count: number, failure?: { status?: number; type?: EmulatorError['type']; message?: string; drop?: boolean }): void;
  waitForDeliveries(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A local Stripe: answers the API calls this service makes in Stripe's wire format (form-encoded
 * requests, Bearer key, idempotency keys, Stripe's error envelope), serves a hosted checkout page and
 * a customer portal, and delivers signed webhooks. The service reaches it only through the SDK and
 * STRIPE_API_URL.
 */
export async function createStripeEmulator(options: EmulatorOptions): Promise<StripeEmulator> {
  let baseUrl = '';
  const delivery = new WebhookDelivery({ url: options.webhookUrl, secret: options.webhookSecret, retryBaseMs: options.retryBaseMs });
  delivery.mode = options.deliveryMode ?? 'deliver';
  delivery.format = options.eventFormat ?? 'snapshot';
  const store = new EmulatorStore(() => baseUrl, delivery);
  for (const price of options.prices ?? []) store.seedPrice(price);
  for (const code of options.promotionCodes ?? [{ code: 'WELCOME20', percentOff: 20 }]) store.seedPromotionCode(code);
  store.taxSettingsStatus = options.taxSettingsStatus ?? 'active';
  const requests: RecordedRequest[] = [];
  const idempotent = new Map<string, { status: number; body: string; fingerprint: string }>();
  let failures: Array<{ status: number; type: EmulatorError['type']; message: string; drop: boolean }> = [];

  const expandSession = (session: Stripe.Checkout.Session, expand: unknown): Stripe.Checkout.Session => {
    const fields = Array.isArray(expand) ? (expand as string[]) : [];
    const out: Stripe.Checkout.Session = { ...session };
    if (fields.includes('subscription') && typeof session.subscription === 'string') out.subscription = store.subscription(session.subscription);
    if (fields.includes('customer') && typeof session.customer === 'string') out.customer = store.customer(session.customer);
    if (fields.includes('line_items')) {
      const { price, quantity } = store.sessionRecord(session.id);
      out.line_items = { object: 'list', data: [checkoutLineItemObject(session, price, quantity)], has_more: false, url: `/v1/checkout/sessions/${session.id}/line_items` };
    }
    return out;
  };

  /** `expand[]=latest_invoice` / `customer` on a subscription (`prefix` is `data.` on lists). */
  const expandSubscription = (subscription: Stripe.Subscription, expand: unknown, prefix = ''): Stripe.Subscription => {
    const fields = Array.isArray(expand) ? (expand as string[]) : [];
    const out: Stripe.Subscription = { ...subscription };
    if (fields.includes(`${prefix}latest_invoice`) && typeof subscription.latest_invoice === 'string')
      out.latest_invoice = store.invoices.get(subscription.latest_invoice) ?? subscription.latest_invoice;
    if (fields.includes(`${prefix}customer`) && typeof subscription.customer === 'string') out.customer = store.customers.get(subscription.customer) ?? subscription.customer;
    return out;
  };
  const listSubscriptions = (p: Params) => {
    const page = listPage(store.listSubscriptions(p), p, '/v1/subscriptions');
    return { ...page, data: page.data.map((s) => expandSubscription(s, p.expand, 'data.')) };
  };
  const priceMatches = (price: Stripe.Price, p: Params) => {
    if (p.active !== undefined && String(price.active) !== p.active) return false;
    if (p.product !== undefined && price.product !== p.product) return false;
    if (p.type !== undefined && price.type !== p.type) return false;
    const keys = p.lookup_keys as string[] | undefined;
    return !Array.isArray(keys) || keys.includes(price.lookup_key ?? '');
  };

  const routes: Array<[string, RegExp, Handler]> = [
    ['POST', /^\/v1\/customers$/, (p) => store.createCustomer(p)],
    ['GET', /^\/v1\/customers$/, (p) => listPage([...store.customers.values()].filter((c) => !p.email || c.email === p.email).reverse(), p, '/v1/customers')],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (_, m) => store.customer(m[1])],
    ['POST', /^\/v1\/checkout\/sessions$/, (p) => store.createCheckoutSession(p)],
    ['GET', /^\/v1\/checkout\/sessions$/, (p) => listPage([...store.sessions.values()].map((r) => r.session).reverse(), p, '/v1/checkout/sessions')],
    ['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, (p, m) => expandSession(store.sessionRecord(m[1]).session, p.expand)],
    ['POST', /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, (_, m) => store.expireCheckout(m[1])],
    ['GET', /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/, (p, m) => listSessionLineItems(store, m[1], p)],
    ['GET', /^\/v1\/prices$/, (p) => listPage([...store.prices.values()].filter((x) => priceMatches(x, p)).reverse(), p, '/v1/prices')],
    ['GET', /^\/v1\/prices\/([^/]+)$/, (_, m) => store.price(m[1])],
    ['POST', /^\/v1\/billing_portal\/sessions$/, (p) => store.createPortalSession(p)],
    ['GET', /^\/v1\/subscriptions$/, (p) => listSubscriptions(p)],
    ['GET', /^\/v1\/subscriptions\/([^/]+)$/, (p, m) => expandSubscription(store.subscription(m[1]), p.expand)],
    ['POST', /^\/v1\/subscriptions\/([^/]+)$/, (p, m) => expandSubscription(store.updateSubscription(m[1], p), p.expand)],
    ['DELETE', /^\/v1\/subscriptions\/([^/]+)$/, (p, m) => expandSubscription(store.cancelSubscription(m[1], p), p.expand)],
    ['POST', /^\/v1\/subscriptions\/([^/]+)\/pause$/, (p, m) => expandSubscription(store.pauseSubscription(m[1]), p.expand)],
    ['POST', /^\/v1\/subscriptions\/([^/]+)\/resume$/, (p, m) => expandSubscription(store.resumeSubscription(m[1], p), p.expand)],
    ['GET', /^\/v1\/balance_transactions\/([^/]+)$/, (_, m) => balanceTransaction(store, m[1])],
    ['POST', /^\/v1\/subscription_schedules$/, (p) => store.schedules.create(p)],
    ['GET', /^\/v1\/subscription_schedules\/([^/]+)$/, (p, m) => store.schedules.retrieve(m[1], p.expand)],
    ['POST', /^\/v1\/subscription_schedules\/([^/]+)$/, (p, m) => store.schedules.update(m[1], p)],
    ['POST', /^\/v1\/subscription_schedules\/([^/]+)\/release$/, (_, m) => store.schedules.release(m[1])],
    ['POST', /^\/v1\/invoices\/create_preview$/, (p) => store.previewInvoice(p)],
    ['GET', /^\/v1\/invoice_payments$/, (p) => listPage(listInvoicePayments(store, p), p, '/v1/invoice_payments')],
    ['GET', /^\/v1\/invoices$/, (p) => listPage(store.listInvoices(p), p, '/v1/invoices')],
    ['GET', /^\/v1\/invoices\/([^/]+)$/, (_, m) => store.invoice(m[1])],
    ['POST', /^\/v1\/invoices\/([^/]+)\/pay$/, (_, m) => store.payInvoice(m[1])],
    ['GET', /^\/v1\/events$/, (p) => listPage(filterEvents(store.events, p, delivery.delivered), p, '/v1/events')],
    ['GET', /^\/v1\/events\/([^/]+)$/, (_, m) => store.event(m[1])],
    ['GET', /^\/v1\/entitlements\/active_entitlements$/, (p) => listPage(store.listActiveEntitlements(p), p, '/v1/entitlements/active_entitlements')],
    ['GET', /^\/v1\/tax\/settings$/, () => store.taxSettings()],
    ...meterEventRoutes(store),
  ];

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${Math.random().toString(36).slice(2, 16)}`, ...headers });
    res.end(body);
  };

  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: Params): Promise<void> {
    const raw = await readBody(req);
    const body = parseForm(raw);
    const idempotencyKey = header(req, 'idempotency-key');
    requests.push({ method: req.method!, path, query, body, idempotencyKey, stripeVersion: header(req, 'stripe-version') });
    const failure = failures.shift();
    if (failure?.drop) {
      req.socket.destroy();
      return;
    }
    if (failure) return send(res, failure.status, JSON.stringify({ error: { type: failure.type, message: failure.message } }));
    if (header(req, 'authorization') !== `Bearer ${options.secretKey}`) {
      return send(res, 401, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***' } }));
    }
    const params = { ...query, ...body };
    if (idempotencyKey && req.method === 'POST') {
      const fingerprint = `${path}:${raw}`;
      const seen = idempotent.get(idempotencyKey);
      if (seen && seen.fingerprint !== fingerprint) {
        return send(
          res,
          400,
          JSON.stringify(new EmulatorError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with.`).body()),
        );
      }
      if (seen) return send(res, seen.status, seen.body, { 'idempotent-replayed': 'true' });
    }
    let status = 200;
    let payload: unknown;
    const route = routes.find(([method, pattern]) => method === req.method && pattern.test(path));
    try {
      if (!route) throw new EmulatorError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path}).`);
      payload = route[2](params, route[1].exec(path)!, req);
    } catch (error) {
      if (!(error instanceof EmulatorError)) throw error;
      status = error.status;
      payload = error.body();
    }
    const text = JSON.stringify(payload);
    if (idempotencyKey && req.method === 'POST' && status < 500) idempotent.set(idempotencyKey, { status, body: text, fingerprint: `${path}:${raw}` });
    send(res, status, text);
  }

  async function page(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    // the hosted page by session id; the embedded/elements stand-in by client secret (what Stripe.js mounts with)
    const checkout = /^\/(checkout|embedded)\/([A-Za-z0-9_]+)(?:\/(pay|pay-delayed|succeed|fail|cancel|promotion-code))?$/.exec(path);
    if (checkout) {
      const embedded = checkout[1] === 'embedded';
      const record = embedded ? store.sessionByClientSecret(checkout[2]) : store.sessions.get(checkout[2]);
      // a hosted page has no client secret, an embedded session no hosted page
      if (!record || (record.session.ui_mode === 'hosted_page') === embedded) return false;
      const base = `/${checkout[1]}/${checkout[2]}`;
      const action = checkout[3];
      const render = (status: number, promotionError?: string) => {
        const trial = record.trialPeriodDays
          ? `${record.trialPeriodDays}-day free trial`
          : record.trialEnd
            ? `Free trial until ${new Date(record.trialEnd * 1000).toISOString().slice(0, 10)}`
            : undefined;
        res
          .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
          .end(checkoutPage(record.session, record.price, record.quantity, record.paymentFailed, trial, { base, embedded, promotionError }));
        return true;
      };
      if (!action) return render(200);
      if (req.method !== 'POST') return false;
      const form = parseForm(await readBody(req));
      if (action === 'promotion-code') {
        try {
          store.applyPromotionCode(record.session.id, typeof form.code === 'string' ? form.code : '');
        } catch (error) {
          if (!(error instanceof EmulatorError)) throw error;
          return render(400, error.message);
        }
        return (redirect(res, base), true);
      }
      const session = record.session;
      // embedded with redirect_on_completion=never: the page itself shows the result
      const success =
        session.redirect_on_completion === 'never' ? `${baseUrl}${base}` : (session.success_url ?? session.return_url ?? '/').replace('{CHECKOUT_SESSION_ID}', session.id);
      if (action === 'pay') store.completeCheckout(session.id, 'paid');
      if (action === 'pay-delayed') store.completeCheckout(session.id, 'async_pending');
      if (action === 'succeed') store.settleAsyncPayment(session.id, true);
      if (action === 'fail') store.settleAsyncPayment(session.id, false);
      if (action === 'cancel') return embedded ? false : (redirect(res, session.cancel_url ?? '/'), true);
      // like Stripe: paying (even by a delayed method) returns to the success URL; settling is simulated on this page
      redirect(res, action === 'succeed' || action === 'fail' ? `${baseUrl}${base}` : success);
      return true;
    }
    if (path === '/_emulator/trigger' && req.method === 'POST') {
      // the emulator's own key, as the API wants it: a web page open in the developer's browser cannot send it
      // (a cross-site form post carries no Authorization header), so it cannot make the emulator deliver events
      if (header(req, 'authorization') !== `Bearer ${options.secretKey}`) {
        await readBody(req);
        send(res, 401, JSON.stringify({ error: { type: 'invalid_request_error', message: 'The trigger route needs Authorization: Bearer <the emulator secret key>' } }));
        return true;
      }
      const body = JSON.parse((await readBody(req)) || '{}') as { type?: string; email?: string; lookupKeys?: unknown; format?: unknown };
      const lookupKeys = Array.isArray(body.lookupKeys) ? body.lookupKeys.map(String) : undefined;
      // `format: "thin"` delivers these events as thin notifications (the format is taken when each is sent)
      const format = delivery.format;
      if (body.format === 'thin' || body.format === 'snapshot') delivery.format = body.format;
      let events: Stripe.Event[];
      try {
        events = store.trigger(String(body.type ?? ''), body.email, lookupKeys);
      } finally {
        delivery.format = format;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ events: events.map((e) => ({ id: e.id, type: e.type })) }));
      return true;
    }
    const back = /^\/return\/(success|cancel)$/.exec(path);
    if (back) {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(returnPage(back[1] as 'success' | 'cancel', new URL(req.url ?? '/', 'http://x').searchParams.get('session_id')));
      return true;
    }
    const portal = /^\/portal\/([^/]+)(?:\/(cancel|cancel-now)\/([^/]+))?$/.exec(path);
    if (portal) {
      const session = store.portalSessions.get(portal[1]);
      if (!session) return false;
      if (!portal[2]) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(portalPage(session, store.customerSubscriptions(session.customer)));
        return true;
      }
      if (req.method !== 'POST') return false;
      await readBody(req);
      if (portal[2] === 'cancel') store.updateSubscription(portal[3], { cancel_at_period_end: 'true' });
      else store.cancelSubscription(portal[3]);
      redirect(res, `${baseUrl}/portal/${session.id}`);
      return true;
    }
    return false;
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const handle = async () => {
      if (url.pathname.startsWith('/v1/')) return api(req, res, url.pathname, parseForm(url.search.slice(1)));
      if (!(await page(req, res, url.pathname))) send(res, 404, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Not found' } }));
    };
    handle().catch((error: unknown) => {
      if (error instanceof EmulatorError) return send(res, error.status, JSON.stringify(error.body()));
      send(res, 500, JSON.stringify({ error: { type: 'api_error', message: error instanceof Error ? error.message : 'emulator error' } }));
    });
  });
  // sessions expire like Stripe's: checked every few seconds
  const expiry = setInterval(() => store.expireDue(), 5000);
  expiry.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host === '0.0.0.0' ? 'localhost' : (options.host ?? '127.0.0.1')}:${address.port}`;

  return {
    url: baseUrl,
    store,
    requests,
    completeCheckout: (id, o) => store.completeCheckout(id, o?.outcome ?? 'paid'),
    settleAsyncPayment: (id, ok) => store.settleAsyncPayment(id, ok),
    expireCheckout: (id) => store.expireCheckout(id),
    cancelSubscription: (id, o) => (o?.atPeriodEnd ? store.updateSubscription(id, { cancel_at_period_end: 'true' }) : store.cancelSubscription(id)),
    pauseSubscription: (id) => store.pauseSubscription(id),
    resumeSubscription: (id) => store.resumeSubscription(id),
    renewSubscription: (id) => store.renewSubscription(id),
    setSubscriptionStatus: (id, status) => store.setSubscriptionStatus(id, status),
    trialWillEnd: (id) => store.trialWillEnd(id),
    endTrial: (id, o) => store.endTrial(id, { paid: o?.paid ?? true }),
    applyPromotionCode: (id, code) => store.applyPromotionCode(id, code),
    setActiveEntitlements: (customer, keys) => store.setActiveEntitlements(customer, keys),
    setPaymentMethod: (customer, method) => void store.payments.set(customer, method),
    payInvoice: (id) => store.payInvoice(id),
    expirePendingUpdate: (id) => store.expirePendingUpdate(id),
    setDeliveryMode: (mode) => (delivery.mode = mode),
    setEventFormat: (format) => (delivery.format = format),
    setWebhookUrl: (url) => delivery.setUrl(url),
    failNextRequests: (count, failure = {}) => {
      failures = Array.from({ length: count }, () => ({
        status: failure.status ?? 500,
        type: failure.type ?? 'api_error',
        message: failure.message ?? 'An unknown error occurred',
        drop: failure.drop ?? false,
      }));
    },
    waitForDeliveries: () => delivery.settled(),
    close: async () => {
      clearInterval(expiry);
      delivery.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
      if (data.length > 1_000_000) req.destroy();
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
