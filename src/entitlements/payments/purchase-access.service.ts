import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { PackCreditsService } from '../credits/pack-credits.service.js';
import { GrantsService } from '../grants.service.js';
import { OPEN_DISPUTE_STATUSES } from './payment-lifecycles.js';

/**
 * Whether a one-time purchase still grants, from what happened to its money: a full refund revokes it
 * (REFUND_REVOKES_GRANT), an open dispute suspends it (DISPUTE_SUSPENDS_GRANT), a lost dispute keeps it
 * revoked, a won one restores it. A revocation an admin made by hand is never undone here.
 */
@Injectable()
export class PurchaseAccessService {
  constructor(
    private readonly config: AppConfig,
    private readonly grants: GrantsService,
    private readonly packs: PackCreditsService,
  ) {}

  async sync(manager: EntityManager, checkoutSessionId: string): Promise<void> {
    const [row] = await manager.query<
      Array<{ user_id: string | null; mode: string; amount_total: string | null; amount_refunded: string; disputed: boolean; lost: boolean; credit_pack: string | null }>
    >(
      `SELECT s.user_id, s.mode, s.amount_total, s.amount_refunded, s.credit_pack,
              EXISTS (SELECT 1 FROM disputes d WHERE d.checkout_session_id = s.id AND d.status = ANY($2)) AS disputed,
              EXISTS (SELECT 1 FROM disputes d WHERE d.checkout_session_id = s.id AND d.status = 'lost') AS lost
       FROM checkout_sessions s WHERE s.id = $1`,
      [checkoutSessionId, OPEN_DISPUTE_STATUSES],
    );
    if (!row?.user_id || row.mode !== 'payment') return;
    const total = Number(row.amount_total ?? 0);
    const refunded = Number(row.amount_refunded);
    // a credit pack's money came back for good: what is left of its credits goes (once; a failed refund does not return them)
    if (row.credit_pack && (row.lost || (total > 0 && refunded >= total))) await this.packs.takeBack(manager, checkoutSessionId, row.lost ? 'dispute lost' : 'refunded in full');
    const { refundRevokesGrant, disputeSuspendsGrant } = this.config.billing;
    const reason = row.lost
      ? 'dispute lost'
      : row.disputed && disputeSuspendsGrant
        ? 'dispute open'
        : refundRevokesGrant && total > 0 && refunded >= total
          ? 'refunded in full'
          : null;
    if (reason) {
      await manager.query(
        `UPDATE grants SET revoked_at = coalesce(revoked_at, now()), revoked_reason = $2
         WHERE checkout_session_id = $1 AND actor_id IS NULL AND revoked_reason IS DISTINCT FROM $2`,
        [checkoutSessionId, reason],
      );
    } else {
      await manager.query(`UPDATE grants SET revoked_at = NULL, revoked_reason = NULL WHERE checkout_session_id = $1 AND actor_id IS NULL AND revoked_at IS NOT NULL`, [
        checkoutSessionId,
      ]);
    }
    await this.grants.recompute(manager, row.user_id);
  }
}
