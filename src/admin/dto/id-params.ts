import { ApiProperty } from '@nestjs/swagger';
import { IsUUID, Matches, MaxLength } from 'class-validator';

export class SessionIdParamDto {
  @ApiProperty({ description: "Our session id (uuid) or Stripe's `cs_…` id" })
  @MaxLength(255)
  @Matches(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|cs_[A-Za-z0-9_]+)$/i, { message: 'must be a uuid or a Stripe cs_ id' })
  id!: string;
}

export class UserIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;
}

export class EventIdParamDto {
  @ApiProperty({ description: "Stripe's event id (`evt_…`)" })
  @MaxLength(255)
  @Matches(/^evt_[A-Za-z0-9_]+$/, { message: 'must be a Stripe event id (evt_…)' })
  id!: string;
}
