import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import type { CreditPack } from '../../config/usage-config.js';
import { ADD_CREDITS, TAKE_BACK } from './credit-ledger.sql.js';

/**
 * The credits of a pack (CREDIT_PACK_<NAME>) bought through a one-time Checkout Session: added once when the session
 * is fulfilled (whichever path wins its fulfilment: webhook, confirm, sync, recovery), and what is left of them taken
 * back once when its payment is refunded in full or its dispute lost. The balance lives on the user's counter row of
 * the feature (`usage_counters.credits_granted`), which the usage statements decide on; `usage_credits` is the ledger,
 * one row per session and source (a unique key), so neither happens twice. The statements are in credit-ledger.sql.ts.
 */
@Injectable()
export class PackCreditsService {
  private readonly logger = new Logger('Credits');

  constructor(private readonly config: AppConfig) {}

  /** The configured pack of this name, if any. */
  pack(name: string | null | undefined): CreditPack | undefined {
    return name ? this.config.usage.creditPacks.find((p) => p.name === name) : undefined;
  }

  /** The pack sold by this price, if any (a purchase made outside this API names only its price). */
  packOfPrice(priceId: string | null | undefined): CreditPack | undefined {
    return priceId ? this.config.usage.creditPacks.find((p) => p.priceId === priceId) : undefined;
  }

  /** Inside the transaction that fulfilled the session (it won the fulfilment ledger). */
  async grant(manager: EntityManager, session: { id: string; user_id: string | null; credit_pack: string | null }): Promise<void> {
    const pack = this.pack(session.credit_pack);
    if (!pack || !session.user_id) {
      this.logger.warn(`Checkout session ${session.id} sold credit pack ${session.credit_pack ?? '?'}, which is not configured: no credits added`);
      return;
    }
    // once per session: the ledger's unique key (session, source) makes a second grant add nothing
    await manager.query(ADD_CREDITS, [session.user_id, pack.feature, pack.credits, 'purchase', `credit pack ${pack.name}`, null, session.id]);
  }

  /** The session's payment came back (refunded in full, or a dispute lost): what is left of its credits goes, once. */
  async takeBack(manager: EntityManager, checkoutSessionId: string, reason: string): Promise<void> {
    await manager.query(TAKE_BACK, [checkoutSessionId, reason]);
  }
}
