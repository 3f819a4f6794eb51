import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min, NotEquals } from 'class-validator';
import { MAX_USAGE_AMOUNT, USAGE_FEATURE } from '../../config/usage-config.js';

const FEATURE = { description: 'A feature some PLAN_LIMITS_<PLAN> limits', example: 'ai_tokens' };
const PERIODS = ['month', 'day', 'none'];

export class UsageItemDto {
  @ApiProperty(FEATURE) feature!: string;
  @ApiProperty({ description: "The user's allowance per period (or standing cap)", example: 1000 }) limit!: number;
  @ApiProperty({ description: 'Used in the current period (a standing cap: in use now)', example: 250 }) used!: number;
  @ApiProperty({ description: 'Prepaid credits left, drawn once the allowance is used up', example: 0 }) credits!: number;
  @ApiProperty({ description: 'What may still be used: the allowance left plus the credits', example: 750 }) remaining!: number;
  @ApiProperty({ enum: PERIODS, enumName: 'UsagePeriod', description: '`month` (the billing period, or the UTC calendar month), `day` (UTC) or `none` (a standing cap)' })
  period!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the period ends (null for a standing cap)' }) resetsAt!: string | null;
  @ApiProperty({ description: "Whether the plan may go past the limit (billed through Stripe's meters)" }) overage!: boolean;
}

export class UsageListDto {
  @ApiProperty({ type: [UsageItemDto] }) items!: UsageItemDto[];
}

export class CheckUsageDto {
  @ApiProperty(FEATURE)
  @IsString()
  @Matches(USAGE_FEATURE, { message: 'must be a feature key' })
  feature!: string;

  @ApiPropertyOptional({ description: 'How much would be used (default 1)', minimum: 1, maximum: MAX_USAGE_AMOUNT, default: 1, example: 500 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_USAGE_AMOUNT)
  amount?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'Whose usage (service keys only; a user checks their own)', example: '3f0c2a4e-8f1b-4c59-9a77-2d2f5e1b6c10' })
  @IsOptional()
  @IsUUID()
  userId?: string;
}

export class CheckResultDto {
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ example: 750 }) remaining!: number;
  @ApiProperty({ example: 1000 }) limit!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resetsAt!: string | null;
}

export class TrackUsageDto {
  @ApiProperty({ format: 'uuid', example: '3f0c2a4e-8f1b-4c59-9a77-2d2f5e1b6c10' })
  @IsUUID()
  userId!: string;

  @ApiProperty(FEATURE)
  @IsString()
  @Matches(USAGE_FEATURE, { message: 'must be a feature key' })
  feature!: string;

  @ApiProperty({
    description: 'A whole number, not 0; negative only for a standing cap (a slot freed: never below zero)',
    minimum: -MAX_USAGE_AMOUNT,
    maximum: MAX_USAGE_AMOUNT,
    example: 5,
  })
  @IsInt()
  @NotEquals(0)
  @Min(-MAX_USAGE_AMOUNT)
  @Max(MAX_USAGE_AMOUNT)
  amount!: number;
}

export class TrackResultDto {
  @ApiProperty({ enum: [true] }) allowed!: true;
  @ApiProperty({ description: 'Used in the current period, this track included', example: 255 }) used!: number;
  @ApiProperty({ example: 745 }) remaining!: number;
  @ApiProperty({ description: 'Prepaid credits left' }) credits!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resetsAt!: string | null;
}
