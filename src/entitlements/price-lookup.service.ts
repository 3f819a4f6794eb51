import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import { STRIPE_CLIENT } from '../stripe/stripe.client.js';
import { PlanCatalogueService, priceFacts, type PriceFacts } from './plan-catalogue.service.js';

/**
 * A price map that survives a failed start-up check: a price that maps to no plan and whose product this instance
 * does not know is looked up on demand, first in `stripe_product_plans` (what any instance learnt), then from Stripe
 * (the catalogue prices not learnt yet), and what Stripe answers is written there for every instance. Callers run
 * it before their transaction: when Stripe fails, the caller fails (a webhook is delivered again), and nobody is
 * mapped to no plan because of it.
 */
@Injectable()
export class PriceLookupService implements OnModuleInit {
  private readonly logger = new Logger('PriceLookup');
  /** one lookup at a time per instance: concurrent events of an unknown product wait for the same one */
  private running: Promise<void> | null = null;

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe | null,
    @InjectDataSource() private readonly db: DataSource,
    private readonly plans: PlanCatalogueService,
  ) {}

  onModuleInit(): void {
    this.plans.onLearnt = (productId, plan, priceId) =>
      void this.remember(productId, plan, priceId).catch((error: unknown) => this.logger.warn(`could not keep the plan of product ${productId}: ${String(error)}`));
  }

  /** `planOf`, after learning the price's product when it is unknown. */
  async resolvePlan(price: PriceFacts): Promise<string | null> {
    if (this.plans.planOf(price) || !this.unknownProduct(price)) return this.plans.planOf(price);
    await this.learn();
    return this.plans.planOf(price);
  }

  /** Learns the products of the prices of a subscription (an event's object) that map to no plan yet. */
  async learnPricesOf(object: unknown): Promise<void> {
    const subscription = object as Partial<Stripe.Subscription> | null;
    if (subscription?.object !== 'subscription' || !Array.isArray(subscription.items?.data)) return;
    const prices = subscription.items.data.map((item) => priceFacts(item.price));
    if (prices.some((price) => !this.plans.planOf(price) && this.unknownProduct(price))) await this.learn();
  }

  private async remember(productId: string, plan: string, priceId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO stripe_product_plans (product_id, plan, price_id) VALUES ($1, $2, $3)
       ON CONFLICT (product_id) DO UPDATE SET plan = EXCLUDED.plan, price_id = EXCLUDED.price_id, learnt_at = now()`,
      [productId, plan, priceId],
    );
  }

  /** A product none of the catalogue prices learnt so far has, while some catalogue price is still unlearnt. */
  private unknownProduct(price: PriceFacts): boolean {
    return !!price.productId && !this.plans.knowsProduct(price.productId) && this.plans.unlearntCatalogue().length > 0;
  }

  private learn(): Promise<void> {
    this.running ??= this.learnOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async learnOnce(): Promise<void> {
    const stored = await this.db.query<Array<{ product_id: string; plan: string; price_id: string }>>('SELECT product_id, plan, price_id FROM stripe_product_plans');
    for (const row of stored) this.plans.rememberProduct(row.product_id, row.plan, row.price_id);
    const unlearnt = this.plans.unlearntCatalogue();
    if (!unlearnt.length || !this.stripe) return;
    for (const entry of unlearnt) {
      const { productId } = priceFacts(await this.stripe.prices.retrieve(entry.priceId));
      if (!productId) continue;
      await this.remember(productId, entry.plan, entry.priceId);
      this.plans.rememberProduct(productId, entry.plan, entry.priceId);
    }
    this.logger.log(`learnt the products of ${unlearnt.length} catalogue price(s) on demand`);
  }
}
