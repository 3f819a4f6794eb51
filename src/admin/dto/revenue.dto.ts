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
