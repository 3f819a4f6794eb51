import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { CheckoutMode, CheckoutPaymentStatus, CheckoutSessionStatus } from '../../entitlements/entities/checkout-session.entity.js';
import { PageQueryDto } from '../../common/pagination/cursor.js';
import { DateRangeQueryDto } from './date-range.query.js';
import { PAYMENT_STATUSES, SESSION_MODES, SESSION_STATUSES } from './enums.js';

/** Filters of `GET /api/admin/checkout-sessions`; every one is optional and they combine with AND. */
export class ListCheckoutSessionsQueryDto extends IntersectionType(PageQueryDto, DateRangeQueryDto) {
  @ApiPropertyOptional({ enum: SESSION_STATUSES, enumName: 'CheckoutSessionStatus', description: "Stripe's session status" })
  @IsOptional()
  @IsIn(SESSION_STATUSES)
  status?: CheckoutSessionStatus;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES, enumName: 'CheckoutPaymentStatus' })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  paymentStatus?: CheckoutPaymentStatus;

  @ApiPropertyOptional({ enum: SESSION_MODES, enumName: 'CheckoutSessionMode' })
  @IsOptional()
  @IsIn(SESSION_MODES)
  mode?: CheckoutMode;

  @ApiPropertyOptional({ format: 'uuid', description: 'Sessions of this user' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ format: 'email', description: 'Sessions of the user with this email (case-insensitive exact match)' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Stripe price id (`price_…`)', example: 'price_1Pro' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'must be a Stripe price id' })
  priceId?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only sessions no user could be linked to (link them with POST …/:id/link); false: only linked ones' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unmatched?: 'true' | 'false';

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description:
      'true: only paid one-time sessions that map to no plan (bought outside this API with a price no plan maps), never fulfilled: map the price, then sync or link them; false: all others',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  unmapped?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: only sessions whose payment has a dispute (open or closed); false: only those without' })
  @IsOptional()
  @IsIn(['true', 'false'])
  disputed?: 'true' | 'false';
}
