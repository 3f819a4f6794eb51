import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/http/api-errors.decorator.js';
import { Auth, CurrentUser } from '../decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../guards/jwt-auth.guard.js';
import { ApiKeyDto, ApiKeyIdParamDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@ApiTags('admin')
@Controller('admin/api-keys')
@Auth('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create a service API key',
    description: 'The key is in this answer only (stored hashed). Scopes: `usage:read` (check any user), `usage:write` (track usage).',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(ErrorCode.ValidationError)
  async create(@Body() body: CreateApiKeyDto, @CurrentUser() admin: AuthenticatedUser): Promise<CreatedApiKeyDto> {
    const { row, key } = await this.keys.create({ name: body.name, scopes: body.scopes, actorId: admin.id });
    return { ...ApiKeyDto.from(row), key };
  }

  @Get()
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'Service API keys, newest first (never the keys themselves)',
    description: 'Each with its prefix, scopes, when it was last used (written at most once a minute) and whether it is revoked.',
  })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async list(): Promise<ApiKeyDto[]> {
    return (await this.keys.list()).map((row) => ApiKeyDto.from(row));
  }

  @Delete(':id')
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke a service API key',
    description:
      'It stops working at once on the instance that revokes it and within a second on the others (each trusts a key it has just authenticated for 1 s); revoking again changes nothing.',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  async revoke(@Param() params: ApiKeyIdParamDto): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.keys.revoke(params.id));
  }
}
