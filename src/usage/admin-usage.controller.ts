import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { Auth, CurrentUser } from '../auth/decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../auth/guards/jwt-auth.guard.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { CreditsService } from './credits.service.js';
import { AddCreditsDto, AddedCreditsDto, AdminUsageDto } from './dto/admin-usage.dto.js';
import { UsageService } from './usage.service.js';

export class UsageUserParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

@ApiTags('admin')
@Controller('admin/users')
@Auth('admin')
export class AdminUsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly credits: CreditsService,
  ) {}

  @Get(':id/usage')
  @ApiOperation({
    operationId: 'getAdminUserUsage',
    summary: "A user's limits, usage, credits ledger and past periods",
    description: 'The plan whose limits apply, every limited feature now, the credits ledger oldest first (with what is left of each grant), and the ended periods.',
  })
  @ApiOkResponse({ type: AdminUsageDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  async get(@Param() params: UsageUserParamDto): Promise<AdminUsageDto> {
    const [overview, credits] = await Promise.all([this.usage.overview(params.id), this.credits.ledger(params.id)]);
    return { ...overview, credits };
  }

  @Post(':id/credits')
  @ApiOperation({
    operationId: 'addAdminUserCredits',
    summary: 'Add or remove credits by hand',
    description: 'Credits are drawn once the period’s allowance is used up, oldest first. Kept in the credits ledger with the reason and the admin.',
  })
  @ApiCreatedResponse({ type: AddedCreditsDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound, ErrorCode.Conflict)
  add(@Param() params: UsageUserParamDto, @Body() body: AddCreditsDto, @CurrentUser() admin: AuthenticatedUser): Promise<AddedCreditsDto> {
    return this.credits.adjust({ userId: params.id, feature: body.feature, amount: body.amount, reason: body.reason, actorId: admin.id, source: 'admin' });
  }
}
