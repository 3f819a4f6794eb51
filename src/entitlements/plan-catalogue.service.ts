import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { AppConfig, type CataloguePrice } from '../config/app-config.js';
import { FREE_PLAN } from '../users/user.entity.js';

/** What a Stripe price says about itself, as a subscription item or a session line carries it. */
export interface PriceFacts {
  id: string | null;
  productId: string | null;
  lookupKey: string | null;
  metadataPlan: string | null;
}

export function priceFacts(price: Stripe.Price | string | null | undefined): PriceFacts {
  if (!price) return { id: null, productId: null, lookupKey: null, metadataPlan: null };
  if (typeof price === 'string') return { id: price, productId: null, lookupKey: null, metadataPlan: null };
  const product = price.product as string | { id: string } | null | undefined;
  return {
    id: price.id,
    productId: product ? (typeof product === 'string' ? product : product.id) : null,
    lookupKey: price.lookup_key ?? null,
    metadataPlan: price.metadata?.plan ?? null,
  };
}

/**
 * Plans: which plan a Stripe price belongs to, and how plans rank. A price maps by, in order: its id in the
 * catalogue (STRIPE_PRICE_*); its product, when a catalogue price has that product (learnt by the start-up
 * check); its `lookup_key` (`<plan>` or `<plan>_<interval>`); then the price's `metadata.plan`. So a new or
 * grandfathered price of the same product still gives its plan. Products the start-up check could not learn are
 * looked up on demand and kept in the database for every instance (PriceLookupService). The subscription's own `metadata.plan` is not
 * used: it was written when the subscription was created and goes stale when the price is switched in the portal.
 */
@Injectable()
export class PlanCatalogueService {
  private readonly productPlans = new Map<string, string>();
  /** the catalogue prices whose product is in `productPlans` */
  private readonly learntPrices = new Set<string>();
  private readonly rank: Map<string, number>;
  private catalogueText: string | undefined;

  constructor(private readonly config: AppConfig) {
    this.rank = new Map(config.billing.planRank.map((plan, i) => [plan, i + 1]));
  }

  /** Called by the start-up check with each catalogue price as Stripe returned it (PriceLookupService keeps it in the database too). */
  learnProduct(entry: CataloguePrice, price: Stripe.Price): void {
    const { productId } = priceFacts(price);
    if (!productId) return;
    this.rememberProduct(productId, entry.plan, entry.priceId);
    this.onLearnt?.(productId, entry.plan, entry.priceId);
  }

  /** Told of each product the start-up check learnt (PriceLookupService keeps it in the database for every instance). */
  onLearnt?: (productId: string, plan: string, priceId: string) => void;

  /** A product's plan, learnt from catalogue price `priceId` by this instance or read from the database (`stripe_product_plans`). */
  rememberProduct(productId: string, plan: string, priceId: string): void {
    this.productPlans.set(productId, plan);
    this.learntPrices.add(priceId);
  }

  knowsProduct(productId: string): boolean {
    return this.productPlans.has(productId);
  }

  /** The catalogue prices whose product this instance has not learnt yet. */
  unlearntCatalogue(): CataloguePrice[] {
    return this.config.billing.catalogue.filter((entry) => !this.learntPrices.has(entry.priceId));
  }

  planOf(price: PriceFacts): string | null {
    const catalogue = this.config.billing.catalogue;
    const byId = price.id ? catalogue.find((p) => p.priceId === price.id) : undefined;
    if (byId) return byId.plan;
    const byProduct = price.productId ? this.productPlans.get(price.productId) : undefined;
    if (byProduct) return byProduct;
    const plans = this.config.billing.planRank;
    const key = price.lookupKey?.toLowerCase().replace(/_(month|monthly|year|yearly|once)$/, '');
    if (key && plans.includes(key)) return key;
    const plan = price.metadataPlan?.trim().toLowerCase();
    return plan && plans.includes(plan) ? plan : null;
  }

  /**
   * `planOf` of a price known only by its id and a plan name (a provisional subscription from a paid session),
   * as SQL over `priceId` and `plan` (SQL expressions), for statements that decide it inside the database: the
   * catalogue's plan of that price id (`$catalogue`: the jsonb of `catalogueJson()`), else the name when ranked
   * (`$ranking`: `ranking()`).
   */
  static sqlPlanOf(priceId: string, plan: string, catalogue: string, ranking: string): string {
    return `coalesce(${catalogue}::jsonb ->> ${priceId}, CASE WHEN lower(btrim(${plan})) = ANY(${ranking}::text[]) THEN lower(btrim(${plan})) END)`;
  }

  /** The catalogue as `{priceId: plan}` (the first entry of a price id wins, as in `planOf`), for `sqlPlanOf`. */
  catalogueJson(): string {
    this.catalogueText ??= JSON.stringify(Object.fromEntries([...this.config.billing.catalogue].reverse().map((p) => [p.priceId, p.plan])));
    return this.catalogueText;
  }

  /**
   * The item that carries the plan among a subscription's (or a schedule phase's) items: the one whose price maps
   * to the highest-ranked plan, so an add-on listed first is never taken for the plan; the first item when none maps.
   */
  planItem<T extends { price?: Stripe.Price | string | null }>(items: readonly T[]): T | undefined {
    let best: T | undefined;
    let bestRank = 0;
    for (const item of items) {
      const plan = this.planOf(priceFacts(item.price));
      const rank = plan ? this.rankOf(plan) : 0;
      if (rank > bestRank) [best, bestRank] = [item, rank];
    }
    return best ?? items[0];
  }

  /** 0 for free (or an unranked name), 1 for the lowest ranked plan, and so on. */
  rankOf(plan: string): number {
    return plan === FREE_PLAN ? 0 : (this.rank.get(plan) ?? 0);
  }

  isKnown(plan: string): boolean {
    return this.rank.has(plan);
  }

  /** PLAN_RANK lowest first, for SQL that orders grants (`array_position`). */
  ranking(): string[] {
    return this.config.billing.planRank;
  }
}
