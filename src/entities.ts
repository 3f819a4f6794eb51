import { RefreshToken } from './auth/entities/refresh-token.entity.js';
import { Charge } from './entitlements/entities/charge.entity.js';
import { CheckoutSession } from './entitlements/entities/checkout-session.entity.js';
import { Fulfillment } from './entitlements/entities/fulfillment.entity.js';
import { CustomerEntitlements } from './entitlements/entities/customer-entitlements.entity.js';
import { Dispute } from './entitlements/entities/dispute.entity.js';
import { Grant } from './entitlements/entities/grant.entity.js';
import { Invoice } from './entitlements/entities/invoice.entity.js';
import { Refund } from './entitlements/entities/refund.entity.js';
import { Subscription } from './entitlements/entities/subscription.entity.js';
import { User } from './users/user.entity.js';
import { StripeEvent } from './webhooks/entities/stripe-event.entity.js';

/** Every entity, listed once for the app and the migration tooling. */
export const ENTITIES = [User, RefreshToken, CheckoutSession, Fulfillment, Subscription, Grant, CustomerEntitlements, Invoice, Refund, Charge, Dispute, StripeEvent];
