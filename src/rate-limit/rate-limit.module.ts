import { Global, Module } from '@nestjs/common';
import { RateLimitService } from './rate-limit.service.js';

/** The shared throttle counters, for `@RateLimit` on any route and for retention. */
@Global()
@Module({
  providers: [RateLimitService],
  exports: [RateLimitService],
})
export class RateLimitModule {}
