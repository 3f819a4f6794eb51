import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module.js';
import { AdminConsoleModule } from './admin-console/admin-console.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BillingModule } from './billing/billing.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { DatabaseModule } from './database/database.module.js';
import { ENTITIES } from './entities.js';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RecoveryModule } from './recovery/recovery.module.js';
import { StripeModule } from './stripe/stripe.module.js';
import { StripeCheckModule } from './stripe-check/stripe-check.module.js';
import { UsageModule } from './usage/usage.module.js';
import { UsersModule } from './users/users.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  /** The configuration is validated before the app is built (see main.ts), and passed in whole. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        // every module's entities, gathered here at the root so database/ imports none of the modules
        DatabaseModule.forRoot(ENTITIES),
        ObservabilityModule,
        RateLimitModule,
        StripeModule,
        UsersModule,
        AuthModule,
        BillingModule,
        HealthModule,
        StripeCheckModule,
        WebhooksModule,
        RecoveryModule,
        AdminModule,
        AdminConsoleModule,
        UsageModule.forRoot(config),
      ],
    };
  }
}
