import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AppConfig } from '../config/app-config.js';
import { StripeCallerInterceptor } from './stripe-caller.js';
import { createStripeClient, STRIPE_CLIENT } from './stripe.client.js';

/** Provides the one Stripe SDK client; inject it with `@Inject(STRIPE_CLIENT) stripe: Stripe | null`. */
@Global()
@Module({
  providers: [
    { provide: STRIPE_CLIENT, inject: [AppConfig], useFactory: createStripeClient },
    // every request of a signed-in user counts its Stripe calls against that user's share
    { provide: APP_INTERCEPTOR, useClass: StripeCallerInterceptor },
  ],
  exports: [STRIPE_CLIENT],
})
export class StripeModule {}
