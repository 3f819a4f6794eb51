import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import type { UserRole } from '../../users/user.entity.js';
import { JwtAuthGuard, type AuthenticatedRequest, type AuthenticatedUser } from '../guards/jwt-auth.guard.js';
import { Roles, RolesGuard } from '../guards/roles.guard.js';

/** `@Auth()` for any signed-in user, `@Auth('admin')` for admins: guards, role and the OpenAPI bearer docs in one. */
export function Auth(...roles: UserRole[]) {
  const decorators = [
    UseGuards(JwtAuthGuard, RolesGuard),
    Roles(...roles),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No token, or an invalid or expired one (`unauthorized`)' }),
  ];
  if (roles.length) decorators.push(ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Signed in without the required role (`forbidden`)' }));
  return applyDecorators(...decorators);
}

/** The signed-in user of the request (set by JwtAuthGuard). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedUser => context.switchToHttp().getRequest<AuthenticatedRequest>().user);
