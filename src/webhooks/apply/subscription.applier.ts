import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { findPriceById } from '../../billing/catalogue.js';
import { AppConfig } from '../../config/app-config.js';
import { User } from '../../users/user.entity.js';
import { isEndedStatus, isNewerSubscriptionState, planForStatus, subscriptionFacts, type SubscriptionFacts } from '../mappers/stripe-subscription.mapper.js';

/** Applies a Stripe subscription's state to its user: plan, status, period end, cancel-at-period-end. */
@Injectable()
export class SubscriptionApplier {
  private readonly logger = new Logger('Subscriptions');

  constructor(private readonly config: AppConfig) {}

  /**
   * `at` is the Stripe `created` of the event that carried the object (or now, for a fresh read from the
   * API); state older than what the user already reflects is refused.
   */
  async apply(manager: EntityManager, subscription: Stripe.Subscription, at: Date, options: { deleted?: boolean } = {}): Promise<User | null> {
    const facts = subscriptionFacts(subscription);
    if (options.deleted && !isEndedStatus(facts.status)) facts.status = 'canceled';
    const user = await this.lockUser(manager, facts);
    if (!user) {
      this.logger.warn(`Subscription ${facts.id} matches no user (customer ${facts.customerId ?? 'none'})`);
      return null;
    }
    return this.applyToUser(manager, user, facts, at);
  }

  async applyToUser(manager: EntityManager, user: User, facts: SubscriptionFacts, at: Date): Promise<User> {
    // one current subscription per user: an older one ending must not touch the newer one
    if (user.stripeSubscriptionId && user.stripeSubscriptionId !== facts.id && isEndedStatus(facts.status)) return user;
    if (!isNewerSubscriptionState({ at, status: facts.status }, { at: user.subscriptionEventAt, status: user.subscriptionStatus })) return user;
    const subscribedPlan = findPriceById(this.config.billing.catalogue, facts.priceId)?.plan ?? facts.metadataPlan;
    user.plan = planForStatus(facts.status, subscribedPlan, user.plan);
    user.subscriptionStatus = facts.status;
    user.stripeSubscriptionId = facts.id;
    user.subscriptionPriceId = facts.priceId;
    user.currentPeriodEnd = facts.currentPeriodEnd;
    user.cancelAtPeriodEnd = facts.cancelAtPeriodEnd;
    user.subscriptionEventAt = at;
    if (!user.stripeCustomerId && facts.customerId) user.stripeCustomerId = facts.customerId;
    await manager.getRepository(User).update(
      { id: user.id },
      {
        plan: user.plan,
        subscriptionStatus: user.subscriptionStatus,
        stripeSubscriptionId: user.stripeSubscriptionId,
        subscriptionPriceId: user.subscriptionPriceId,
        currentPeriodEnd: user.currentPeriodEnd,
        cancelAtPeriodEnd: user.cancelAtPeriodEnd,
        subscriptionEventAt: user.subscriptionEventAt,
        stripeCustomerId: user.stripeCustomerId,
      },
    );
    return user;
  }

  /** The subscription's user, locked: by subscription id, then customer id, then metadata.userId. */
  private async lockUser(manager: EntityManager, facts: SubscriptionFacts): Promise<User | null> {
    const repo = manager.getRepository(User);
    const lock = { mode: 'pessimistic_write' as const };
    const bySubscription = await repo.findOne({ where: { stripeSubscriptionId: facts.id }, lock });
    if (bySubscription) return bySubscription;
    if (facts.customerId) {
      const byCustomer = await repo.findOne({ where: { stripeCustomerId: facts.customerId }, lock });
      if (byCustomer) return byCustomer;
    }
    if (facts.metadataUserId && UUID.test(facts.metadataUserId)) return repo.findOne({ where: { id: facts.metadataUserId }, lock });
    return null;
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
