import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength, NotEquals } from 'class-validator';
import { MAX_USAGE_AMOUNT, USAGE_FEATURE } from '../../config/usage-config.js';
import { UsageItemDto } from './usage.dto.js';

export class AddCreditsDto {
  @ApiProperty({ example: 'ai_tokens', description: 'A feature some PLAN_LIMITS_<PLAN> limits' })
  @IsString()
  @Matches(USAGE_FEATURE, { message: 'must be a feature key' })
  feature!: string;

  @ApiProperty({ description: 'Credits to add; negative removes (never more than the balance: 409)', example: 5000, minimum: -MAX_USAGE_AMOUNT, maximum: MAX_USAGE_AMOUNT })
  @IsInt()
  @NotEquals(0)
  @Min(-MAX_USAGE_AMOUNT)
  @Max(MAX_USAGE_AMOUNT)
  amount!: number;

  @ApiProperty({ example: 'goodwill after the outage of 2 December', minLength: 1, maxLength: 500 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class CreditEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() feature!: string;
  @ApiProperty({ description: 'Added (positive) or removed (negative)' }) amount!: number;
  @ApiProperty({
    enum: ['admin', 'purchase', 'takeback'],
    description: 'Who gave them: an admin, a credit pack bought through Checkout, or a refunded or lost pack taking back what was left',
  })
  source!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The admin' }) actorId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'What is left of this grant (credits are drawn oldest first); 0 for a removal' }) remaining!: number;
}

export class AddedCreditsDto extends CreditEntryDto {
  @ApiProperty({ description: "The user's credit balance of the feature now" }) balance!: number;
}

export class PastPeriodDto {
  @ApiProperty() feature!: string;
  @ApiProperty({ format: 'date-time' }) periodStart!: string;
  @ApiProperty({ format: 'date-time' }) periodEnd!: string;
  @ApiProperty() used!: number;
}

export class AdminUsageDto {
  @ApiProperty({ description: 'The plan whose limits apply (the highest-ranked active grant; free without one)', example: 'pro' }) plan!: string;
  @ApiProperty({ type: [UsageItemDto] }) items!: UsageItemDto[];
  @ApiProperty({ type: [CreditEntryDto], description: 'The credits ledger, oldest first' }) credits!: CreditEntryDto[];
  @ApiProperty({ type: [PastPeriodDto], description: 'Ended periods, newest first (up to 100)' }) periods!: PastPeriodDto[];
}
