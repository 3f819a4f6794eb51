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
/** A charge's balance transaction: Stripe's fee and what reached the balance (read before the event's transaction). */
export interface ChargeBalance {
  id: string;
  fee: number;
  net: number;
}

/**
 * Refunds of a session's or invoice's payment. Each refund is stored once by its id, so partial refunds add up
 * and a repeated or re-ordered delivery never counts one twice. The refunded amount is the larger of what the
 * refunds stored add up to and the charges' own `amount_refunded` as their newest events said (one may arrive before,
 * after or instead of the refund events). A refund that fails or is canceled (`refund.failed`,
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
   * A charge event (`charge.succeeded`, `charge.updated`, `charge.refunded`): any refunds it lists, and the charge's
   * own row: its refunded total (the newest charge event's wins; it is lower again once a refund has failed), which
   * counts even when it arrives before its session, and Stripe's fee once its balance transaction is known.
   */
  async applyCharge(manager: EntityManager, charge: Stripe.Charge, at: Date, balance?: ChargeBalance | null): Promise<void> {
    for (const refund of charge.refunds?.data ?? []) await this.applyRefund(manager, refund, at);
    const paymentIntentId = idOf(charge.payment_intent);
    const target = await this.targets.resolve(manager, paymentIntentId, idOf(charge.customer));
    await manager.query(
      `INSERT INTO charges (stripe_charge_id, payment_intent_id, amount, amount_refunded, currency, fee, net, balance_transaction_id,
                            checkout_session_id, invoice_id, user_id, state_at, stripe_created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (stripe_charge_id) DO UPDATE SET
         amount_refunded = CASE WHEN EXCLUDED.state_at >= charges.state_at THEN EXCLUDED.amount_refunded ELSE charges.amount_refunded END,
         amount = coalesce(EXCLUDED.amount, charges.amount),
         fee = coalesce(EXCLUDED.fee, charges.fee), net = coalesce(EXCLUDED.net, charges.net),
         balance_transaction_id = coalesce(EXCLUDED.balance_transaction_id, charges.balance_transaction_id),
         checkout_session_id = coalesce(charges.checkout_session_id, EXCLUDED.checkout_session_id),
         invoice_id = coalesce(charges.invoice_id, EXCLUDED.invoice_id), user_id = coalesce(charges.user_id, EXCLUDED.user_id),
         state_at = GREATEST(charges.state_at, EXCLUDED.state_at), updated_at = now()`,
      [
        charge.id,
        paymentIntentId,
        charge.amount,
        charge.amount_refunded,
        charge.currency.toLowerCase(),
        balance?.fee ?? null,
        balance?.net ?? null,
        balance?.id ?? null,
        target.checkoutSessionId,
        target.invoiceId,
        target.userId,
        at,
        seconds(charge.created) ?? at,
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
    await manager.query(`UPDATE charges SET amount_refunded = GREATEST(0, amount_refunded - $2) WHERE stripe_charge_id = $1 AND state_at <= $3`, [chargeId, refund.amount, at]);
  }

  private async settle(manager: EntityManager, target: PaymentTarget, at: Date): Promise<void> {
    const table = target.checkoutSessionId ? 'checkout_sessions' : target.invoiceId ? 'invoices' : null;
    if (!table) return;
    const id = target.checkoutSessionId ?? target.invoiceId;
    const column = table === 'checkout_sessions' ? 'checkout_session_id' : 'invoice_id';
    const refundedAt =
      table === 'checkout_sessions' ? `, refunded_at = CASE WHEN GREATEST(r.charged, r.total) = 0 THEN NULL WHEN refunded_at IS NULL THEN $3 ELSE refunded_at END` : '';
    await manager.query(
      `UPDATE ${table} SET amount_refunded = GREATEST(r.charged, r.total)${refundedAt}
       FROM (SELECT (SELECT coalesce(sum(amount), 0) FROM refunds WHERE ${column} = $1 AND status = ANY($2)) AS total,
                    (SELECT coalesce(sum(amount_refunded), 0) FROM charges WHERE ${column} = $1) AS charged) r
       WHERE ${table}.id = $1`,
      // $3 only where the statement reads it (invoices have no refunded_at): PostgreSQL refuses an unused parameter
      table === 'checkout_sessions' ? [id, COUNTED, at] : [id, COUNTED],
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
    const charges = queryRows(
      await manager.query(`UPDATE charges SET ${column} = $1, user_id = coalesce(user_id, $2) WHERE payment_intent_id = $3 AND ${column} IS NULL RETURNING 1`, params),
    );
    if (!refunds.length && !disputes.length && !charges.length) return;
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
