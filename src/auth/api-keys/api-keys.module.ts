import { Module } from '@nestjs/common';
import { AuthModule } from '../auth.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { ServiceAuthGuard } from './service-auth.guard.js';

/** Service API keys (admin routes) and the guard that accepts them (@ServiceAuth). */
@Module({
  imports: [AuthModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ServiceAuthGuard],
  exports: [ApiKeysService, ServiceAuthGuard, AuthModule],
})
export class ApiKeysModule {}
