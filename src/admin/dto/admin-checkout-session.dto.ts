import { ApiProperty } from '@nestjs/swagger';
import type { CheckoutMode, CheckoutPaymentStatus, CheckoutSession, CheckoutSessionStatus, CheckoutUiMode } from '../../entitlements/entities/checkout-session.entity.js';
import type { FulfillmentSource } from '../../entitlements/entities/fulfillment.entity.js';
import type { StripeEventStatus } from '../../webhooks/entities/stripe-event.entity.js';
import { AdminUserDto } from './admin-user.dto.js';
import { EVENT_STATUSES, FULFILLMENT_SOURCES, PAYMENT_STATUSES, SESSION_MODES, SESSION_STATUSES } from './enums.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Stripe's dispute statuses in this API version, an open set (the SDK's type ends in `| OtherString`). */
const DISPUTE_STATUS_PROPERTY = {
  type: String,
  example: 'needs_response',
  'x-extensible-enum': [
    'warning_needs_response',
    'warning_under_review',
    'warning_closed',
    'needs_response',
    'under_review',
    'won',
    'lost',
    'prevented',
    'appeal_needs_response',
    'appeal_under_review',
  ],
} as const;

export class SessionDisputeDto {
  @ApiProperty({ example: 'dp_1Pgc71B7WZ01zgkWMevJiAUx' }) id!: string;
  @ApiProperty({ ...DISPUTE_STATUS_PROPERTY, description: "Stripe's dispute status (Stripe keeps the set open: handle an unknown value)" })
  status!: string;
  @ApiProperty({ type: String, nullable: true, example: 'fraudulent' }) reason!: string | null;
  @ApiProperty({ example: 49900, description: "In the currency's minor unit" }) amount!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) evidenceDueBy!: string | null;
}

/** One checkout session in the admin history, with its user's email. */
export class AdminCheckoutSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'cs_test_a1b2c3' }) stripeSessionId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null for a session no user could be linked to' })
  userId!: string | null;
  @ApiProperty({ type: String, format: 'email', nullable: true, description: "The linked user's email" })
  userEmail!: string | null;
  @ApiProperty({ enum: SESSION_MODES, enumName: 'CheckoutSessionMode' }) mode!: CheckoutMode;
  @ApiProperty({ type: String, nullable: true, example: 'pro' }) plan!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['month', 'year', 'once'] }) interval!: 'month' | 'year' | 'once' | null;
  @ApiProperty({ type: String, nullable: true }) priceId!: string | null;
  @ApiProperty() quantity!: number;
  @ApiProperty({ enum: SESSION_STATUSES, enumName: 'CheckoutSessionStatus' }) status!: CheckoutSessionStatus;
  @ApiProperty({ enum: PAYMENT_STATUSES, enumName: 'CheckoutPaymentStatus' }) paymentStatus!: CheckoutPaymentStatus;
  @ApiProperty({ type: Number, nullable: true, description: "In the currency's minor unit" }) amountTotal!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 2000, description: 'Before discounts and tax' }) amountSubtotal!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 400, description: 'What promotion codes or coupons took off' }) amountDiscount!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0 }) amountTax!: number | null;
  @ApiProperty({ enum: ['hosted', 'embedded', 'elements'], enumName: 'CheckoutUiMode', example: 'hosted' }) uiMode!: CheckoutUiMode;
  @ApiProperty({ type: String, nullable: true, example: 'usd' }) currency!: string | null;
  @ApiProperty({ description: 'Refunded so far (minor units); 0 until refunded' }) amountRefunded!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) refundedAt!: string | null;
  @ApiProperty({ type: [SessionDisputeDto], description: "Disputes of the session's payment" }) disputes!: SessionDisputeDto[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When an admin linked this unmatched session to its user' }) linkedAt!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The admin who linked it' }) linkedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) linkReason!: string | null;
  @ApiProperty({ type: String, format: 'email', nullable: true, description: 'The email Stripe collected' }) customerEmail!: string | null;
  @ApiProperty({ type: String, nullable: true }) stripeCustomerId!: string | null;
  @ApiProperty({ type: String, nullable: true }) stripeSubscriptionId!: string | null;
  @ApiProperty({ type: String, nullable: true }) stripePaymentIntentId!: string | null;
  @ApiProperty({ description: 'True when a webhook brought a session no user could be linked to' }) unmatched!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When what it bought was granted; set once' })
  fulfilledAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) paymentFailedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Stripe `created` of the newest event applied' })
  lastEventAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(session: CheckoutSession, userEmail: string | null, disputes: SessionDisputeDto[] = []): AdminCheckoutSessionDto {
    return {
      id: session.id,
      stripeSessionId: session.stripeSessionId,
      userId: session.userId,
      userEmail,
      mode: session.mode,
      plan: session.plan,
      interval: session.interval,
      priceId: session.priceId,
      quantity: session.quantity,
      status: session.status,
      paymentStatus: session.paymentStatus,
      amountTotal: session.amountTotal,
      amountSubtotal: session.amountSubtotal,
      amountDiscount: session.amountDiscount,
      amountTax: session.amountTax,
      uiMode: session.uiMode,
      currency: session.currency,
      amountRefunded: session.amountRefunded,
      refundedAt: iso(session.refundedAt),
      disputes,
      linkedAt: iso(session.linkedAt),
      linkedBy: session.linkedBy,
      linkReason: session.linkReason,
      customerEmail: session.customerEmail,
      stripeCustomerId: session.stripeCustomerId,
      stripeSubscriptionId: session.stripeSubscriptionId,
      stripePaymentIntentId: session.stripePaymentIntentId,
      unmatched: session.unmatched,
      expiresAt: iso(session.expiresAt),
      fulfilledAt: iso(session.fulfilledAt),
      paymentFailedAt: iso(session.paymentFailedAt),
      lastEventAt: iso(session.lastEventAt),
      createdAt: session.createdAt.toISOString(),
      updatedAt: session.updatedAt.toISOString(),
    };
  }
}

export class AdminCheckoutSessionPageDto {
  @ApiProperty({ type: [AdminCheckoutSessionDto] }) items!: AdminCheckoutSessionDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

/** One Stripe event in a session's timeline (the payload is on `GET /api/admin/webhook-events/:id`). */
export class TimelineEventDto {
  @ApiProperty({ example: 'evt_1NG8Du2eZvKYlo2CUI79vXWy' }) id!: string;
  @ApiProperty({ example: 'checkout.session.completed' }) type!: string;
  @ApiProperty({ enum: EVENT_STATUSES, enumName: 'StripeEventStatus' }) status!: StripeEventStatus;
  @ApiProperty({ type: String, nullable: true, description: 'The id of the event object (cs_…, sub_…, in_…)' }) objectId!: string | null;
  @ApiProperty({ format: 'date-time', description: "Stripe's `created`" }) stripeCreatedAt!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) processedAt!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, nullable: true }) ignoredReason!: string | null;
  @ApiProperty({ example: 'webhook', description: 'How the event reached us: `webhook` or `recovery`' }) source!: string;
}

export class FulfillmentEntryDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ enum: FULFILLMENT_SOURCES, enumName: 'FulfillmentSource' }) source!: FulfillmentSource;
  @ApiProperty({ type: String, nullable: true, description: 'The Stripe event that brought it, when one did' }) eventId!: string | null;
}

/** The answer to "what happened to this payment?". */
export class AdminCheckoutSessionDetailDto extends AdminCheckoutSessionDto {
  @ApiProperty({ type: AdminUserDto, nullable: true }) user!: AdminUserDto | null;
  @ApiProperty({ type: [TimelineEventDto], description: "Events about the session, its subscription and payment, by Stripe's `created` then arrival" })
  timeline!: TimelineEventDto[];
  @ApiProperty({ type: [FulfillmentEntryDto], description: 'At most one entry: the grant of what the session bought' })
  fulfillments!: FulfillmentEntryDto[];
}
