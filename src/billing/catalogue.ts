import type { CataloguePrice, PriceInterval } from '../config/app-config.js';

/** Pure look-ups in the configured price catalogue. */
export function findPrice(catalogue: CataloguePrice[], plan: string, interval: PriceInterval): CataloguePrice | undefined {
  return catalogue.find((p) => p.plan === plan && p.interval === interval);
}
