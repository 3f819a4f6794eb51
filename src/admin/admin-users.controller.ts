import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../auth/guards/jwt-auth.guard.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AdminUsersService } from './admin-users.service.js';
import { AdminGrantDto, CreateGrantDto, GrantParamsDto, RevokeGrantDto } from './dto/admin-grants.dto.js';
import { AdminUserDetailDto } from './dto/admin-user-detail.dto.js';
import { AdminUserPageDto } from './dto/admin-user.dto.js';
import { UserIdParamDto } from './dto/id-params.js';
import { ListUsersQueryDto } from './dto/list-users.query.js';

@ApiTags('admin')
@Controller('admin/users')
@Auth('admin')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAdminUsers',
    summary: 'Users with their plan and subscription status',
    description: 'Newest first, keyset pagination over (createdAt, id). `email` matches any part of the address, ignoring case.',
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiErrors(ErrorCode.ValidationError)
  list(@Query() query: ListUsersQueryDto): Promise<AdminUserPageDto> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getAdminUser',
    summary: 'One user with their sessions, subscriptions, grants and timeline',
    description: 'Never includes the password hash. The plan is the highest-ranked active grant.',
  })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  get(@Param() params: UserIdParamDto): Promise<AdminUserDetailDto> {
    return this.users.get(params.id);
  }

  @Post(':id/grants')
  @ApiOperation({
    operationId: 'addAdminGrant',
    summary: 'Grant a plan by hand',
    description: "Adds a manual grant (optionally ending at `endsAt`); the user's plan changes at once when it outranks their other grants. Kept in the user's timeline.",
  })
  @ApiCreatedResponse({ type: AdminGrantDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  addGrant(@Param() params: UserIdParamDto, @Body() body: CreateGrantDto, @CurrentUser() admin: AuthenticatedUser): Promise<AdminGrantDto> {
    return this.users.addGrant(params.id, body, admin.id);
  }

  @Delete(':id/grants/:grantId')
  @ApiOperation({
    operationId: 'revokeAdminGrant',
    summary: 'Revoke a manual or purchase grant',
    description: 'Revokes it with a reason (kept in the timeline); the plan falls to the next-best grant at once. A subscription grant follows its subscription: 409.',
  })
  @ApiOkResponse({ type: AdminGrantDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound, ErrorCode.Conflict)
  revokeGrant(@Param() params: GrantParamsDto, @Body() body: RevokeGrantDto, @CurrentUser() admin: AuthenticatedUser): Promise<AdminGrantDto> {
    return this.users.revokeGrant(params.id, params.grantId, body.reason, admin.id);
  }
}
