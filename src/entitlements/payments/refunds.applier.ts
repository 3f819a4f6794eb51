import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { queryRows } from '../../database/query-rows.js';
import { Refund } from '../entities/refund.entity.js';
import { idOf, seconds } from '../mappers/stripe-values.js';
import { isNewerState, REFUND, UNDONE_REFUND_STATUSES } from './payment-lifecycles.js';
import { PaymentTargetsService, type PaymentTarget } from './payment-targets.service.js';
import { PurchaseAccessService } from './purchase-access.service.js';

/** Refunds that count toward the refunded amount: money returned or on its way. */
const COUNTED = ['pending', 'requires_action', 'succeeded'];
/** The status of the one row per charge that keeps the charge's own `amount_refunded`. */
const CHARGE_TOTAL = 'charge_total';

/**
 * Refunds of a session's or invoice's payment. Each refund is stored once by its id, so partial refunds add up
 * and a repeated or re-ordered delivery never counts one twice. The refunded amount is the larger of what the
 * refunds stored add up to and the charge's own `amount_refunded` as its newest `charge.refunded` said (one may
 * arrive before, after or instead of the refund events). A refund that fails or is canceled (`refund.failed`,
 * `refund.updated`) counts for nothing: it leaves the sum, is taken off a charge total stored before it failed,
 * and the purchase it had revoked is given back (see PurchaseAccessService).
 */
@Injectable()
export class RefundsApplier {
  constructor(
    private readonly targets: PaymentTargetsService,
    private readonly access: PurchaseAccessService,
  ) {}

  async applyRefund(manager: EntityManager, refund: Stripe.Refund, at: Date): Promise<void> {
    const paymentIntentId = idOf(refund.payment_intent);
    const target = await this.targets.resolve(manager, paymentIntentId, idOf(refund.customer));
    const repo = manager.getRepository(Refund);
    const current = await repo.findOne({ where: { stripeRefundId: refund.id }, lock: { mode: 'pessimistic_write' } });
    const status = refund.status ?? 'pending';
    if (isNewerState(REFUND, { at, status }, current ? { at: current.stateAt, status: current.status } : null)) {
      if (UNDONE_REFUND_STATUSES.includes(status) && !UNDONE_REFUND_STATUSES.includes(current?.status ?? '')) await this.undoInChargeTotal(manager, refund, at);
      await repo.upsert(
        {
          stripeRefundId: refund.id,
          chargeId: idOf(refund.charge),
          paymentIntentId,
          amount: refund.amount,
          currency: refund.currency.toLowerCase(),
          status: refund.status ?? 'pending',
          reason: refund.reason ?? null,
          checkoutSessionId: target.checkoutSessionId,
          invoiceId: target.invoiceId,
          userId: target.userId,
          stateAt: at,
          stripeCreatedAt: seconds(refund.created) ?? at,
        },
        ['stripeRefundId'],
      );
    }
    await this.settle(manager, target, at);
  }

  /**
   * `charge.refunded`: any refunds it lists, and the charge's own total, kept as one row per charge (status
   * `charge_total`, never summed with the refunds) so that it counts even when it arrives before its session. The
   * newest charge event's total wins (it is lower again once a refund has failed).
   */
  async applyCharge(manager: EntityManager, charge: Stripe.Charge, at: Date): Promise<void> {
    for (const refund of charge.refunds?.data ?? []) await this.applyRefund(manager, refund, at);
    const paymentIntentId = idOf(charge.payment_intent);
    const target = await this.targets.resolve(manager, paymentIntentId, idOf(charge.customer));
    await manager.query(
      `INSERT INTO refunds (stripe_refund_id, charge_id, payment_intent_id, amount, currency, status, checkout_session_id, invoice_id, user_id, state_at, stripe_created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       ON CONFLICT (stripe_refund_id) DO UPDATE SET amount = CASE WHEN EXCLUDED.state_at >= refunds.state_at THEN EXCLUDED.amount ELSE refunds.amount END,
         state_at = GREATEST(refunds.state_at, EXCLUDED.state_at)`,
      [
        `${CHARGE_TOTAL}:${charge.id}`,
        charge.id,
        paymentIntentId,
        charge.amount_refunded,
        charge.currency.toLowerCase(),
        CHARGE_TOTAL,
        target.checkoutSessionId,
        target.invoiceId,
        target.userId,
        at,
      ],
    );
    await this.settle(manager, target, at);
  }

  /**
   * A refund that failed (or was canceled) after a charge total that counted it was stored: that total is lowered by
   * its amount, once (at its move into failed or canceled). A charge total stored after the failure already excludes it
   * (one of the same second counts as before it: Stripe sends no `charge.refunded` for a failure).
   */
  private async undoInChargeTotal(manager: EntityManager, refund: Stripe.Refund, at: Date): Promise<void> {
    const chargeId = idOf(refund.charge);
    if (!chargeId) return;
    await manager.query(`UPDATE refunds SET amount = GREATEST(0, amount - $2) WHERE stripe_refund_id = $1 AND state_at <= $3`, [`${CHARGE_TOTAL}:${chargeId}`, refund.amount, at]);
  }

  private async settle(manager: EntityManager, target: PaymentTarget, at: Date): Promise<void> {
    const table = target.checkoutSessionId ? 'checkout_sessions' : target.invoiceId ? 'invoices' : null;
    if (!table) return;
    const id = target.checkoutSessionId ?? target.invoiceId;
    const column = table === 'checkout_sessions' ? 'checkout_session_id' : 'invoice_id';
    const refundedAt =
      table === 'checkout_sessions' ? `, refunded_at = CASE WHEN GREATEST(r.charged, r.total) = 0 THEN NULL WHEN refunded_at IS NULL THEN $4 ELSE refunded_at END` : '';
    await manager.query(
      `UPDATE ${table} SET amount_refunded = GREATEST(r.charged, r.total)${refundedAt}
       FROM (SELECT coalesce(sum(amount) FILTER (WHERE status = ANY($2)), 0) AS total, coalesce(max(amount) FILTER (WHERE status = $3), 0) AS charged
               FROM refunds WHERE ${column} = $1) r
       WHERE ${table}.id = $1`,
      // $4 only where the statement reads it (invoices have no refunded_at): PostgreSQL refuses an unused parameter
      table === 'checkout_sessions' ? [id, COUNTED, CHARGE_TOTAL, at] : [id, COUNTED, CHARGE_TOTAL],
    );
    if (target.checkoutSessionId) await this.access.sync(manager, target.checkoutSessionId);
  }

  /**
   * A session or invoice that just learnt its PaymentIntent takes the refunds and disputes that arrived before it
   * (Stripe does not promise any order between a payment's events), then settles its amounts and access.
   */
  async attach(manager: EntityManager, target: { checkoutSessionId?: string; invoiceId?: string; userId: string | null }, paymentIntentId: string, at: Date): Promise<void> {
    const column = target.checkoutSessionId ? 'checkout_session_id' : 'invoice_id';
    const id = target.checkoutSessionId ?? target.invoiceId;
    const params = [id, target.userId, paymentIntentId];
    const refunds = queryRows(
      await manager.query(`UPDATE refunds SET ${column} = $1, user_id = coalesce(user_id, $2) WHERE payment_intent_id = $3 AND ${column} IS NULL RETURNING 1`, params),
    );
    const disputes = queryRows(
      await manager.query(`UPDATE disputes SET ${column} = $1, user_id = coalesce(user_id, $2) WHERE payment_intent_id = $3 AND ${column} IS NULL RETURNING 1`, params),
    );
    if (!refunds.length && !disputes.length) return;
    await this.settleAttached(manager, target, at);
  }

  /**
   * The settling half of `attach`, for a caller that moved the refunds and disputes to the session or invoice in a
   * statement of its own (the checkout session applier does it in the statement that fulfils the session).
   */
  async settleAttached(manager: EntityManager, target: { checkoutSessionId?: string; invoiceId?: string; userId: string | null }, at: Date): Promise<void> {
    await this.settle(manager, { checkoutSessionId: target.checkoutSessionId ?? null, invoiceId: target.invoiceId ?? null, userId: target.userId }, at);
  }
}
