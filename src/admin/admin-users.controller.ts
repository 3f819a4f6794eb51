import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AdminUsersService } from './admin-users.service.js';
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
  @ApiOperation({ operationId: 'getAdminUser', summary: 'One user with their newest checkout sessions', description: 'Never includes the password hash.' })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  get(@Param() params: UserIdParamDto): Promise<AdminUserDetailDto> {
    return this.users.get(params.id);
  }
}
