import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../../common/errors/app-error.js';
import { TokensService, type AccessClaims } from '../tokens.service.js';

export interface AuthenticatedUser {
  id: string;
  role: AccessClaims['role'];
}

export type AuthenticatedRequest = Request & { user: AuthenticatedUser };

/**
 * Requires a valid `Authorization: Bearer <accessToken>` whose token version is still the user's (read once, then
 * remembered until the users table notifies a change: CredentialsCache); puts `{id, role}` on the request, with the
 * role as the database has it now.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokensService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_\-.]{10,4096})$/.exec(header.trim()) : null;
    if (!match) throw AppError.unauthorized('Missing or malformed bearer token');
    req.user = await this.tokens.authenticate(match[1]);
    return true;
  }
}
