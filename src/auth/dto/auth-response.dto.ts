import { ApiProperty } from '@nestjs/swagger';
import { User } from '../../users/user.entity.js';

export class UserDto {
  @ApiProperty({ format: 'uuid' })
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
    type: String,
    nullable: true,
    example: 'active',
    description: "Stripe's subscription status (`active`, `trialing`, `past_due`, `canceled`, …), null without a subscription",
  })
  subscriptionStatus!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  currentPeriodEnd!: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
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
