import { ApiProperty } from '@nestjs/swagger';
import type { Invoice } from '../../entitlements/entities/invoice.entity.js';

export class InvoiceDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the invoice' }) id!: string;
  @ApiProperty({ example: 'in_1MtHbELkdIwHu7ixl4OzzPMv' }) stripeInvoiceId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'A1B2C3D4-0001' }) number!: string | null;
  @ApiProperty({ enum: ['draft', 'open', 'paid', 'uncollectible', 'void'], example: 'paid' }) status!: string;
  @ApiProperty({ example: 2000, description: "In the currency's minor unit" }) amountDue!: number;
  @ApiProperty({ example: 2000 }) amountPaid!: number;
  @ApiProperty({ example: 0, description: 'Refunded so far' }) amountRefunded!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) periodStart!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) periodEnd!: Date | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://invoice.stripe.com/i/acct_1/test_YWNjdF8x' }) hostedInvoiceUrl!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://pay.stripe.com/invoice/acct_1/test_YWNjdF8x/pdf' }) invoicePdf!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'sub_1MowQVLkdIwHu7ixeRlqHVzs' }) stripeSubscriptionId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', description: "Stripe's `created` of the invoice" }) createdAt!: Date;

  static from(i: Invoice): InvoiceDto {
    return {
      id: i.id,
      stripeInvoiceId: i.stripeInvoiceId,
      number: i.number,
      status: i.status,
      amountDue: i.amountDue,
      amountPaid: i.amountPaid,
      amountRefunded: i.amountRefunded,
      currency: i.currency,
      periodStart: i.periodStart,
      periodEnd: i.periodEnd,
      hostedInvoiceUrl: i.hostedInvoiceUrl,
      invoicePdf: i.invoicePdf,
      stripeSubscriptionId: i.stripeSubscriptionId,
      createdAt: i.createdAt,
    };
  }
}

export class InvoicePageDto {
  @ApiProperty({ type: [InvoiceDto] }) items!: InvoiceDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' }) nextCursor!: string | null;
}
