import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { CheckoutSession } from '../entitlements/entities/checkout-session.entity.js';
import { Fulfillment } from '../entitlements/entities/fulfillment.entity.js';
import { User } from '../users/user.entity.js';
import { StripeEvent } from '../webhooks/entities/stripe-event.entity.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { AdminCheckoutSessionsController } from './admin-checkout-sessions.controller.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import { AdminStatsController } from './admin-stats.controller.js';
import { AdminRevenueService } from './admin-revenue.service.js';
import { AdminStatsService } from './admin-stats.service.js';
import { AdminWebhookHealthService } from './admin-webhook-health.service.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersService } from './admin-users.service.js';
import { AdminWebhookEventsController } from './admin-webhook-events.controller.js';
import { AdminWebhookEventsService } from './admin-webhook-events.service.js';
import { CheckoutSessionLinkService } from './checkout-session-link.service.js';
import { CheckoutSessionSyncService } from './checkout-session-sync.service.js';

/** Admin read side over sessions, users and received events, and the two repair tools (sync, replay). */
@Module({
  imports: [AuthModule, EntitlementsModule, WebhooksModule, TypeOrmModule.forFeature([CheckoutSession, Fulfillment, User, StripeEvent])],
  controllers: [AdminCheckoutSessionsController, AdminUsersController, AdminWebhookEventsController, AdminStatsController],
  providers: [
    AdminCheckoutSessionsService,
    AdminUsersService,
    AdminWebhookEventsService,
    AdminStatsService,
    CheckoutSessionSyncService,
    CheckoutSessionLinkService,
    AdminRevenueService,
    AdminWebhookHealthService,
  ],
})
export class AdminModule {}
