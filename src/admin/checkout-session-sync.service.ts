import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { requireStripe, STRIPE_CLIENT } from '../stripe/stripe.client.js';
import { CheckoutSessionApplier } from '../webhooks/apply/checkout-session.applier.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import type { AdminCheckoutSessionDetailDto } from './dto/admin-checkout-session.dto.js';

/**
 * Repairs a session whose webhooks never came: reads it (and its subscription) from Stripe and applies it
 * through the same transactional path as a webhook, so fulfilment still happens at most once.
 */
@Injectable()
export class CheckoutSessionSyncService {
  private readonly logger = new Logger('AdminSync');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly applier: CheckoutSessionApplier,
    private readonly sessions: AdminCheckoutSessionsService,
  ) {}

  async sync(idOrStripeId: string): Promise<AdminCheckoutSessionDetailDto> {
    const stripe = requireStripe(this.stripe);
    const ours = await this.sessions.find(idOrStripeId);
    // read before the transaction: a Stripe failure (502/503 via the global filter) changes nothing
    const remote = await stripe.checkout.sessions.retrieve(ours.stripeSessionId, { expand: ['subscription'] });
    const subscription = remote.subscription && typeof remote.subscription === 'object' ? remote.subscription : null;
    await this.db.transaction((manager) => this.applier.apply(manager, remote, { source: 'sync', eventId: null, eventCreated: null, subscription }));
    this.logger.log(`session ${ours.stripeSessionId} synced from Stripe (${remote.status}/${remote.payment_status})`);
    return this.sessions.get(ours.id);
  }
}
