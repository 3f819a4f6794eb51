import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { queryRows } from '../database/query-rows.js';
import { StripeSessionSyncService } from '../entitlements/stripe-session-sync.service.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import type { AdminCheckoutSessionDetailDto } from './dto/admin-checkout-session.dto.js';

/**
 * Links a session that matched no user (a Payment Link paid with an email no account has proven) to the user
 * an admin names, then fulfils it exactly once: the session is read from Stripe first, and the link and the
 * fulfilment (ledger source `sync`) commit together, so a Stripe failure changes nothing.
 */
@Injectable()
export class CheckoutSessionLinkService {
  private readonly logger = new Logger('AdminLink');

  constructor(
    private readonly stripeSync: StripeSessionSyncService,
    private readonly sessions: AdminCheckoutSessionsService,
  ) {}

  async link(idOrStripeId: string, userId: string, reason: string, adminId: string): Promise<AdminCheckoutSessionDetailDto> {
    const ours = await this.sessions.find(idOrStripeId);
    if (ours.userId && ours.userId !== userId) throw AppError.conflict('This session is already linked to another user');
    await this.stripeSync.sync(
      ours.stripeSessionId,
      'sync',
      () => Promise.resolve(),
      async (manager) => {
        if (!queryRows(await manager.query('SELECT 1 FROM users WHERE id = $1', [userId])).length) throw AppError.notFound('User');
        const linked = queryRows(
          await manager.query(
            `UPDATE checkout_sessions SET user_id = $2, unmatched = false, linked_at = now(), linked_by = $3, link_reason = $4, updated_at = now()
             WHERE id = $1 AND (user_id IS NULL OR user_id = $2) RETURNING user_id`,
            [ours.id, userId, adminId, reason],
          ),
        );
        if (!linked.length) throw AppError.conflict('This session is already linked to another user');
      },
    );
    this.logger.log(`admin ${adminId} linked session ${ours.stripeSessionId} to user ${userId}`);
    return this.sessions.get(ours.id);
  }
}
