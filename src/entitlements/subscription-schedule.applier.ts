import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { Subscription } from './entities/subscription.entity.js';
import { phasePrice, scheduleFacts } from './mappers/stripe-schedule.mapper.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';

export interface ScheduleApplyResult {
  /** the schedule state and the stored one have the same second: read the schedule from Stripe to settle it */
  ambiguous: boolean;
}

/** What a stored subscription knows of its schedule when none manages it. */
export const NO_SCHEDULE = { scheduleId: null, scheduledPlan: null, scheduledPriceId: null, scheduledInterval: null, scheduledAt: null } as const;

/**
 * Applies a subscription schedule (ours for a change at the period end, or one made in the customer portal) to its
 * subscription's row: which plan the next phase moves to, and when. Access never changes here: the subscription's
 * own update at the phase change moves the plan. States are ordered by Stripe's `created`, so a late event never
 * brings back a released schedule.
 */
@Injectable()
export class SubscriptionScheduleApplier {
  constructor(
    private readonly config: AppConfig,
    private readonly plans: PlanCatalogueService,
  ) {}

  async apply(manager: EntityManager, schedule: Stripe.SubscriptionSchedule, at: Date): Promise<ScheduleApplyResult> {
    const facts = scheduleFacts(schedule);
    if (!facts.subscriptionId) return { ambiguous: false };
    const repo = manager.getRepository(Subscription);
    const row = await repo.findOne({ where: { stripeSubscriptionId: facts.subscriptionId }, lock: { mode: 'pessimistic_write' } });
    // not stored yet: the subscription's own event names the schedule, and it is read then (SubscriptionHandler)
    if (!row) return { ambiguous: false };
    const storedAt = row.scheduleStateAt?.getTime() ?? -Infinity;
    if (at.getTime() < storedAt) return { ambiguous: false };
    const ambiguous = at.getTime() === storedAt;
    if (!facts.managing) {
      // another schedule has taken its place meanwhile: this one's end says nothing about it
      if (row.scheduleId && row.scheduleId !== facts.id) return { ambiguous };
      await repo.update({ id: row.id }, { ...NO_SCHEDULE, scheduleStateAt: at });
      return { ambiguous };
    }
    const item = facts.next ? this.plans.planItem(facts.next.items) : undefined;
    const { price, interval } = phasePrice(item);
    const catalogue = price.id ? this.config.billing.catalogue.find((p) => p.priceId === price.id) : undefined;
    const nextInterval = interval ?? (catalogue && catalogue.interval !== 'once' ? catalogue.interval : null);
    await repo.update(
      { id: row.id },
      {
        scheduleId: facts.id,
        scheduledPlan: item ? this.plans.planOf(price) : null,
        scheduledPriceId: item ? price.id : null,
        scheduledInterval: item ? nextInterval : null,
        scheduledAt: facts.next?.at ?? null,
        scheduleStateAt: at,
      },
    );
    return { ambiguous };
  }
}
