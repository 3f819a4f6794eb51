import type Stripe from 'stripe';
import type { CheckoutMode, CheckoutPaymentStatus, CheckoutSessionStatus, CheckoutUiMode } from '../entities/checkout-session.entity.js';
import { idOf, seconds } from './stripe-values.js';

/** What our row needs from a Stripe Checkout Session, whatever path brought it. */
export interface SessionFacts {
  stripeSessionId: string;
  mode: CheckoutMode;
  status: CheckoutSessionStatus;
  paymentStatus: CheckoutPaymentStatus;
  amountTotal: number | null;
  /** before discounts and tax */
  amountSubtotal: number | null;
  /** `total_details.amount_discount` */
  amountDiscount: number | null;
  /** `total_details.amount_tax` */
  amountTax: number | null;
  uiMode: CheckoutUiMode;
  currency: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  customerEmail: string | null;
  url: string | null;
  expiresAt: Date | null;
  clientReferenceId: string | null;
  metadataUserId: string | null;
  metadataPlan: string | null;
  metadataInterval: string | null;
}

export function sessionFacts(session: Stripe.Checkout.Session): SessionFacts {
  const status = (['open', 'complete', 'expired'] as const).includes(session.status as CheckoutSessionStatus) ? (session.status as CheckoutSessionStatus) : 'open';
  const paymentStatus = (['paid', 'unpaid', 'no_payment_required'] as const).includes(session.payment_status as CheckoutPaymentStatus)
    ? (session.payment_status as CheckoutPaymentStatus)
    : 'unpaid';
  const metadata = session.metadata ?? {};
  return {
    stripeSessionId: session.id,
    mode: session.mode as CheckoutMode,
    status,
    paymentStatus,
    amountTotal: session.amount_total ?? null,
    amountSubtotal: session.amount_subtotal ?? null,
    amountDiscount: session.total_details?.amount_discount ?? null,
    amountTax: session.total_details?.amount_tax ?? null,
    uiMode: uiModeOf(session.ui_mode),
    currency: session.currency ? session.currency.toLowerCase() : null,
    customerId: idOf(session.customer),
    subscriptionId: idOf(session.subscription),
    paymentIntentId: idOf(session.payment_intent),
    customerEmail: (session.customer_details?.email ?? session.customer_email ?? null)?.toLowerCase() ?? null,
    url: session.url ?? null,
    expiresAt: seconds(session.expires_at),
    clientReferenceId: session.client_reference_id ?? null,
    metadataUserId: metadata.userId ?? null,
    metadataPlan: metadata.plan ?? null,
    metadataInterval: metadata.interval ?? null,
  };
}

/** Stripe's `ui_mode`, in this API version's names or the older ones (`hosted`, `embedded`, `custom`); unset is the hosted page. */
export function uiModeOf(uiMode: string | null | undefined): CheckoutUiMode {
  if (uiMode === 'embedded_page' || uiMode === 'embedded') return 'embedded';
  if (uiMode === 'elements' || uiMode === 'custom') return 'elements';
  return 'hosted';
}
