import type { CheckoutMode, CheckoutPaymentStatus, CheckoutSessionStatus } from '../../entitlements/entities/checkout-session.entity.js';
import { KNOWN_SUBSCRIPTION_STATUSES } from '../../common/openapi/subscription-status.js';
import type { FulfillmentSource } from '../../entitlements/entities/fulfillment.entity.js';
import type { UserRole } from '../../users/user.entity.js';
import type { StripeEventStatus } from '../../webhooks/entities/stripe-event.entity.js';

// Value lists for validation and for the OpenAPI enums (typed against the entities' unions).
export const SESSION_STATUSES: readonly CheckoutSessionStatus[] = ['open', 'complete', 'expired'];
export const PAYMENT_STATUSES: readonly CheckoutPaymentStatus[] = ['paid', 'unpaid', 'no_payment_required'];
export const SESSION_MODES: readonly CheckoutMode[] = ['payment', 'subscription', 'setup'];
export const EVENT_STATUSES: readonly StripeEventStatus[] = ['received', 'processed', 'failed', 'ignored'];
export const FULFILLMENT_SOURCES: readonly FulfillmentSource[] = ['webhook', 'confirm', 'sync', 'replay', 'recovery'];
export const USER_ROLES: readonly UserRole[] = ['user', 'admin'];
/** Stripe's subscription statuses: the one list, kept with the OpenAPI property that documents them. */
export const SUBSCRIPTION_STATUSES = KNOWN_SUBSCRIPTION_STATUSES;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
