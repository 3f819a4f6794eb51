import { ApiProperty } from '@nestjs/swagger';

export class StatusCountsDto {
  @ApiProperty() open!: number;
  @ApiProperty() complete!: number;
  @ApiProperty() expired!: number;
}

export class PaymentStatusCountsDto {
  @ApiProperty() paid!: number;
  @ApiProperty() unpaid!: number;
  @ApiProperty({ name: 'no_payment_required' }) no_payment_required!: number;
}

export class PaidAmountDto {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: "Sum of amount_total in the currency's minor unit" }) amount!: number;
  @ApiProperty({ description: 'How many paid sessions' }) count!: number;
}

export class DiscountAmountDto {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ example: 1200, description: "Sum of total_details.amount_discount in the currency's minor unit" }) amount!: number;
  @ApiProperty({ example: 3, description: 'How many paid sessions had a discount' }) count!: number;
}

export class PaidDayDto extends PaidAmountDto {
  @ApiProperty({ format: 'date', example: '2026-11-24', description: 'UTC day the session was created' }) day!: string;
}

export class CheckoutSessionStatsDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive' }) to!: string;
  @ApiProperty() total!: number;
  @ApiProperty({ type: StatusCountsDto }) byStatus!: StatusCountsDto;
  @ApiProperty({ type: PaymentStatusCountsDto }) byPaymentStatus!: PaymentStatusCountsDto;
  @ApiProperty({ type: [PaidAmountDto], description: 'Paid amounts per currency over the whole range' }) paidTotals!: PaidAmountDto[];
  @ApiProperty({ type: [PaidDayDto], description: 'Paid amounts per currency and UTC day, oldest first' }) paidByDay!: PaidDayDto[];
  @ApiProperty({ type: [DiscountAmountDto], description: 'Paid sessions with a discount (promotion code or coupon), per currency over the whole range' })
  paidDiscounts!: DiscountAmountDto[];
}
