import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { StripeConfigCheckService } from './stripe-config-check.service.js';
import { StripeStatusController } from './stripe-status.controller.js';
import { UnmappedSubscriptionsService } from './unmapped-subscriptions.service.js';

/** The boot self-check of the Stripe configuration and its admin status route. */
@Module({
  imports: [AuthModule, EntitlementsModule],
  controllers: [StripeStatusController],
  providers: [StripeConfigCheckService, UnmappedSubscriptionsService],
})
export class StripeCheckModule {}
