import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, Not, In } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig, type PriceInterval } from '../config/app-config.js';
import { Subscription } from '../entitlements/entities/subscription.entity.js';
import { GrantsService } from '../entitlements/grants.service.js';
import { ENDED_STATUSES } from '../entitlements/subscription-lifecycle.js';
import { SubscriptionSyncService } from '../entitlements/subscription-sync.service.js';
import { STRIPE_CLIENT, requireStripe } from '../stripe/stripe.client.js';
import { CatalogueService } from './catalogue.service.js';
import { InvoicesService } from './invoices.service.js';
import type { ChangeTiming, PortalSessionDto, SubscriptionDto, SubscriptionPreviewDto } from './dto/billing.dto.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import { SubscriptionSchedulesService } from './subscription-schedules.service.js';
import { stateKey } from './state-keys.js';

const lineIsProration = (line: Stripe.InvoiceLineItem): boolean => Boolean(line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration);

/**
 * The signed-in user's subscription: what it is (as the webhooks and our own Stripe calls left it), what a
 * plan change would cost, and the changes themselves. Every change is one SDK call made outside any
 * transaction; its answer is applied at once through the same applier as the webhooks, so the response shows
 * the new state and the later webhook changes nothing.
 */
@Injectable()
export class SubscriptionService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly catalogue: CatalogueService,
    private readonly grants: GrantsService,
    private readonly sync: SubscriptionSyncService,
    private readonly invoices: InvoicesService,
    private readonly plans: PlanCatalogueService,
    private readonly schedules: SubscriptionSchedulesService,
  ) {}

  async current(userId: string): Promise<SubscriptionDto> {
    const user = await this.grants.freshUser(userId);
    if (!user) throw AppError.unauthorized('This account no longer exists');
    const subscription = await this.latest(userId);
    const actionRequired = subscription ? await this.invoices.actionRequired(subscription.stripeSubscriptionId, subscription.latestInvoiceId) : null;
    return { ...toDto(user.plan, subscription), actionRequired };
  }

  async portal(userId: string): Promise<PortalSessionDto> {
    const stripe = requireStripe(this.stripe);
    const user = await this.grants.freshUser(userId);
    if (!user) throw AppError.unauthorized('This account no longer exists');
    if (!user.stripeCustomerId) throw AppError.conflict('You have no Stripe customer yet: buy a plan first (POST /api/billing/checkout-sessions)');
    const session = await stripe.billingPortal.sessions.create({ customer: user.stripeCustomerId, return_url: this.config.billing.portalReturnUrl });
    return { url: session.url };
  }

  /**
   * Stripe's invoice preview of the change exactly as `change` would make it: the same item, price, proration
   * behaviour, proration date and trial ending. Stripe previews the invoice made at once when the change is
   * invoiced at once (`always_invoice`, a new interval, the end of a trial), else the next renewal invoice; the
   * answer carries Stripe's own `total`, `amount_due`, tax, discounts and applied customer balance.
   */
  async preview(userId: string, plan: string, interval: PriceInterval): Promise<SubscriptionPreviewDto> {
    const stripe = requireStripe(this.stripe);
    const price = this.subscriptionPrice(plan, interval);
    const live = await this.live(userId);
    const itemId = await this.itemId(stripe, live);
    const prorationDate = Math.floor(Date.now() / 1000);
    const behavior = this.config.billing.prorationBehavior;
    const invoice = await stripe.invoices.createPreview({
      customer: live.stripeCustomerId ?? undefined,
      subscription: live.stripeSubscriptionId,
      subscription_details: {
        items: [{ id: itemId, price: price.priceId }],
        proration_date: prorationDate,
        proration_behavior: behavior,
        ...(live.status === 'trialing' ? { trial_end: 'now' as const } : {}),
      },
    });
    const lines = invoice.lines.data.map((line) => ({ description: line.description ?? null, amount: line.amount, proration: lineIsProration(line) }));
    // the preview is the invoice the change makes at once, or else the next renewal invoice with the change in it
    const invoicedNow = invoice.billing_reason === 'subscription_update';
    const tax = (invoice.total_taxes ?? []).reduce((sum, t) => sum + t.amount, 0);
    const discount = (invoice.total_discount_amounts ?? []).reduce((sum, d) => sum + d.amount, 0);
    const appliedBalance = invoice.ending_balance === null ? 0 : invoice.ending_balance - invoice.starting_balance;
    // invoiced at once, the next renewal is one whole period of the new price
    const renewalOfNewPrice = invoicedNow ? ((await stripe.prices.retrieve(price.priceId)).unit_amount ?? 0) * (live.quantity ?? 1) : 0;
    return {
      plan: price.plan,
      interval,
      currency: invoice.currency,
      prorationBehavior: behavior,
      prorationDate: new Date(prorationDate * 1000),
      subtotal: invoice.subtotal,
      discount,
      tax,
      total: invoice.total,
      appliedBalance,
      amountDue: invoice.amount_due,
      // a credit (a downgrade) goes to the customer's balance and is never paid out
      amountDueNow: invoicedNow ? invoice.amount_due : 0,
      nextRenewalAmount: invoicedNow ? renewalOfNewPrice : invoice.amount_due,
      nextRenewalAt: invoicedNow ? (newPeriodEnd(invoice) ?? live.currentPeriodEnd) : seconds(invoice.next_payment_attempt ?? invoice.period_end),
      lines,
    };
  }

  /**
   * Moves the plan item to the new price with `payment_behavior: pending_if_incomplete`: when the change is
   * invoiced at once and the payment fails (declined, or 3-D Secure needed) Stripe keeps the old price and files
   * the change under `pending_update` until the invoice is paid, so nothing is granted before it is paid. That
   * answers 402 `payment_required` with where to pay. A subscription that owes money (`past_due`, `unpaid`, or
   * a change already waiting for its payment) is not changed: 409 with the open invoice.
   */
  async change(userId: string, plan: string, interval: PriceInterval, idempotencyKey?: string, at?: ChangeTiming): Promise<SubscriptionDto> {
    const price = this.subscriptionPrice(plan, interval);
    const live = await this.live(userId);
    if (live.priceId === price.priceId && !live.pendingPriceId) {
      // choosing the plan one already has drops a change scheduled for the period end
      if (live.scheduledAt) await this.schedules.release(live);
      return this.current(userId);
    }
    const stripe = requireStripe(this.stripe);
    await this.refuseWhileOwing(stripe, live);
    if ((at ?? this.defaultTiming(live, price.plan, price.interval)) === 'period_end') {
      await this.schedules.changeAtPeriodEnd(userId, live, price, idempotencyKey);
      return this.current(userId);
    }
    // a change now replaces one scheduled for the period end (whose next phase would undo it)
    if (live.scheduleId) await this.schedules.release(live);
    const itemId = await this.itemId(stripe, live);
    const metadata = { userId, plan: price.plan, interval: price.interval };
    await stripe.subscriptions.update(
      live.stripeSubscriptionId,
      {
        items: [{ id: itemId, price: price.priceId }],
        proration_behavior: this.config.billing.prorationBehavior,
        payment_behavior: 'pending_if_incomplete',
        metadata,
        // a trial is of one plan: changing the plan ends it, and the new plan is paid for from now
        ...(live.status === 'trialing' ? { trial_end: 'now' as const } : {}),
      },
      idempotencyKey ? { idempotencyKey: stateKey('change', live, idempotencyKey, price.priceId) } : undefined,
    );
    // Stripe answers a replayed key with the subscription as it was then: only a fresh read is the newest state
    let fresh: Stripe.Subscription | undefined;
    await this.sync.applyFromStripe(async (s) => (fresh = await s.subscriptions.retrieve(live.stripeSubscriptionId, { expand: ['latest_invoice'] })), userId);
    if (fresh?.pending_update) throw await this.paymentRequired(userId, fresh);
    return this.current(userId);
  }

  /** A downgrade (a lower-ranked plan, or the same plan year → month) waits for the period end; anything else is made now. */
  private defaultTiming(live: Subscription, plan: string, interval: PriceInterval): ChangeTiming {
    if (!live.plan) return 'now';
    const [from, to] = [this.plans.rankOf(live.plan), this.plans.rankOf(plan)];
    if (to !== from) return to < from ? 'period_end' : 'now';
    return live.interval === 'year' && interval === 'month' ? 'period_end' : 'now';
  }

  /** 409 while the subscription owes money: a change now would pile a new invoice on the unpaid one. */
  private async refuseWhileOwing(stripe: Stripe, live: Subscription): Promise<void> {
    const owing = live.status === 'past_due' || live.status === 'unpaid';
    if (!owing && !live.pendingPriceId) return;
    const invoice = live.latestInvoiceId ? await stripe.invoices.retrieve(live.latestInvoiceId) : null;
    const message = owing
      ? `Your subscription is ${live.status}: pay the open invoice before changing the plan`
      : 'A plan change is waiting for its payment: pay the open invoice (or wait until the change expires) before changing the plan again';
    throw AppError.conflict(message, { invoiceId: invoice?.id ?? null, hostedInvoiceUrl: invoice?.hosted_invoice_url ?? null, hint: 'GET /api/billing/invoices' });
  }

  /** 402 for a change that waits for its payment: where to pay, and what it will become once paid. */
  private async paymentRequired(userId: string, subscription: Stripe.Subscription): Promise<AppError> {
    const invoice = typeof subscription.latest_invoice === 'object' ? subscription.latest_invoice : null;
    const { pendingUpdate } = await this.current(userId);
    const clientSecret = invoice?.confirmation_secret?.client_secret ?? null;
    return new AppError(
      ErrorCode.PaymentRequired,
      clientSecret
        ? 'The bank asks the customer to confirm this payment (3-D Secure): the plan changes once the invoice is paid'
        : 'The payment for this change failed: the plan changes once the open invoice is paid',
      { invoiceId: invoice?.id ?? null, hostedInvoiceUrl: invoice?.hosted_invoice_url ?? null, clientSecret, pendingUpdate },
    );
  }

  /** `atPeriodEnd: true` schedules the end (access to the end of the paid period); false ends it now. */
  async cancel(userId: string, atPeriodEnd: boolean): Promise<SubscriptionDto> {
    const live = await this.live(userId);
    // Stripe refuses to cancel a subscription a schedule manages: the schedule (and its change) goes first
    await this.schedules.release(live);
    await this.sync.applyFromStripe(
      (s) => (atPeriodEnd ? s.subscriptions.update(live.stripeSubscriptionId, { cancel_at_period_end: true }) : s.subscriptions.cancel(live.stripeSubscriptionId)),
      userId,
    );
    return this.current(userId);
  }

  /** Undoes a scheduled cancellation (`cancel_at_period_end` or `cancel_at`), resumes a paused subscription, or un-pauses collection. */
  async resume(userId: string): Promise<SubscriptionDto> {
    const live = await this.live(userId);
    const id = live.stripeSubscriptionId;
    // a schedule that would end the subscription with its last phase is told to release it instead
    if (await this.schedules.resumeIfEnding(live)) return this.current(userId);
    let call: (s: Stripe) => Promise<Stripe.Subscription>;
    if (live.status === 'paused') call = (s) => s.subscriptions.resume(id, { billing_cycle_anchor: { type: 'now' }, payment_behavior: 'resume_on_payment_success' });
    else if (live.cancelAtPeriodEnd) call = (s) => s.subscriptions.update(id, { cancel_at_period_end: false });
    else if (live.cancelAt) call = (s) => s.subscriptions.update(id, { cancel_at: '' });
    else if (live.pauseBehavior) call = (s) => s.subscriptions.update(id, { pause_collection: '' });
    else throw AppError.conflict('Your subscription is neither cancelling nor paused: there is nothing to resume');
    await this.sync.applyFromStripe(call, userId);
    return this.current(userId);
  }

  private subscriptionPrice(plan: string, interval: PriceInterval) {
    const price = this.catalogue.resolve(plan, interval);
    if (price.mode !== 'subscription') {
      throw AppError.validation('A one-time plan is bought with POST /api/billing/checkout-sessions, not by changing a subscription', { interval: ['must be month or year'] });
    }
    return price;
  }

  /** The user's subscription that has not ended; 409 without one. */
  private async live(userId: string): Promise<Subscription> {
    const live = await this.db.getRepository(Subscription).findOne({ where: { userId, status: Not(In([...ENDED_STATUSES])) }, order: { createdAt: 'DESC' } });
    if (!live) throw AppError.conflict('You have no live subscription: buy a plan with POST /api/billing/checkout-sessions', { hint: 'POST /api/billing/checkout-sessions' });
    return live;
  }

  private latest(userId: string): Promise<Subscription | null> {
    return this.db
      .getRepository(Subscription)
      .createQueryBuilder('s')
      .where('s.userId = :userId', { userId })
      .orderBy('s.status IN (:...ended)', 'ASC')
      .setParameter('ended', ENDED_STATUSES)
      .addOrderBy('s.createdAt', 'DESC')
      .getOne();
  }

  /** The item to change; a row known only from its checkout session does not have it yet. */
  private async itemId(stripe: Stripe, live: Subscription): Promise<string> {
    if (live.stripeItemId) return live.stripeItemId;
    const remote = await stripe.subscriptions.retrieve(live.stripeSubscriptionId);
    const item = this.plans.planItem(remote.items.data);
    if (!item) throw AppError.conflict('This subscription has no item to change');
    return item.id;
  }
}

const seconds = (n: number | null): Date | null => (n === null ? null : new Date(n * 1000));

/** The end of the new period a change invoiced at once starts (a new interval), from its non-proration line. */
function newPeriodEnd(invoice: Stripe.Invoice): Date | null {
  const line = invoice.lines.data.find((l) => !lineIsProration(l));
  return line ? seconds(line.period.end) : null;
}

function toDto(plan: string, s: Subscription | null): SubscriptionDto {
  const cancelAt = s?.cancelAt ?? (s?.cancelAtPeriodEnd ? s.currentPeriodEnd : null);
  return {
    plan,
    subscriptionPlan: s?.plan ?? null,
    interval: s?.interval ?? null,
    status: s?.status ?? null,
    currentPeriodEnd: s?.currentPeriodEnd ?? null,
    // flexible billing mode schedules a period-end cancellation as `cancel_at` equal to the period end
    cancelAtPeriodEnd: Boolean(s?.cancelAtPeriodEnd || (s?.cancelAt && s.currentPeriodEnd && s.cancelAt.getTime() === s.currentPeriodEnd.getTime())),
    cancelAt,
    trialEnd: s?.trialEnd ?? null,
    pausedCollection: s?.pauseBehavior ? { behavior: s.pauseBehavior, resumesAt: s.pauseResumesAt } : null,
    actionRequired: null,
    pendingUpdate: s?.pendingPriceId ? { plan: s.pendingPlan, interval: s.pendingInterval, expiresAt: s.pendingExpiresAt } : null,
    scheduledChange: scheduledChange(s),
  };
}

/** The schedule's next phase, when it moves the plan item to another price (a phase that changes nothing else is no change of plan). */
function scheduledChange(s: Subscription | null): SubscriptionDto['scheduledChange'] {
  if (!s?.scheduledAt || !s.scheduledPriceId || s.scheduledPriceId === s.priceId) return null;
  return { plan: s.scheduledPlan, interval: s.scheduledInterval, at: s.scheduledAt };
}
