import { ApiProperty } from '@nestjs/swagger';
import { SUBSCRIPTION_STATUS_PROPERTY } from '../common/openapi/subscription-status.js';

export class PriceCheckDto {
  @ApiProperty({ example: 'pro' })
  plan!: string;

  @ApiProperty({ enum: ['month', 'year', 'once'], enumName: 'PriceInterval' })
  interval!: 'month' | 'year' | 'once';

  @ApiProperty({ example: 'price_1PgafmB7WZ01zgkW' })
  priceId!: string;

  @ApiProperty({ description: 'The price exists in Stripe, is active, and its kind matches its variable' })
  ok!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'the price recurs every year, the variable says month' })
  problem!: string | null;
}

export class UnmappedSubscriptionDto {
  @ApiProperty({ example: 'sub_1MowQVLkdIwHu7ixeRlqHVzs' })
  stripeSubscriptionId!: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  userId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'price_1Pgb2nB7WZ01zgkW' })
  priceId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'prod_NWjs8kKbJWmuuc' })
  productId!: string | null;

  @ApiProperty({ ...SUBSCRIPTION_STATUS_PROPERTY, nullable: false })
  status!: string;

  @ApiProperty({ example: 'the price maps to no plan: add it to STRIPE_PRICE_*, give its product a catalogue price, or set lookup_key or metadata.plan' })
  problem!: string;
}

class MeterOutboxPendingDto {
  @ApiProperty() rows!: number;
  @ApiProperty() units!: number;
  @ApiProperty({ description: 'Age of the oldest unsent row (0 when none)' }) oldestAgeSeconds!: number;
}

class MeterOutboxFailedDto {
  @ApiProperty() rows!: number;
  @ApiProperty() units!: number;
}

export class MeterOutboxStatusDto {
  @ApiProperty({ type: MeterOutboxPendingDto }) pending!: MeterOutboxPendingDto;
  @ApiProperty({ type: MeterOutboxFailedDto, description: 'Events Stripe refused (listed on GET /api/admin/usage/meter-events)' }) failed!: MeterOutboxFailedDto;
}

export class StripeStatusDto {
  @ApiProperty({ enum: ['test', 'live'], nullable: true, description: "The secret key's mode; null without a key" })
  mode!: 'test' | 'live' | null;

  @ApiProperty({ example: 1, description: 'How many webhook signing secrets are configured' })
  webhookSecrets!: number;

  @ApiProperty({ description: 'True while the start-up check is still running (outside production it runs in the background after the service listens)' })
  pending!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the start-up check finished; null while it is pending or without a key' })
  checkedAt!: Date | null;

  @ApiProperty({ type: [String], description: 'Each problem found, as logged at start' })
  problems!: string[];

  @ApiProperty({ type: [PriceCheckDto] })
  prices!: PriceCheckDto[];

  @ApiProperty({ type: [UnmappedSubscriptionDto], description: 'Subscriptions that have not ended whose price maps to no plan: they grant nothing until it does' })
  unmappedSubscriptions!: UnmappedSubscriptionDto[];

  @ApiProperty({ type: MeterOutboxStatusDto, description: "The overage outbox for Stripe's Billing Meters: its size and the age of its oldest unsent row" })
  usageMeterOutbox!: MeterOutboxStatusDto;
}
