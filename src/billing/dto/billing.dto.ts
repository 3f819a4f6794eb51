import { SUBSCRIPTION_STATUS_PROPERTY } from '../../common/openapi/subscription-status.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import type { CheckoutSession } from '../entities/checkout-session.entity.js';

export const INTERVALS = ['month', 'year', 'once'] as const;

export class PlanDto {
  @ApiProperty({ example: 'pro', description: 'Lower-cased <PLAN> of STRIPE_PRICE_<PLAN>_<INTERVAL>' })
  plan!: string;

  @ApiProperty({ enum: INTERVALS, enumName: 'PriceInterval' })
  interval!: 'month' | 'year' | 'once';

  @ApiProperty({ example: 'price_1PgafmB7WZ01zgkW6dKueIc5' })
  priceId!: string;

  @ApiProperty({ enum: ['subscription', 'payment'], enumName: 'CheckoutMode', description: 'month/year are subscriptions, once a one-time payment' })
  mode!: 'subscription' | 'payment';
}

export class CreateCheckoutSessionDto {
  @ApiProperty({ example: 'pro', maxLength: 64 })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9_]+$/, { message: 'plan must be a plan name from GET /api/billing/plans' })
  plan!: string;

  @ApiProperty({ enum: INTERVALS, enumName: 'PriceInterval', example: 'month' })
  @IsIn(INTERVALS, { message: 'interval must be one of month, year, once' })
  interval!: 'month' | 'year' | 'once';
}

export class CheckoutSessionDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the session' })
  id!: string;

  @ApiProperty({ example: 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY' })
  stripeSessionId!: string;

  @ApiProperty({ type: String, nullable: true, description: "Stripe's hosted page: redirect the browser here", example: 'https://checkout.stripe.com/c/pay/cs_test_a1…' })
  url!: string | null;

  @ApiProperty({ enum: ['open', 'complete', 'expired'], enumName: 'CheckoutSessionStatus' })
  status!: string;

  @ApiProperty({ enum: ['unpaid', 'paid', 'no_payment_required'], enumName: 'CheckoutPaymentStatus' })
  paymentStatus!: string;

  @ApiProperty({ enum: ['subscription', 'payment', 'setup'], enumName: 'CheckoutSessionMode' })
  mode!: string;

  @ApiProperty({ type: String, nullable: true, example: 'pro' })
  plan!: string | null;

  @ApiProperty({ enum: INTERVALS, enumName: 'PriceInterval', nullable: true })
  interval!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 2000, description: "In the currency's minor unit" })
  amountTotal!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'usd' })
  currency!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When what the session bought was granted; set once, never moved' })
  fulfilledAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  static from(row: CheckoutSession): CheckoutSessionDto {
    return {
      id: row.id,
      stripeSessionId: row.stripeSessionId,
      url: row.status === 'open' ? row.url : null,
      status: row.status,
      paymentStatus: row.paymentStatus,
      mode: row.mode,
      plan: row.plan,
      interval: row.interval,
      amountTotal: row.amountTotal,
      currency: row.currency,
      expiresAt: row.expiresAt,
      fulfilledAt: row.fulfilledAt,
      createdAt: row.createdAt,
    };
  }
}

export class CheckoutSessionPageDto {
  @ApiProperty({ type: [CheckoutSessionDto] })
  items!: CheckoutSessionDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class ConfirmedCheckoutSessionDto extends CheckoutSessionDto {
  @ApiProperty({ example: 'pro', description: "The user's plan after the confirmation (`free` while the session is unpaid)" })
  declare plan: string;

  @ApiProperty({ type: String, nullable: true, example: 'pro', description: 'The plan this session buys' })
  purchasedPlan!: string | null;

  @ApiPropertyOptional({ ...SUBSCRIPTION_STATUS_PROPERTY, description: "The user's subscription status after the confirmation" })
  subscriptionStatus!: string | null;
}

export class PortalSessionDto {
  @ApiProperty({ example: 'https://billing.stripe.com/p/session/test_YWNjdF8x', description: 'Redirect the browser here' })
  url!: string;
}

export class SubscriptionDto {
  @ApiProperty({ example: 'pro' })
  plan!: string;

  @ApiProperty({ ...SUBSCRIPTION_STATUS_PROPERTY, description: "Stripe's subscription status; null without a subscription" })
  status!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  currentPeriodEnd!: Date | null;

  @ApiProperty({ example: false })
  cancelAtPeriodEnd!: boolean;
}
