import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CheckoutSessionApplier } from './apply/checkout-session.applier.js';
import { FulfillmentService } from './apply/fulfillment.service.js';
import { SubscriptionApplier } from './apply/subscription.applier.js';
import { HandlerRegistry } from './handler-registry.js';
import { CheckoutSessionHandler } from './handlers/checkout-session.handler.js';
import { InvoiceHandler } from './handlers/invoice.handler.js';
import { SubscriptionHandler } from './handlers/subscription.handler.js';
import { WebhookProcessorService } from './webhook-processor.service.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({
  imports: [DiscoveryModule],
  controllers: [WebhooksController],
  providers: [
    WebhookProcessorService,
    HandlerRegistry,
    FulfillmentService,
    CheckoutSessionApplier,
    SubscriptionApplier,
    CheckoutSessionHandler,
    SubscriptionHandler,
    InvoiceHandler,
  ],
  // confirm, admin sync/replay and recovery reuse the same transactional path
  exports: [WebhookProcessorService, CheckoutSessionApplier, SubscriptionApplier, HandlerRegistry],
})
export class WebhooksModule {}
