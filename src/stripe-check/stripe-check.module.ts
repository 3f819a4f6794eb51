import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { StripeConfigCheckService } from './stripe-config-check.service.js';
import { StripeStatusController } from './stripe-status.controller.js';

/** The boot self-check of the Stripe configuration and its admin status route. */
@Module({
  imports: [AuthModule],
  controllers: [StripeStatusController],
  providers: [StripeConfigCheckService],
})
export class StripeCheckModule {}
