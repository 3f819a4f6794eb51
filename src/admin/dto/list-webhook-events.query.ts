import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/cursor.js';
import type { StripeEventStatus } from '../../webhooks/entities/stripe-event.entity.js';
import { DateRangeQueryDto } from './date-range.query.js';
import { EVENT_STATUSES } from './enums.js';

/** Filters of `GET /api/admin/webhook-events`; `from`/`to` apply to when the event was received. */
export class ListWebhookEventsQueryDto extends IntersectionType(PageQueryDto, DateRangeQueryDto) {
  @ApiPropertyOptional({ enum: EVENT_STATUSES, enumName: 'StripeEventStatus' })
  @IsOptional()
  @IsIn(EVENT_STATUSES)
  status?: StripeEventStatus;

  @ApiPropertyOptional({ description: 'Exact Stripe event type', example: 'checkout.session.completed' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z0-9_.]+$/, { message: 'must be a Stripe event type' })
  type?: string;
}
