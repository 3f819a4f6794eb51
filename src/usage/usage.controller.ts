import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, ServiceAuth, type Principal } from '../auth/api-keys/service-auth.guard.js';
import { Auth, CurrentUser } from '../auth/decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../auth/guards/jwt-auth.guard.js';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { CheckResultDto, CheckUsageDto, TrackResultDto, TrackUsageDto, UsageListDto } from './dto/usage.dto.js';
import { RequiredIdempotencyKey } from './usage-idempotency-key.decorator.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@Controller('usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @Auth()
  @ApiOperation({
    operationId: 'getUsage',
    summary: "The signed-in user's limits and usage",
    description: 'One item per limited feature (PLAN_LIMITS_<PLAN> of the highest-ranked active grant; `free` without one).',
  })
  @ApiOkResponse({ type: UsageListDto })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<UsageListDto> {
    return { items: await this.usage.list(user.id) };
  }

  @Post('check')
  @HttpCode(200)
  @ServiceAuth({ scope: 'usage:read', users: true })
  @ApiOperation({
    operationId: 'checkUsage',
    summary: 'Would this much be allowed now? (records nothing)',
    description: 'A user checks their own usage; a service key with `usage:read` names any `userId`.',
  })
  @ApiOkResponse({ type: CheckResultDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  check(@Body() body: CheckUsageDto, @CurrentPrincipal() principal: Principal): Promise<CheckResultDto> {
    let userId: string;
    if (principal.kind === 'user') {
      if (body.userId !== undefined && body.userId !== principal.id) throw AppError.forbidden('A user checks only their own usage (leave out userId)');
      userId = principal.id;
    } else {
      if (body.userId === undefined) throw AppError.validation('userId is required with a service key', { userId: ['is required with a service key'] });
      userId = body.userId;
    }
    return this.usage.check(userId, body.feature, body.amount ?? 1);
  }

  @Post('track')
  @HttpCode(200)
  @ServiceAuth({ scope: 'usage:write', users: false })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'The same key again (same user and feature) answers the same and counts once' })
  @ApiOperation({
    operationId: 'trackUsage',
    summary: 'Record usage, exactly once per Idempotency-Key',
    description: 'Service keys with `usage:write` only. Past the allowance and the credits: 402 `limit_exceeded` with `details.remaining`, and nothing recorded.',
  })
  @ApiOkResponse({ type: TrackResultDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound, ErrorCode.Conflict, ErrorCode.LimitExceeded)
  track(@Body() body: TrackUsageDto, @RequiredIdempotencyKey() key: string): Promise<TrackResultDto> {
    return this.usage.track(body.userId, body.feature, body.amount, key);
  }
}
