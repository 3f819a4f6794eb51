import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { AppConfig, type CataloguePrice, type PriceInterval } from '../config/app-config.js';
import { findPrice } from './catalogue.js';

/** The price catalogue of STRIPE_PRICE_<PLAN>_<INTERVAL>: clients name a plan and interval, never a price id. */
@Injectable()
export class CatalogueService {
  constructor(private readonly config: AppConfig) {}

  list(): CataloguePrice[] {
    return this.config.billing.catalogue;
  }

  resolve(plan: string, interval: PriceInterval): CataloguePrice {
    const price = findPrice(this.config.billing.catalogue, plan, interval);
    if (!price) {
      const offered = this.config.billing.catalogue.map((p) => `${p.plan}/${p.interval}`).join(', ') || 'none';
      throw AppError.validation(`The catalogue has no ${plan} plan billed ${interval === 'once' ? 'once' : `every ${interval}`} (offered: ${offered})`, {
        plan: ['is not in the catalogue with this interval'],
      });
    }
    return price;
  }
}
