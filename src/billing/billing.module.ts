import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { BillingController } from './billing.controller.js';
import { CatalogueService } from './catalogue.service.js';
import { CheckoutConfirmService } from './checkout-confirm.service.js';
import { CheckoutLeaseService } from './checkout-lease.service.js';
import { CheckoutService } from './checkout.service.js';
import { InvoicesService } from './invoices.service.js';
import { OpenCheckoutSessionsService } from './open-checkout-sessions.service.js';
import { PurchaseRulesService } from './purchase-rules.service.js';
import { StripeCustomersService } from './stripe-customers.service.js';
import { SubscriptionService } from './subscription.service.js';
import { SubscriptionSchedulesService } from './subscription-schedules.service.js';

@Module({
  imports: [AuthModule, EntitlementsModule],
  controllers: [BillingController],
  providers: [
    CatalogueService,
    CheckoutService,
    CheckoutConfirmService,
    StripeCustomersService,
    SubscriptionService,
    SubscriptionSchedulesService,
    PurchaseRulesService,
    CheckoutLeaseService,
    OpenCheckoutSessionsService,
    InvoicesService,
  ],
})
export class BillingModule {}
