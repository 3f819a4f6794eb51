import { DynamicModule, Module } from '@nestjs/common';
import { ApiKeysModule } from '../auth/api-keys/api-keys.module.js';
import type { AppConfig } from '../config/app-config.js';
import { EntitlementsModule } from '../entitlements/entitlements.module.js';
import { AdminUsageController } from './admin-usage.controller.js';
import { CreditsService } from './credits.service.js';
import { UsageExamplesController } from './gating/examples.controller.js';
import { RequiresFeatureGuard } from './gating/requires-feature.guard.js';
import { TracksUsageInterceptor } from './gating/tracks-usage.interceptor.js';
import { AdminMeterEventsController } from './metering/admin-meter-events.controller.js';
import { MeterOutboxService } from './metering/meter-outbox.service.js';
import { UsageScheduler } from './usage.scheduler.js';
import { UsageTermsService } from './usage-terms.service.js';
import { UsageTrackWriter } from './usage-track-group.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

/**
 * How much a user may still do: limits per plan, periods, counters, credits (issue 31). Above entitlements (whose
 * grants give the plan) and auth (service keys); no module imports this one except the application's. It is global,
 * so the guard and the interceptor behind @RequiresFeature and @TracksUsage resolve in any module's controllers.
 */
@Module({})
export class UsageModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: UsageModule,
      // global: a module a team adds uses @RequiresFeature and @TracksUsage without importing this one again
      global: true,
      imports: [EntitlementsModule, ApiKeysModule],
      controllers: [UsageController, AdminUsageController, AdminMeterEventsController, ...(config.usage.exampleRoutes ? [UsageExamplesController] : [])],
      providers: [UsageTermsService, UsageService, UsageTrackWriter, CreditsService, MeterOutboxService, UsageScheduler, RequiresFeatureGuard, TracksUsageInterceptor],
      exports: [UsageService, UsageTermsService, MeterOutboxService, RequiresFeatureGuard, TracksUsageInterceptor, ApiKeysModule],
    };
  }
}
