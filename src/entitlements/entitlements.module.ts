import { Module } from '@nestjs/common';
import { CheckoutSessionApplier } from './checkout-session.applier.js';
import { FeaturesService } from './features.service.js';
import { GrantsService } from './grants.service.js';
import { CustomersApplier } from './payments/customers.applier.js';
import { DisputesApplier } from './payments/disputes.applier.js';
import { InvoicesApplier } from './payments/invoices.applier.js';
import { InvoicePaymentsApplier } from './payments/invoice-payments.applier.js';
import { PaymentTargetsService } from './payments/payment-targets.service.js';
import { PurchaseAccessService } from './payments/purchase-access.service.js';
import { RefundsApplier } from './payments/refunds.applier.js';
import { PlanCatalogueService } from './plan-catalogue.service.js';
import { EventPrefetchService } from './event-prefetch.service.js';
import { PriceLookupService } from './price-lookup.service.js';
import { SessionLinePlanService } from './session-line-plan.service.js';
import { StripeSessionSyncService } from './stripe-session-sync.service.js';
import { PackCreditsService } from './credits/pack-credits.service.js';
import { SubscriptionScheduleApplier } from './subscription-schedule.applier.js';
import { SubscriptionApplier } from './subscription.applier.js';
import { SubscriptionSyncService } from './subscription-sync.service.js';

/**
 * What a user owns, as Stripe says: applies Stripe's checkout sessions and subscriptions to our rows, keeps the
 * fulfilment ledger and the grants, and derives the user's plan. Billing, webhooks, admin and recovery use it;
 * it imports none of them (it needs only the database and the global Stripe client).
 */
@Module({
  providers: [
    PlanCatalogueService,
    GrantsService,
    SubscriptionApplier,
    CheckoutSessionApplier,
    StripeSessionSyncService,
    SubscriptionSyncService,
    PaymentTargetsService,
    PurchaseAccessService,
    RefundsApplier,
    DisputesApplier,
    InvoicesApplier,
    InvoicePaymentsApplier,
    CustomersApplier,
    FeaturesService,
    PriceLookupService,
    SessionLinePlanService,
    EventPrefetchService,
    SubscriptionScheduleApplier,
    PackCreditsService,
  ],
  exports: [
    PlanCatalogueService,
    GrantsService,
    SubscriptionApplier,
    CheckoutSessionApplier,
    StripeSessionSyncService,
    SubscriptionSyncService,
    RefundsApplier,
    DisputesApplier,
    InvoicesApplier,
    InvoicePaymentsApplier,
    CustomersApplier,
    FeaturesService,
    PriceLookupService,
    SessionLinePlanService,
    EventPrefetchService,
    SubscriptionScheduleApplier,
    PackCreditsService,
  ],
})
export class EntitlementsModule {}
