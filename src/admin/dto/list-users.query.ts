import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/cursor.js';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './enums.js';

/** Filters of `GET /api/admin/users`. */
export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the email (case-insensitive substring)', example: 'example.com' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Plan name (`free` or a catalogue plan)', example: 'pro' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_-]{1,64}$/, { message: 'must be a plan name' })
  plan?: string;

  @ApiPropertyOptional({ enum: SUBSCRIPTION_STATUSES, enumName: 'SubscriptionStatus', description: "Stripe's subscription status" })
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  subscriptionStatus?: SubscriptionStatus;
}
