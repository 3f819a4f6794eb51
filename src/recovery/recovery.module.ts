import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { EventRecoveryService } from './event-recovery.service.js';
import { EventRetentionService } from './event-retention.service.js';
import { RecoveryController } from './recovery.controller.js';
import { RecoveryScheduler } from './recovery.scheduler.js';

/** Missed-event recovery from Stripe's Events API, and the retention jobs (inbox, refresh tokens, throttle counters). */
@Module({
  imports: [ScheduleModule.forRoot(), AuthModule, WebhooksModule],
  controllers: [RecoveryController],
  providers: [EventRecoveryService, EventRetentionService, RecoveryScheduler],
  exports: [EventRecoveryService],
})
export class RecoveryModule {}
