import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UnmappedSubscriptionDto } from './stripe-status.dto.js';

const SHOWN = 100;
const PROBLEM = 'the price maps to no plan: add it to STRIPE_PRICE_*, give its product a catalogue price, or set its lookup_key or metadata.plan';

/** Subscriptions stored with no plan (their price is unknown to the catalogue): a configuration problem to show admins. */
@Injectable()
export class UnmappedSubscriptionsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(): Promise<UnmappedSubscriptionDto[]> {
    const rows = await this.db.query<Array<{ stripe_subscription_id: string; user_id: string | null; price_id: string | null; product_id: string | null; status: string }>>(
      `SELECT stripe_subscription_id, user_id, price_id, product_id, status FROM subscriptions
       WHERE plan IS NULL AND status NOT IN ('canceled', 'incomplete_expired') ORDER BY created_at DESC LIMIT $1`,
      [SHOWN],
    );
    return rows.map((r) => ({
      stripeSubscriptionId: r.stripe_subscription_id,
      userId: r.user_id,
      priceId: r.price_id,
      productId: r.product_id,
      status: r.status,
      problem: PROBLEM,
    }));
  }
}
