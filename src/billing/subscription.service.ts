import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { User } from '../users/user.entity.js';
import type { PortalSessionDto, SubscriptionDto } from './dto/billing.dto.js';

/** The signed-in user's subscription as the webhooks left it, and the Stripe customer portal. */
@Injectable()
export class SubscriptionService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  async current(userId: string): Promise<SubscriptionDto> {
    const user = await this.user(userId);
    return { plan: user.plan, status: user.subscriptionStatus, currentPeriodEnd: user.currentPeriodEnd, cancelAtPeriodEnd: user.cancelAtPeriodEnd };
  }

  async portal(userId: string): Promise<PortalSessionDto> {
    const stripe = requireStripe(this.stripe);
    const user = await this.user(userId);
    if (!user.stripeCustomerId) throw AppError.conflict('You have no Stripe customer yet: buy a plan first (POST /api/billing/checkout-sessions)');
    const session = await stripe.billingPortal.sessions.create({ customer: user.stripeCustomerId, return_url: this.config.billing.portalReturnUrl });
    return { url: session.url };
  }

  private async user(userId: string): Promise<User> {
    const user = await this.db.getRepository(User).findOneBy({ id: userId });
    if (!user) throw AppError.unauthorized('This account no longer exists');
    return user;
  }
}
