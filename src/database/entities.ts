import { RefreshToken } from '../auth/entities/refresh-token.entity.js';
import { CheckoutSession } from '../billing/entities/checkout-session.entity.js';
import { Fulfillment } from '../billing/entities/fulfillment.entity.js';
import { User } from '../users/user.entity.js';
import { StripeEvent } from '../webhooks/entities/stripe-event.entity.js';

/** Every entity, listed once for the app and the migration tooling. */
export const ENTITIES = [User, RefreshToken, CheckoutSession, Fulfillment, StripeEvent];
