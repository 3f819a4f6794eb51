import { ApiProperty } from '@nestjs/swagger';
import { AdminCheckoutSessionDto, SessionDisputeDto } from './admin-checkout-session.dto.js';
import { AdminGrantDto, AdminSubscriptionDto, UserTimelineEntryDto } from './admin-grants.dto.js';
import { AdminUserDto } from './admin-user.dto.js';

export class UserDisputeDto extends SessionDisputeDto {
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The one-time checkout session it disputes' }) checkoutSessionId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The invoice it disputes' }) invoiceId!: string | null;
}

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

  @ApiProperty({ type: [UserDisputeDto], description: "Disputes of the user's payments, newest first" })
  disputes!: UserDisputeDto[];

  @ApiProperty({ type: [UserTimelineEntryDto], description: "Grants given and revoked, and Stripe events about the user's subscriptions, oldest first (up to 500)" })
  timeline!: UserTimelineEntryDto[];
}
