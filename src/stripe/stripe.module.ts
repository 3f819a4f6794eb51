import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { createStripeClient, STRIPE_CLIENT } from './stripe.client.js';

/** Provides the one Stripe SDK client; inject it with `@Inject(STRIPE_CLIENT) stripe: Stripe | null`. */
@Global()
@Module({
  providers: [{ provide: STRIPE_CLIENT, inject: [AppConfig], useFactory: createStripeClient }],
  exports: [STRIPE_CLIENT],
})
export class StripeModule {}
