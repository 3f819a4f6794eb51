import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { findPriceById } from '../../billing/catalogue.js';
import { CheckoutSession } from '../../billing/entities/checkout-session.entity.js';
import { AppConfig } from '../../config/app-config.js';
import { User } from '../../users/user.entity.js';
import { isFulfillable, mergePaymentStatus, mergeSessionStatus, sessionFacts, type SessionFacts } from '../mappers/stripe-session.mapper.js';
import { subscriptionFacts } from '../mappers/stripe-subscription.mapper.js';
import type { ApplyContext } from './apply-context.js';
import { FulfillmentService } from './fulfillment.service.js';
import { SubscriptionApplier, UUID } from './subscription.applier.js';

/**
 * Applies a Stripe Checkout Session to our row and, when it is paid, fulfils it through the ledger.
 * Webhook handlers, the success-page confirmation, admin sync, replay and recovery all come through here,
 * always inside the caller's transaction.
 */
@Injectable()
export class CheckoutSessionApplier {
  constructor(
    private readonly config: AppConfig,
    private readonly fulfillments: FulfillmentService,
    private readonly subscriptions: SubscriptionApplier,
  ) {}

  async apply(manager: EntityManager, session: Stripe.Checkout.Session, ctx: ApplyContext): Promise<CheckoutSession> {
    const facts = sessionFacts(session);
    const row = await this.lockOrInsert(manager, facts, ctx);
    row.status = mergeSessionStatus(row.status, facts.status);
    row.paymentStatus = mergePaymentStatus(row.paymentStatus, facts.paymentStatus);
    row.amountTotal = facts.amountTotal ?? row.amountTotal;
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
        priceId: ctx.subscription ? subscriptionFacts(ctx.subscription).priceId : null,
        status: 'open',
        paymentStatus: 'unpaid',
        url: facts.url,
        expiresAt: facts.expiresAt,
        customerEmail: facts.customerEmail,
      })
      .orIgnore()
      .execute();
    return repo.findOneOrFail({ where: { stripeSessionId: facts.stripeSessionId }, lock });
  }

  /** client_reference_id, metadata.userId, the Stripe customer, then the email: the first that names a user. */
  private async linkUser(manager: EntityManager, facts: SessionFacts): Promise<string | null> {
    const users = manager.getRepository(User);
    for (const id of [facts.clientReferenceId, facts.metadataUserId]) {
      if (id && UUID.test(id) && (await users.existsBy({ id }))) return id;
    }
    if (facts.customerId) {
      const byCustomer = await users.findOne({ where: { stripeCustomerId: facts.customerId }, select: { id: true } });
      if (byCustomer) return byCustomer.id;
    }
    if (facts.customerEmail) {
      const byEmail = await users.findOne({ where: { email: facts.customerEmail }, select: { id: true } });
      if (byEmail) return byEmail.id;
    }
    return null;
  }

  /** Gives the user what the session bought; runs once per session (after the ledger claim). */
  private async grant(manager: EntityManager, row: CheckoutSession, ctx: ApplyContext): Promise<void> {
    const repo = manager.getRepository(User);
    const user = await repo.findOne({ where: { id: row.userId! }, lock: { mode: 'pessimistic_write' } });
    if (!user) return;
    if (!user.stripeCustomerId && row.stripeCustomerId && !(await repo.existsBy({ stripeCustomerId: row.stripeCustomerId }))) {
      user.stripeCustomerId = row.stripeCustomerId;
    }
    if (row.mode === 'subscription') {
      if (ctx.subscription) {
        await this.subscriptions.applyToUser(manager, user, subscriptionFacts(ctx.subscription), ctx.eventCreated ?? new Date());
        return;
      }
      // Subscription events are the authority on status; until one about this subscription arrives, the paid session says "active".
      if (row.stripeSubscriptionId && (user.stripeSubscriptionId !== row.stripeSubscriptionId || !user.subscriptionEventAt)) {
        user.stripeSubscriptionId = row.stripeSubscriptionId;
        user.subscriptionStatus = 'active';
        user.subscriptionPriceId = row.priceId ?? user.subscriptionPriceId;
        user.plan = row.plan ?? user.plan;
      }
    } else if (row.plan) {
      user.plan = row.plan;
    }
    await repo.update(
      { id: user.id },
      { plan: user.plan, stripeCustomerId: user.stripeCustomerId, stripeSubscriptionId: user.stripeSubscriptionId, subscriptionStatus: user.subscriptionStatus, subscriptionPriceId: user.subscriptionPriceId },
    );
  }

  private planOfSubscription(subscription: Stripe.Subscription): string | null {
    const facts = subscriptionFacts(subscription);
    return findPriceById(this.config.billing.catalogue, facts.priceId)?.plan ?? facts.metadataPlan;
  }
}
