import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppError } from '../../common/errors/app-error.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import type { UserRole } from '../../users/user.entity.js';
import { TokensService } from '../tokens.service.js';
import { API_KEY_PREFIX, ApiKeysService, type ApiKeyScope } from './api-keys.service.js';

/** Who called: a signed-in user (their access token) or a service (an API key). */
export type Principal = { kind: 'user'; id: string; role: UserRole } | { kind: 'service'; keyId: string; scopes: ApiKeyScope[] };

type PrincipalRequest = Request & { principal?: Principal; user?: { id: string; role: UserRole } };

interface ServiceAuthOptions {
  /** the scope a service key needs */
  scope: ApiKeyScope;
  /** whether a user's access token is accepted too (false: service keys only) */
  users: boolean;
}

const SERVICE_AUTH = 'service-auth';

/**
 * `Authorization: Bearer <key>` with a service key (`csk_…`) holding `scope`, or, when `users` is true, a user's
 * access token. A user token on a service-only route is 403: users cannot track their own usage.
 */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly tokens: TokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const options = this.reflector.getAllAndOverride<ServiceAuthOptions>(SERVICE_AUTH, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<PrincipalRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_\-.]{10,4096})$/.exec(header.trim()) : null;
    if (!match) throw AppError.unauthorized('Missing or malformed bearer token');
    const token = match[1];
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await this.keys.authenticate(token);
      if (!key.scopes.includes(options.scope)) {
        this.keys.countUse(key.id, 'forbidden');
        throw AppError.forbidden(`This API key lacks the ${options.scope} scope`);
      }
      this.keys.countUse(key.id, 'ok');
      req.principal = { kind: 'service', keyId: key.id, scopes: key.scopes };
      return true;
    }
    const user = await this.tokens.authenticate(token);
    if (!options.users) throw AppError.forbidden(`This route needs a service API key with the ${options.scope} scope`);
    req.user = user;
    req.principal = { kind: 'user', id: user.id, role: user.role };
    return true;
  }
}

/** A route for service keys with `scope` (and, with `users: true`, signed-in users too), with its OpenAPI docs. */
export function ServiceAuth(options: ServiceAuthOptions) {
  return applyDecorators(
    SetMetadata(SERVICE_AUTH, options),
    UseGuards(ServiceAuthGuard),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No token or key, or an invalid, expired or revoked one (`unauthorized`)' }),
    ApiForbiddenResponse({
      type: ErrorResponseDto,
      description: options.users ? `A key without the \`${options.scope}\` scope (\`forbidden\`)` : `A user token, or a key without the \`${options.scope}\` scope (\`forbidden\`)`,
    }),
  );
}

/** The caller of a @ServiceAuth route. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<PrincipalRequest>().principal!);
