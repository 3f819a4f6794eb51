import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import type { CreditPack } from '../../config/usage-config.js';

/**
 * The credits of a pack (CREDIT_PACK_<NAME>) bought through a one-time Checkout Session: added once when the session
 * is fulfilled (whichever path wins its fulfilment: webhook, confirm, sync, recovery), and what is left of them taken
 * back once when its payment is refunded in full or its dispute lost. The balance lives on the user's counter row of
 * the feature (`usage_counters.credits_granted`), which the usage statements decide on; `usage_credits` is the ledger,
 * one row per session and source (a unique key), so neither happens twice.
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
    await manager.query(GRANT_PACK, [session.user_id, pack.feature, pack.credits, session.id, `credit pack ${pack.name}`]);
  }

  /** The session's payment came back (refunded in full, or a dispute lost): what is left of its credits goes, once. */
  async takeBack(manager: EntityManager, checkoutSessionId: string, reason: string): Promise<void> {
    await manager.query(TAKE_BACK, [checkoutSessionId, reason]);
  }
}

/**
 * Adds a pack's credits to the user's counter of the feature (a row with no period yet when the user never used it:
 * the first track sets the period) and records them, in one statement; a session's second grant adds nothing.
 * $1 user, $2 feature, $3 credits, $4 session, $5 reason.
 */
const GRANT_PACK = `
  WITH ledger AS (
    INSERT INTO usage_credits (user_id, feature, amount, source, reason, checkout_session_id)
    VALUES ($1::uuid, $2::varchar, $3::bigint, 'purchase', $5::varchar, $4::uuid)
    ON CONFLICT (checkout_session_id, source) WHERE checkout_session_id IS NOT NULL DO NOTHING
    RETURNING amount
  )
  INSERT INTO usage_counters AS c (user_id, feature, credits_granted)
  SELECT $1::uuid, $2::varchar, amount FROM ledger
  ON CONFLICT (user_id, feature) DO UPDATE SET credits_granted = c.credits_granted + EXCLUDED.credits_granted, updated_at = now()`;

/**
 * Takes back what is left of a session's pack credits: the pack's amount, or the user's whole unspent balance of the
 * feature when less is left (credits are drawn oldest first, so the rest was used). The counter row is locked first, so a
 * concurrent track decides on the balance after it. Once per session (the ledger's unique key). $1 session, $2 reason.
 */
const TAKE_BACK = `
  WITH granted AS (
    SELECT g.user_id, g.feature, least(g.amount, c.credits_granted - c.credits_drawn) AS taken
    FROM usage_credits g JOIN usage_counters c ON c.user_id = g.user_id AND c.feature = g.feature
    WHERE g.checkout_session_id = $1::uuid AND g.source = 'purchase'
      AND NOT EXISTS (SELECT 1 FROM usage_credits t WHERE t.checkout_session_id = $1::uuid AND t.source = 'takeback')
    FOR UPDATE OF c
  ), ledger AS (
    INSERT INTO usage_credits (user_id, feature, amount, source, reason, checkout_session_id)
    SELECT user_id, feature, -taken, 'takeback', $2::varchar, $1::uuid FROM granted
    ON CONFLICT (checkout_session_id, source) WHERE checkout_session_id IS NOT NULL DO NOTHING
    RETURNING user_id, feature, -amount AS taken
  )
  UPDATE usage_counters c SET credits_granted = c.credits_granted - l.taken, updated_at = now()
  FROM ledger l WHERE c.user_id = l.user_id AND c.feature = l.feature`;
