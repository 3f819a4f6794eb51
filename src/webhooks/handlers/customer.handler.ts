import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { CustomersApplier } from '../../entitlements/payments/customers.applier.js';
import { OnStripeEvent, type HandlerContext, type StripeEventHandler } from '../handler-registry.js';

@Injectable()
@OnStripeEvent('customer.deleted', 'customer.updated')
export class CustomerHandler implements StripeEventHandler {
  constructor(private readonly customers: CustomersApplier) {}

  async handle(event: Stripe.Event, ctx: HandlerContext): Promise<void> {
    if (event.type === 'customer.deleted') await this.customers.deleted(ctx.manager, event.data.object);
    else await this.customers.updated(ctx.manager, event.data.object as Stripe.Customer);
  }
}
