import { ApiProperty } from '@nestjs/swagger';
import { SUBSCRIPTION_STATUS_PROPERTY } from '../../common/openapi/subscription-status.js';
import { User } from '../../users/user.entity.js';

export class UserDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a5e-8d4b-4c1e-9a7f-2b6d0e9c1a23' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  name!: string | null;

  @ApiProperty({ enum: ['user', 'admin'], enumName: 'UserRole' })
  role!: 'user' | 'admin';

  @ApiProperty({ example: 'free', description: '`free`, or the plan name of the catalogue the user paid for' })
  plan!: string;

  @ApiProperty({
    ...SUBSCRIPTION_STATUS_PROPERTY,
    description: "Stripe's subscription status (`active`, `trialing`, `past_due`, `canceled`, …), null without a subscription",
  })
  subscriptionStatus!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-25T03:00:00.000Z', description: 'End of the paid period; null without a subscription' })
  currentPeriodEnd!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-25T03:00:00.000Z' })
  createdAt!: Date;

  static from(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      plan: user.plan,
      subscriptionStatus: user.subscriptionStatus,
      currentPeriodEnd: user.currentPeriodEnd,
      createdAt: user.createdAt,
    };
  }
}

/** GET /api/auth/me: the user and what they may use now. */
export class MeDto extends UserDto {
  @ApiProperty({
    type: [String],
    example: ['api_access', 'priority_support'],
    description:
      'Features to gate the UI on: the union of PLAN_FEATURES_<PLAN> of every active grant (purchase, subscription or admin) and the ' +
      "Stripe customer's active Entitlements (lookup_keys). A revoked or ended grant's features are gone at once.",
  })
  features!: string[];
}

export class TokenPairDto {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <accessToken>`' })
  accessToken!: string;

  @ApiProperty({ description: 'Exchange at /api/auth/refresh; single use' })
  refreshToken!: string;

  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' })
  expiresIn!: number;
}

export class AuthResponseDto extends TokenPairDto {
  @ApiProperty({ type: UserDto })
  user!: UserDto;
}
