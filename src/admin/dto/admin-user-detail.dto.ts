import { ApiProperty } from '@nestjs/swagger';
import { AdminCheckoutSessionDto } from './admin-checkout-session.dto.js';
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
}
