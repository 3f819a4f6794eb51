import type { CataloguePrice, PriceInterval } from '../config/app-config.js';

/** Pure look-ups in the configured price catalogue. */
export function findPriceById(catalogue: CataloguePrice[], priceId: string | null | undefined): CataloguePrice | undefined {
  return priceId ? catalogue.find((p) => p.priceId === priceId) : undefined;
}

export function findPrice(catalogue: CataloguePrice[], plan: string, interval: PriceInterval): CataloguePrice | undefined {
  return catalogue.find((p) => p.plan === plan && p.interval === interval);
}
