import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CheckoutSession } from '../billing/entities/checkout-session.entity.js';
import { Fulfillment } from './entities/fulfillment.entity.js';
import type { ApplyContext } from './apply-context.js';

/**
 * The fulfilment ledger. The session id is the ledger's primary key, so of all the paths that may try
 * to grant a session at the same moment (webhook, a second Event for the same change, confirm, sync,
 * replay, recovery — on any instance), exactly one insert wins; the others see it already fulfilled.
 */
@Injectable()
export class FulfillmentService {
  /** Records the grant inside the caller's transaction; true only for the path that won. */
  async claim(manager: EntityManager, session: CheckoutSession, ctx: ApplyContext): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(Fulfillment)
      .values({ checkoutSessionId: session.id, source: ctx.source, eventId: ctx.eventId })
      .orIgnore()
      .returning(['at'])
      .execute();
    const won = (result.raw as Array<{ at: Date }>)[0];
    if (!won) return false;
    // the caller writes it with the rest of the session
    session.fulfilledAt = won.at;
    return true;
  }
}
