import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { CheckoutSession } from '../billing/entities/checkout-session.entity.js';
import { User } from '../users/user.entity.js';
import type { ApplyContext } from './apply-context.js';
import { FulfillmentService } from './fulfillment.service.js';
import { GrantsService } from './grants.service.js';
import { isFulfillable, mergePaymentStatus, mergeSessionStatus, sessionFacts, type SessionFacts } from './mappers/stripe-session.mapper.js';
import { subscriptionFacts } from './mappers/stripe-subscription.mapper.js';
import { RefundsApplier } from './payments/refunds.applier.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { SubscriptionApplier, UUID } from './subscription.applier.js';

/**
 * Applies a Stripe Checkout Session to our row and, when it is paid, fulfils it through the ledger.
 * Webhook handlers, the success-page confirmation, admin sync, replay and recovery all come through here,
 * always inside the caller's transaction.
 */
@Injectable()
export class CheckoutSessionApplier {
  constructor(
    private readonly plans: PlanCatalogueService,
    private readonly fulfillments: FulfillmentService,
    private readonly subscriptions: SubscriptionApplier,
    private readonly grants: GrantsService,
    private readonly refunds: RefundsApplier,
  ) {}

  async apply(manager: EntityManager, session: Stripe.Checkout.Session, ctx: ApplyContext): Promise<CheckoutSession> {
    const facts = sessionFacts(session);
    const row = await this.lockOrInsert(manager, facts, ctx);
    row.status = mergeSessionStatus(row.status, facts.status);
    row.paymentStatus = mergePaymentStatus(row.paymentStatus, facts.paymentStatus);
    row.amountTotal = facts.amountTotal ?? row.amountTotal;
    row.amountSubtotal = facts.amountSubtotal ?? row.amountSubtotal;
    row.amountDiscount = facts.amountDiscount ?? row.amountDiscount;
    row.amountTax = facts.amountTax ?? row.amountTax;
    row.currency = facts.currency ?? row.currency;
    row.stripeCustomerId = facts.customerId ?? row.stripeCustomerId;
    row.stripeSubscriptionId = facts.subscriptionId ?? row.stripeSubscriptionId;
    row.stripePaymentIntentId = facts.paymentIntentId ?? row.stripePaymentIntentId;
    row.customerEmail = facts.customerEmail ?? row.customerEmail;
    row.expiresAt = facts.expiresAt ?? row.expiresAt;
    if (ctx.eventType === 'checkout.session.async_payment_failed' && row.paymentStatus === 'unpaid' && !row.paymentFailedAt) {
      row.paymentFailedAt = ctx.eventCreated ?? new Date();
    }
    if (ctx.eventCreated && (!row.lastEventAt || ctx.eventCreated > row.lastEventAt)) row.lastEventAt = ctx.eventCreated;
    if (!row.plan && ctx.subscription) row.plan = this.planOfSubscription(ctx.subscription);
    // the ledger claim comes first so the session is written once, with fulfilled_at when this path won
    const won = row.userId !== null && !row.fulfilledAt && isFulfillable(row.status, row.paymentStatus) && (await this.fulfillments.claim(manager, row, ctx));
    await manager.getRepository(CheckoutSession).update(
      { id: row.id },
      {
        status: row.status,
        paymentStatus: row.paymentStatus,
        amountTotal: row.amountTotal,
        amountSubtotal: row.amountSubtotal,
        amountDiscount: row.amountDiscount,
        amountTax: row.amountTax,
        // the client secret only mounts an open session: not kept once it is complete or expired
        ...(row.status === 'open' ? {} : { clientSecret: null }),
        currency: row.currency,
        stripeCustomerId: row.stripeCustomerId,
        stripeSubscriptionId: row.stripeSubscriptionId,
        stripePaymentIntentId: row.stripePaymentIntentId,
        customerEmail: row.customerEmail,
        expiresAt: row.expiresAt,
        paymentFailedAt: row.paymentFailedAt,
        lastEventAt: row.lastEventAt,
        plan: row.plan,
        fulfilledAt: row.fulfilledAt,
      },
    );
    if (won) await this.grant(manager, row, ctx);
    if (won && row.stripePaymentIntentId) await this.refunds.attach(manager, { checkoutSessionId: row.id, userId: row.userId }, row.stripePaymentIntentId, ctx.eventCreated ?? new Date());
    else if (row.userId && ctx.subscription) {
      // already fulfilled: a fresh read of its subscription (confirm, sync) is still the newest state
      await this.subscriptions.apply(manager, ctx.subscription, { at: ctx.readAt ?? new Date(), userId: row.userId });
    }
    return row;
  }

  /** Our row for the session, locked; a session created outside this service is added on first sight. */
  private async lockOrInsert(manager: EntityManager, facts: SessionFacts, ctx: ApplyContext): Promise<CheckoutSession> {
    const repo = manager.getRepository(CheckoutSession);
    const lock = { mode: 'pessimistic_write' as const };
    const existing = await repo.findOne({ where: { stripeSessionId: facts.stripeSessionId }, lock });
    if (existing) return existing;
    const userId = await this.linkUser(manager, facts);
    const interval = facts.metadataInterval;
    await repo
      .createQueryBuilder()
      .insert()
      .values({
        stripeSessionId: facts.stripeSessionId,
        userId,
        unmatched: userId === null,
        mode: facts.mode,
        plan: facts.metadataPlan ?? (ctx.subscription ? this.planOfSubscription(ctx.subscription) : null),
        interval: interval === 'month' || interval === 'year' || interval === 'once' ? interval : null,
        priceId: ctx.subscription ? subscriptionFacts(ctx.subscription).price.id : null,
        status: 'open',
        paymentStatus: 'unpaid',
        url: facts.url,
        uiMode: facts.uiMode,
        expiresAt: facts.expiresAt,
        customerEmail: facts.customerEmail,
      })
      .orIgnore()
      .execute();
    return repo.findOneOrFail({ where: { stripeSessionId: facts.stripeSessionId }, lock });
  }

  /**
   * client_reference_id, metadata.userId, then the Stripe customer: the first that names a user. Never the email
   * alone: accounts are not email-verified, so anyone could register a buyer's address first and receive what
   * they buy. A session that matches no user stays unmatched until an admin links it.
   */
  private async linkUser(manager: EntityManager, facts: SessionFacts): Promise<string | null> {
    const users = manager.getRepository(User);
    for (const id of [facts.clientReferenceId, facts.metadataUserId]) {
      if (id && UUID.test(id) && (await users.existsBy({ id }))) return id;
    }
    if (facts.customerId) {
      const byCustomer = await users.findOne({ where: { stripeCustomerId: facts.customerId }, select: { id: true } });
      if (byCustomer) return byCustomer.id;
    }
    return null;
  }

  /** Gives the user what the session bought; runs once per session (after the ledger claim). */
  private async grant(manager: EntityManager, row: CheckoutSession, ctx: ApplyContext): Promise<void> {
    const userId = row.userId!;
    if (row.stripeCustomerId) {
      await manager.query(
        `UPDATE users SET stripe_customer_id = $2 WHERE id = $1 AND stripe_customer_id IS NULL AND NOT EXISTS (SELECT 1 FROM users WHERE stripe_customer_id = $2)`,
        [userId, row.stripeCustomerId],
      );
    }
    if (row.mode === 'subscription') {
      if (ctx.subscription) {
        await this.subscriptions.apply(manager, ctx.subscription, { at: ctx.eventCreated ?? ctx.readAt ?? new Date(), userId });
      } else if (row.stripeSubscriptionId) {
        // Until an event about the subscription arrives, the completed session says what it is: active when
        // paid, trialing when nothing was due. Provisional: any subscription event replaces it.
        await this.subscriptions.applyFacts(
          manager,
          {
            id: row.stripeSubscriptionId,
            customerId: row.stripeCustomerId,
            status: row.paymentStatus === 'no_payment_required' ? 'trialing' : 'active',
            price: { id: row.priceId, productId: null, lookupKey: null, metadataPlan: row.plan },
            interval: row.interval === 'month' || row.interval === 'year' ? row.interval : null,
            itemId: null,
            quantity: row.quantity,
            currentPeriodEnd: null,
            cancelAt: null,
            cancelAtPeriodEnd: false,
            canceledAt: null,
            endedAt: null,
            trialEnd: null,
            pauseBehavior: null,
            pauseResumesAt: null,
            latestInvoiceId: null,
            metadataPlan: row.plan,
            metadataUserId: userId,
          },
          { at: null, userId },
        );
      }
      return;
    }
    if (row.plan) {
      await this.grants.grantPurchase(manager, { userId, checkoutSessionId: row.id, plan: row.plan });
      await this.grants.recompute(manager, userId);
    }
  }

  private planOfSubscription(subscription: Stripe.Subscription): string | null {
    const facts = subscriptionFacts(subscription);
    return this.plans.planOf(facts.price);
  }
}
