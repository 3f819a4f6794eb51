import { SUBSCRIPTION_STATUS_PROPERTY } from '../../common/openapi/subscription-status.js';
import { ApiProperty } from '@nestjs/swagger';
import type { User, UserRole } from '../../users/user.entity.js';
import { USER_ROLES } from './enums.js';

/** A user as admins see it: account, plan and Stripe links; never the password hash. */
export class AdminUserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ enum: USER_ROLES, enumName: 'UserRole' }) role!: UserRole;
  @ApiProperty({ example: 'pro' }) plan!: string;
  @ApiProperty({ ...SUBSCRIPTION_STATUS_PROPERTY, description: "Stripe's subscription status, null without one" })
  subscriptionStatus!: string | null;
  @ApiProperty({ type: String, nullable: true }) subscriptionPriceId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) currentPeriodEnd!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'cus_NffrFeUfNV2Hib' }) stripeCustomerId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'sub_1MowQVLkdIwHu7ixeRlqHVzs' }) stripeSubscriptionId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(user: User): AdminUserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      plan: user.plan,
      subscriptionStatus: user.subscriptionStatus,
      subscriptionPriceId: user.subscriptionPriceId,
      currentPeriodEnd: user.currentPeriodEnd?.toISOString() ?? null,
      cancelAtPeriodEnd: user.cancelAtPeriodEnd,
      stripeCustomerId: user.stripeCustomerId,
      stripeSubscriptionId: user.stripeSubscriptionId,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

export class AdminUserPageDto {
  @ApiProperty({ type: [AdminUserDto] }) items!: AdminUserDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}
