import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../../auth/guards/jwt-auth.guard.js';
import { TokensService } from '../../auth/tokens.service.js';
import { AppError } from '../../common/errors/app-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { FeaturesService } from '../../entitlements/features.service.js';
import { UsageTermsService } from '../usage-terms.service.js';

const REQUIRED_FEATURE = 'usage:required-feature';

/**
 * 403 `feature_required` unless the signed-in user has the feature now: one of their features (PLAN_FEATURES_* of
 * their active grants, their Stripe Entitlements; what /api/auth/me lists) or a limited feature whose limit in
 * their plan is above 0. It signs the user in itself when no guard before it did, so it works in any order.
 */
@Injectable()
export class RequiresFeatureGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
    private readonly features: FeaturesService,
    private readonly terms: UsageTermsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const feature = this.reflector.getAllAndOverride<string>(REQUIRED_FEATURE, [context.getHandler(), context.getClass()]);
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!req.user) {
      const match = typeof req.headers.authorization === 'string' ? /^Bearer ([A-Za-z0-9_\-.]{10,4096})$/.exec(req.headers.authorization.trim()) : null;
      if (!match) throw AppError.unauthorized('Missing or malformed bearer token');
      req.user = await this.tokens.authenticate(match[1]);
    }
    if (await this.has(req.user.id, feature)) return true;
    throw new AppError(ErrorCode.FeatureRequired, `This needs the ${feature} feature, which your plan does not include`, { feature });
  }

  private async has(userId: string, feature: string): Promise<boolean> {
    if ((await this.features.forUser(userId)).includes(feature)) return true;
    if (!this.terms.features().includes(feature)) return false;
    const terms = await this.terms.forUser(userId);
    return terms.features.some((f) => f.feature === feature && f.limit > 0);
  }
}

/** Gates a route on a feature (a signed-in user is required): 403 `feature_required` without it. */
export function RequiresFeature(feature: string) {
  return applyDecorators(
    SetMetadata(REQUIRED_FEATURE, feature),
    UseGuards(RequiresFeatureGuard),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No token, or an invalid or expired one (`unauthorized`)' }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: `The plan does not include \`${feature}\` (\`feature_required\`)` }),
  );
}
