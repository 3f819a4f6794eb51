import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { SUBSCRIPTION_STATUS_PROPERTY } from '../../common/openapi/subscription-status.js';
import type { Grant } from '../../entitlements/entities/grant.entity.js';
import type { Subscription } from '../../entitlements/entities/subscription.entity.js';
import { UUID_PATTERN } from '../../common/pagination/cursor.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export class AdminGrantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'lifetime' }) plan!: string;
  @ApiProperty({ enum: ['subscription', 'purchase', 'admin'], enumName: 'GrantSource' }) source!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'Our subscription row, for a subscription grant' }) subscriptionId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'Our checkout session, for a purchase grant' }) checkoutSessionId!: string | null;
  @ApiProperty({ format: 'date-time' }) startsAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endsAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set while the grant gives nothing' }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) revokedReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The admin who granted or revoked it by hand' }) actorId!: string | null;
  @ApiProperty({ description: 'Gives its plan now (not revoked, started, not ended)' }) active!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(g: Grant): AdminGrantDto {
    const now = Date.now();
    return {
      id: g.id,
      plan: g.plan,
      source: g.source,
      subscriptionId: g.subscriptionId,
      checkoutSessionId: g.checkoutSessionId,
      startsAt: g.startsAt.toISOString(),
      endsAt: iso(g.endsAt),
      revokedAt: iso(g.revokedAt),
      revokedReason: g.revokedReason,
      reason: g.reason,
      actorId: g.actorId,
      active: !g.revokedAt && g.startsAt.getTime() <= now && (!g.endsAt || g.endsAt.getTime() > now),
      createdAt: g.createdAt.toISOString(),
    };
  }
}

export class AdminSubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'sub_1MowQVLkdIwHu7ixeRlqHVzs' }) stripeSubscriptionId!: string;
  @ApiProperty({ ...SUBSCRIPTION_STATUS_PROPERTY, nullable: false }) status!: string;
  @ApiProperty({ type: String, nullable: true, example: 'pro', description: 'Null when its price maps to no plan' }) plan!: string | null;
  @ApiProperty({ type: String, enum: ['month', 'year'], nullable: true }) interval!: string | null;
  @ApiProperty({ type: String, nullable: true }) priceId!: string | null;
  @ApiProperty({ type: String, nullable: true }) productId!: string | null;
  @ApiProperty() quantity!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) currentPeriodEnd!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelAt!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) canceledAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) trialEnd!: string | null;
  @ApiProperty({ type: String, nullable: true, description: '`pause_collection.behavior` while collection is paused' }) pauseBehavior!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Stripe `created` of the newest state applied (null: known only from its checkout session)' })
  stateAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(s: Subscription): AdminSubscriptionDto {
    return {
      id: s.id,
      stripeSubscriptionId: s.stripeSubscriptionId,
      status: s.status,
      plan: s.plan,
      interval: s.interval,
      priceId: s.priceId,
      productId: s.productId,
      quantity: s.quantity,
      currentPeriodEnd: iso(s.currentPeriodEnd),
      cancelAt: iso(s.cancelAt),
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      canceledAt: iso(s.canceledAt),
      endedAt: iso(s.endedAt),
      trialEnd: iso(s.trialEnd),
      pauseBehavior: s.pauseBehavior,
      stateAt: iso(s.stateAt),
      createdAt: s.createdAt.toISOString(),
    };
  }
}

export class UserTimelineEntryDto {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({
    enum: ['grant_added', 'grant_revoked', 'credits', 'stripe_event'],
    description: 'A grant given or revoked, usage credits added or removed by an admin, or a Stripe event about one of the user’s subscriptions',
  })
  kind!: 'grant_added' | 'grant_revoked' | 'credits' | 'stripe_event';
  @ApiProperty({ type: String, nullable: true, description: 'The grant, for grant entries' }) grantId!: string | null;
  @ApiProperty({ type: String, nullable: true }) plan!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why (grant and credits entries)' }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The Stripe event, for event entries' }) eventId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'customer.subscription.trial_will_end' }) type!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ai_tokens', description: 'The feature, for credits entries' }) feature!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 5000, description: 'Credits added (negative: removed), for credits entries' }) amount!: number | null;
}

export class CreateGrantDto {
  @ApiProperty({ example: 'pro', description: 'A plan of PLAN_RANK' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9_]+$/, { message: 'plan must be a plan name' })
  plan!: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2027-01-01T00:00:00.000Z', description: 'When the grant ends; omit for no end' })
  @IsOptional()
  @IsISO8601({ strict: true })
  endsAt?: string;

  @ApiProperty({ example: 'Goodwill after the outage of 12 Nov', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class RevokeGrantDto {
  @ApiProperty({ example: 'Granted by mistake', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class GrantParamsDto {
  @ApiProperty({ format: 'uuid' })
  @Matches(UUID_PATTERN, { message: 'id must be a UUID' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  @Matches(UUID_PATTERN, { message: 'grantId must be a UUID' })
  grantId!: string;
}
