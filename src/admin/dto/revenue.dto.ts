import { ApiProperty } from '@nestjs/swagger';

export class RevenueLineDto {
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ example: 12, description: 'Paid sessions or invoices counted' }) payments!: number;
  @ApiProperty({ example: 598800, description: "Paid less its tax, in the currency's minor unit" }) gross!: number;
  @ApiProperty({ example: 0, description: 'The tax in what was paid (not in gross)' }) tax!: number;
  @ApiProperty({ example: 49900 }) refunded!: number;
  @ApiProperty({ example: 0, description: 'Disputes closed as lost' }) disputedLost!: number;
  @ApiProperty({ example: 0, description: 'Disputes still open (not subtracted from net)' }) disputedOpen!: number;
  @ApiProperty({ example: 17665, description: "Stripe's fees, from the charges' balance transactions (0 while Stripe has not reported them)" }) fees!: number;
  @ApiProperty({ example: 531235, description: 'gross − refunded − disputedLost − fees' }) net!: number;
}

export class RevenueDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [RevenueLineDto], description: 'One-time checkout sessions (payment mode) created in the range, per currency' }) sessions!: RevenueLineDto[];
  @ApiProperty({ type: [RevenueLineDto], description: "Paid invoices created in the range (subscriptions' payments), per currency" }) invoices!: RevenueLineDto[];
  @ApiProperty({ type: [RevenueLineDto], description: 'Both, per currency' }) total!: RevenueLineDto[];
}

export class RevenueDayDto {
  @ApiProperty({ format: 'date', example: '2026-11-24', description: 'UTC day the session or invoice was created' }) day!: string;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ example: 3, description: 'Paid sessions and invoices counted' }) payments!: number;
  @ApiProperty({ example: 59700, description: "Paid less its tax, in the currency's minor unit" }) gross!: number;
  @ApiProperty({ example: 0 }) refunded!: number;
  @ApiProperty({ example: 0, description: 'Disputes closed as lost' }) disputedLost!: number;
  @ApiProperty({ example: 1761, description: "Stripe's fees" }) fees!: number;
  @ApiProperty({ example: 57939, description: 'gross − refunded − disputedLost − fees' }) net!: number;
}

export class RevenueDailyDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [RevenueDayDto], description: 'Per UTC day and currency, oldest first; days without payments are absent' }) days!: RevenueDayDto[];
}
