import { Injectable, Logger } from '@nestjs/common';
import { StripeSessionSyncService } from '../entitlements/stripe-session-sync.service.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import type { AdminCheckoutSessionDetailDto } from './dto/admin-checkout-session.dto.js';

/** Repairs a session whose webhooks never came: reads it (and its subscription) from Stripe and applies it like a webhook. */
@Injectable()
export class CheckoutSessionSyncService {
  private readonly logger = new Logger('AdminSync');

  constructor(
    private readonly stripeSync: StripeSessionSyncService,
    private readonly sessions: AdminCheckoutSessionsService,
  ) {}

  async sync(idOrStripeId: string): Promise<AdminCheckoutSessionDetailDto> {
    const ours = await this.sessions.find(idOrStripeId);
    const row = await this.stripeSync.sync(ours.stripeSessionId, 'sync', (_manager, applied) => Promise.resolve(applied));
    this.logger.log(`session ${ours.stripeSessionId} synced from Stripe (${row.status}/${row.paymentStatus})`);
    return this.sessions.get(ours.id);
  }
}
