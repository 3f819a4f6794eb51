import type { ServerResponse } from 'node:http';
import type Stripe from 'stripe';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const money = (amount: number | null, currency: string | null) =>
  amount === null ? '' : new Intl.NumberFormat('en', { style: 'currency', currency: (currency ?? 'usd').toUpperCase() }).format(amount / 100);

const layout = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
 body{font-family:system-ui,-apple-system,sans-serif;background:#f6f9fc;margin:0;color:#1a1f36}
 main{max-width:440px;margin:48px auto;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:32px}
 .badge{display:inline-block;background:#ffde92;color:#7a4a00;font-size:12px;border-radius:4px;padding:2px 8px;margin-bottom:16px}
 h1{font-size:20px;margin:0 0 4px} .amount{font-size:32px;font-weight:600;margin:8px 0 24px}
 button{width:100%;padding:12px;border:0;border-radius:6px;font-size:16px;margin-top:10px;cursor:pointer;background:#635bff;color:#fff}
 button.secondary{background:#e3e8ee;color:#1a1f36} .muted{color:#697386;font-size:14px}
 input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #e3e8ee;border-radius:6px;font-size:16px;margin-top:10px}
</style></head><body><main><span class="badge">TEST MODE · local Stripe emulator</span>${body}</main></body></html>`;

/** Where a checkout page's forms post: the hosted page by session id, the embedded stand-in by client secret. */
export interface CheckoutPageTarget {
  /** `/checkout/<session id>` or `/embedded/<client secret>` */
  base: string;
  /** the stand-in for what Stripe.js mounts (embedded or elements): no cancel button, forms navigate the top window */
  embedded?: boolean;
  /** a promotion code the page refused */
  promotionError?: string;
}

/** Stripe's hosted checkout page (or the embedded one), reduced to what a person needs to test the flow. */
export function checkoutPage(session: Stripe.Checkout.Session, price: Stripe.Price, quantity: number, paymentFailed = false, trial?: string, target?: CheckoutPageTarget): string {
  const base = target?.base ?? `/checkout/${session.id}`;
  const embedded = target?.embedded ?? false;
  const what = price.nickname ?? (session.metadata?.plan ? `${session.metadata.plan} plan` : price.id);
  const per = price.recurring ? ` / ${price.recurring.interval}` : '';
  // inside an iframe (Stripe.js mounts one) the payment navigates the whole page to the return URL
  const form = (action: string, label: string, id: string, cls = '') =>
    `<form method="post" action="${base}/${action}"${embedded ? ' target="_top"' : ''}><button id="${id}" class="${cls}" type="submit">${label}</button></form>`;
  const details = session.total_details;
  const lines =
    (details?.amount_discount ? `<p class="muted" id="discount">Discount: −${money(details.amount_discount, session.currency)}</p>` : '') +
    (session.automatic_tax?.enabled
      ? `<p class="muted" id="tax">Tax: ${session.automatic_tax.status === 'complete' ? money(details?.amount_tax ?? 0, session.currency) : 'computed from your address'}</p>`
      : '');
  const promotion =
    session.status === 'open' && session.allow_promotion_codes
      ? `<form method="post" action="${base}/promotion-code"><input id="promotion-code" name="code" placeholder="Promotion code" autocomplete="off"><button id="apply-code" class="secondary" type="submit">Apply</button></form>${
          target?.promotionError ? `<p class="muted" id="promotion-error">${escape(target.promotionError)}</p>` : ''
        }`
      : '';
  const terms = session.consent_collection?.terms_of_service === 'required' ? `<p class="muted" id="terms">By paying you agree to the terms of service.</p>` : '';
  let actions: string;
  if (session.status === 'open') {
    actions =
      promotion +
      terms +
      form('pay', 'Pay', 'pay') +
      form('pay-delayed', 'Pay with a delayed method (bank debit)', 'pay-delayed', 'secondary') +
      (embedded ? '' : form('cancel', 'Cancel and go back', 'cancel', 'secondary'));
  } else if (paymentFailed) {
    actions = `<p class="muted" id="state">The delayed payment failed: nothing was charged.</p>`;
  } else if (session.status === 'complete' && session.payment_status === 'unpaid') {
    actions =
      `<p class="muted" id="pending">The bank debit is processing.</p>` +
      form('succeed', 'Simulate: the payment succeeds', 'succeed') +
      form('fail', 'Simulate: the payment fails', 'fail', 'secondary');
  } else {
    actions = `<p class="muted" id="state">This checkout session is ${escape(session.status ?? '')} (${escape(session.payment_status)}).</p>`;
  }
  const badge = embedded ? `<p class="muted" id="mode">Embedded checkout (${escape(session.ui_mode ?? '')}): a stand-in for what Stripe.js mounts</p>` : '';
  return layout(
    `Checkout: ${what}`,
    `${badge}<h1 id="product">${escape(String(what))}</h1><p class="muted">${quantity} × ${escape(price.id)}</p>
     <div class="amount" id="amount">${money(session.amount_total, session.currency)}${per}</div>${lines}${
       trial ? `<p class="muted" id="trial">${escape(trial)}, then ${money((price.unit_amount ?? 0) * quantity, price.currency)}${per}</p>` : ''
     }${actions}`,
  );
}

/** The customer portal: the customer's subscriptions, each cancellable at period end or now. */
export function portalPage(session: Stripe.BillingPortal.Session, subscriptions: Stripe.Subscription[]): string {
  const rows = subscriptions
    .map((s) => {
      const price = s.items.data[0]?.price;
      const state = s.status === 'canceled' ? 'canceled' : s.cancel_at_period_end ? 'cancels at period end' : s.status;
      const buttons =
        s.status === 'canceled'
          ? ''
          : `${s.cancel_at_period_end ? '' : `<form method="post" action="/portal/${session.id}/cancel/${s.id}"><button class="secondary" id="cancel-${s.id}">Cancel at period end</button></form>`}
             <form method="post" action="/portal/${session.id}/cancel-now/${s.id}"><button class="secondary" id="cancel-now-${s.id}">Cancel now</button></form>`;
      return `<section><h1>${escape(price?.nickname ?? price?.id ?? s.id)}</h1><p class="muted" id="status-${s.id}">${escape(state)}</p>${buttons}</section>`;
    })
    .join('');
  const back = session.return_url ? `<p><a id="return" href="${escape(session.return_url)}">Return to the app</a></p>` : '';
  return layout('Customer portal', (rows || '<p class="muted">No subscriptions.</p>') + back);
}

/** Where the emulator's own demo success/cancel URLs land when the app has no frontend. */
export function returnPage(kind: 'success' | 'cancel', sessionId: string | null): string {
  const body =
    kind === 'success'
      ? `<h1 id="result">Payment submitted</h1><p class="muted">Your frontend's success page would now call <code>POST /api/billing/checkout-sessions/${escape(sessionId ?? '{id}')}/confirm</code> once and show the new plan.</p>`
      : `<h1 id="result">Checkout canceled</h1><p class="muted">Nothing was charged.</p>`;
  return layout(kind === 'success' ? 'Payment submitted' : 'Checkout canceled', body);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location }).end();
}
