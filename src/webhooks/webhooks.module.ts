import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { HandlerRegistry } from './handler-registry.js';
import { CheckoutSessionHandler } from './handlers/checkout-session.handler.js';
import { EntitlementsHandler } from './handlers/entitlements.handler.js';
import { CustomerHandler } from './handlers/customer.handler.js';
import { InvoiceHandler, InvoicePaymentHandler } from './handlers/invoice.handler.js';
import { ChargeHandler, DisputeHandler, RefundHandler } from './handlers/payments.handler.js';
import { SubscriptionHandler } from './handlers/subscription.handler.js';
import { SubscriptionScheduleHandler } from './handlers/subscription-schedule.handler.js';
import { ApiVersionWatch } from './api-version-watch.js';
import { WebhookProcessorService } from './webhook-processor.service.js';
import { ThinEventsService } from './thin-events.service.js';
import { WebhooksController } from './webhooks.controller.js';

/** Webhook transport: the signature check, the inbox, and the handler registry; what events mean is in EntitlementsModule. */
@Module({
  imports: [DiscoveryModule, EntitlementsModule],
  controllers: [WebhooksController],
  providers: [
    WebhookProcessorService,
    ThinEventsService,
    ApiVersionWatch,
    HandlerRegistry,
    CheckoutSessionHandler,
    SubscriptionHandler,
    SubscriptionScheduleHandler,
    InvoiceHandler,
    InvoicePaymentHandler,
    EntitlementsHandler,
    ChargeHandler,
    RefundHandler,
    DisputeHandler,
    CustomerHandler,
  ],
  // admin replay and recovery reuse the same transactional path
  exports: [WebhookProcessorService, HandlerRegistry],
})
export class WebhooksModule {}
