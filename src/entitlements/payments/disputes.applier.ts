import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { Dispute } from '../entities/dispute.entity.js';
import { idOf, seconds } from '../mappers/stripe-values.js';
import { DISPUTE, isNewerState } from './payment-lifecycles.js';
import { PaymentTargetsService } from './payment-targets.service.js';
import { PurchaseAccessService } from './purchase-access.service.js';

/**
 * Disputes of a payment, as the newest dispute event left them. A dispute of a one-time purchase suspends its
 * grant while open and keeps it revoked when lost (PurchaseAccessService); one of a subscription invoice is
 * recorded, and access follows the subscription.
 */
@Injectable()
export class DisputesApplier {
  constructor(
    private readonly targets: PaymentTargetsService,
    private readonly access: PurchaseAccessService,
  ) {}

  async apply(manager: EntityManager, dispute: Stripe.Dispute, at: Date): Promise<void> {
    const paymentIntentId = idOf(dispute.payment_intent);
    const charge = dispute.charge;
    const customerId = typeof charge === 'object' ? idOf(charge.customer) : null;
    const target = await this.targets.resolve(manager, paymentIntentId, customerId);
    const repo = manager.getRepository(Dispute);
    const current = await repo.findOne({ where: { stripeDisputeId: dispute.id }, lock: { mode: 'pessimistic_write' } });
    if (!isNewerState(DISPUTE, { at, status: dispute.status }, current ? { at: current.stateAt, status: current.status } : null)) return;
    await repo.upsert(
      {
        stripeDisputeId: dispute.id,
        chargeId: idOf(charge),
        paymentIntentId,
        amount: dispute.amount,
        currency: dispute.currency.toLowerCase(),
        status: dispute.status,
        reason: dispute.reason ?? null,
        evidenceDueBy: seconds(dispute.evidence_details?.due_by),
        checkoutSessionId: target.checkoutSessionId ?? current?.checkoutSessionId ?? null,
        invoiceId: target.invoiceId ?? current?.invoiceId ?? null,
        userId: target.userId ?? current?.userId ?? null,
        stateAt: at,
        stripeCreatedAt: seconds(dispute.created) ?? at,
      },
      ['stripeDisputeId'],
    );
    const sessionId = target.checkoutSessionId ?? current?.checkoutSessionId;
    if (sessionId) await this.access.sync(manager, sessionId);
  }
}
