import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../auth/api-keys/api-keys.module.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { UsageTermsService } from './usage-terms.service.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

/**
 * How much a user may still do: limits per plan, periods, counters, credits (issue 31). Above entitlements (whose
 * grants give the plan) and auth (service keys); no module imports this one except the application's.
 */
@Module({
  imports: [EntitlementsModule, ApiKeysModule],
  controllers: [UsageController],
  providers: [UsageTermsService, UsageService],
  exports: [UsageService, UsageTermsService],
})
export class UsageModule {}
