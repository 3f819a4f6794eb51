import { ApiProperty } from '@nestjs/swagger';
import { AdminCheckoutSessionDto } from './admin-checkout-session.dto.js';
import { AdminGrantDto, AdminSubscriptionDto, UserTimelineEntryDto } from './admin-grants.dto.js';
import { AdminUserDto } from './admin-user.dto.js';

export class AdminUserDetailDto extends AdminUserDto {
  @ApiProperty({ type: [AdminCheckoutSessionDto], description: 'The newest sessions of this user (up to 50), newest first' })
  sessions!: AdminCheckoutSessionDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When the user has more sessions: pass as `cursor` to `GET /api/admin/checkout-sessions?userId=…` for the rest',
  })
  sessionsNextCursor!: string | null;

  @ApiProperty({ type: [AdminSubscriptionDto], description: 'Every Stripe subscription of the user, newest first' })
  subscriptions!: AdminSubscriptionDto[];

  @ApiProperty({ type: [AdminGrantDto], description: 'Every grant (active, ended or revoked), newest first; the plan is the highest-ranked active one' })
  grants!: AdminGrantDto[];

  @ApiProperty({ type: [UserTimelineEntryDto], description: "Grants given and revoked, and Stripe events about the user's subscriptions, oldest first (up to 500)" })
  timeline!: UserTimelineEntryDto[];
}
