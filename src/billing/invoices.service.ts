import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ownRowsPage } from '../common/pagination/own-rows-page.js';
import { Invoice } from '../entitlements/entities/invoice.entity.js';
import { InvoiceDto, type InvoicePageDto } from './dto/invoice.dto.js';

/** The signed-in user's invoices, as the invoice webhooks stored them. */
@Injectable()
export class InvoicesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Newest first by Stripe's `created`, keyset-paged over (created, id). */
  async list(userId: string, limit = 20, cursor?: string): Promise<InvoicePageDto> {
    return ownRowsPage(this.db.getRepository(Invoice), { userId, limit, cursor }, (row) => InvoiceDto.from(row));
  }

  /** The subscription's latest invoice, when it is open and waits for the customer (3-D Secure). */
  async actionRequired(stripeSubscriptionId: string | null, latestInvoiceId: string | null): Promise<{ hostedInvoiceUrl: string } | null> {
    if (!stripeSubscriptionId) return null;
    const qb = this.db.getRepository(Invoice).createQueryBuilder('i').where('i.stripeSubscriptionId = :stripeSubscriptionId', { stripeSubscriptionId });
    if (latestInvoiceId) qb.andWhere('i.stripeInvoiceId = :latestInvoiceId', { latestInvoiceId });
    const invoice = await qb.orderBy('i.createdAt', 'DESC').getOne();
    return invoice?.actionRequired && invoice.status === 'open' && invoice.hostedInvoiceUrl ? { hostedInvoiceUrl: invoice.hostedInvoiceUrl } : null;
  }
}
