import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { User } from '../users/user.entity.js';
import { CheckoutSessionApplier } from '../webhooks/apply/checkout-session.applier.js';
import { CheckoutService } from './checkout.service.js';
import { CheckoutSessionDto, ConfirmedCheckoutSessionDto } from './dto/billing.dto.js';

/**
 * The success page's call: reads the session from Stripe and applies it through the same transactional
 * code as the webhooks, so a paying customer gets the plan at once, before the webhook arrives. The
 * fulfilment ledger makes whichever path comes first the only one that grants.
 */
@Injectable()
export class CheckoutConfirmService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly checkout: CheckoutService,
    private readonly applier: CheckoutSessionApplier,
  ) {}

  async confirm(userId: string, id: string): Promise<ConfirmedCheckoutSessionDto> {
    const stripe = requireStripe(this.stripe);
    const own = await this.checkout.findOwn(userId, id);
    // read before the transaction: a Stripe failure changes nothing
    const session = await stripe.checkout.sessions.retrieve(own.stripeSessionId, { expand: ['subscription'] });
    const subscription = session.subscription && typeof session.subscription === 'object' ? session.subscription : null;
    return this.db.transaction(async (manager) => {
      const row = await this.applier.apply(manager, session, { source: 'confirm', eventId: null, eventCreated: null, subscription });
      const user = await manager.getRepository(User).findOneByOrFail({ id: userId });
      return { ...CheckoutSessionDto.from(row), plan: user.plan, purchasedPlan: row.plan, subscriptionStatus: user.subscriptionStatus };
    });
  }
}
