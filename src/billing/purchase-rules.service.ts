import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import type { CataloguePrice } from '../config/app-config.js';
import { AppConfig } from '../config/app-config.js';
import { GrantsService } from '../entitlements/grants.service.js';
import { PlanCatalogueService } from '../entitlements/plan-catalogue.service.js';
import { AWAITING_PAYMENT_STATUSES, isEndedStatus } from '../entitlements/subscription-lifecycle.js';
import { queryRows } from '../database/query-rows.js';

/**
 * What a user may buy. One live subscription per user: while one has not ended, plan changes go through
 * POST /api/billing/subscription/change, never a second subscription. One that awaits a payment (`past_due`,
 * `unpaid`) points to its open invoice instead: Stripe makes it active again once that invoice is paid, so a
 * second subscription would bill the customer twice. A one-time plan is refused when a permanent grant of at
 * least its rank already covers it.
 */
@Injectable()
export class PurchaseRulesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly grants: GrantsService,
    private readonly plans: PlanCatalogueService,
  ) {}

  /** Throws 409 when the purchase is not allowed; answers the trial days a subscription gets. */
  async assertCanBuy(userId: string, price: CataloguePrice): Promise<{ trial: number | null }> {
    if (price.mode === 'subscription') {
      const subscriptions = queryRows<LiveRow>(
        await this.db.query('SELECT stripe_subscription_id, status, plan, latest_invoice_id FROM subscriptions WHERE user_id = $1 ORDER BY created_at DESC', [userId]),
      );
      const live = subscriptions.find((s) => !isEndedStatus(s.status));
      if (live && AWAITING_PAYMENT_STATUSES.includes(live.status)) throw await this.awaitingPayment(live);
      if (live) {
        throw AppError.conflict(
          `You already have a ${live.status} subscription${live.plan ? ` to ${live.plan}` : ''}: change its plan with POST /api/billing/subscription/change instead of buying a second one`,
          { hint: 'POST /api/billing/subscription/change' },
        );
      }
      // one trial per account: a returning subscriber pays from the first day
      const trial = subscriptions.length ? null : (this.config.billing.trialDays[price.plan] ?? null);
      return { trial };
    }
    const rank = this.plans.rankOf(price.plan);
    const covering = (await this.grants.active(userId)).find((g) => g.source !== 'subscription' && g.endsAt === null && this.plans.rankOf(g.plan) >= rank);
    if (covering) {
      throw AppError.conflict(`Your ${covering.plan} plan already covers ${price.plan}: there is nothing more to buy`, { coveredBy: covering.plan });
    }
    return { trial: null };
  }

  /** The 409 for a subscription whose invoice is unpaid: where to pay it (the invoice page, else the portal). */
  private async awaitingPayment(live: LiveRow): Promise<AppError> {
    const [invoice] = queryRows<{ hosted_invoice_url: string | null }>(
      await this.db.query(
        `SELECT hosted_invoice_url FROM invoices WHERE stripe_subscription_id = $1 AND status = 'open'
         ORDER BY stripe_invoice_id = $2 DESC, created_at DESC LIMIT 1`,
        [live.stripe_subscription_id, live.latest_invoice_id ?? ''],
      ),
    );
    const hostedInvoiceUrl = invoice?.hosted_invoice_url ?? null;
    return AppError.conflict(
      `Your ${live.plan ? `${live.plan} ` : ''}subscription is ${live.status}: pay its open invoice${hostedInvoiceUrl ? '' : ' (POST /api/billing/portal)'} and it becomes active again, ` +
        'or cancel it before buying another one',
      { status: live.status, hostedInvoiceUrl, hint: hostedInvoiceUrl ? 'pay the open invoice at hostedInvoiceUrl' : 'POST /api/billing/portal' },
    );
  }
}

interface LiveRow {
  stripe_subscription_id: string;
  status: string;
  plan: string | null;
  latest_invoice_id: string | null;
}
