import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import type { CataloguePrice } from '../config/app-config.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { CheckoutSession, type CheckoutUiMode } from '../entitlements/entities/checkout-session.entity.js';

const REUSE_MARGIN_MS = 5 * 60_000;

/**
 * At most one open subscription-mode Checkout Session per user, so two tabs can never lead to two subscriptions,
 * and at most one open one-time session per user and plan, so two tabs can never charge twice for one purchase:
 * an open one for the same plan and interval is answered again; any other in its scope is expired in Stripe first.
 */
@Injectable()
export class OpenCheckoutSessionsService {
  private readonly logger = new Logger('Checkout');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Runs under the user's checkout lease. */
  async reuseOrExpire(userId: string, price: CataloguePrice & { creditPack?: string }, uiMode: CheckoutUiMode = 'hosted'): Promise<CheckoutSession | null> {
    // a subscription session competes with every other one (one subscription per user); a one-time one only with its plan's
    const scope =
      price.mode === 'subscription'
        ? { mode: 'subscription' as const }
        : price.creditPack
          ? { mode: 'payment' as const, creditPack: price.creditPack }
          : { mode: 'payment' as const, plan: price.plan };
    const open = await this.db.getRepository(CheckoutSession).find({ where: { userId, status: 'open', ...scope }, order: { createdAt: 'DESC' } });
    // a session about to expire by itself is not handed out again; one of another UI mode cannot be paid the way the caller wants
    const payable = (s: CheckoutSession) => (s.uiMode === 'hosted' ? !!s.url : !!s.clientSecret);
    const reusable = (s: CheckoutSession) =>
      (s.creditPack ?? s.plan) === (price.creditPack ?? price.plan) &&
      s.interval === price.interval &&
      s.uiMode === uiMode &&
      payable(s) &&
      (s.expiresAt?.getTime() ?? 0) > Date.now() + REUSE_MARGIN_MS;
    const same = open.find(reusable) ?? null;
    for (const session of open) if (session !== same) await this.expire(session);
    return same;
  }

  private async expire(session: CheckoutSession): Promise<void> {
    const stripe = requireStripe(this.stripe);
    try {
      await stripe.checkout.sessions.expire(session.stripeSessionId);
    } catch (error) {
      // Stripe refuses to expire a session that is no longer open: it was paid (or expired) meanwhile
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
      const remote = await stripe.checkout.sessions.retrieve(session.stripeSessionId);
      if (remote.status === 'complete') {
        throw AppError.conflict('Another checkout of yours was just completed: change its plan with POST /api/billing/subscription/change', {
          hint: 'POST /api/billing/subscription/change',
        });
      }
    }
    await this.db.getRepository(CheckoutSession).update({ id: session.id, status: 'open' }, { status: 'expired', url: null, clientSecret: null });
    this.logger.log(`expired the open checkout session ${session.stripeSessionId} before creating another`);
  }
}
