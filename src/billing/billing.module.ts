import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { BillingController } from './billing.controller.js';
import { CatalogueService } from './catalogue.service.js';
import { CheckoutConfirmService } from './checkout-confirm.service.js';
import { CheckoutService } from './checkout.service.js';
import { StripeCustomersService } from './stripe-customers.service.js';
import { SubscriptionService } from './subscription.service.js';

@Module({
  imports: [AuthModule, WebhooksModule],
  controllers: [BillingController],
  providers: [CatalogueService, CheckoutService, CheckoutConfirmService, StripeCustomersService, SubscriptionService],
})
export class BillingModule {}
