import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

export class LinkCheckoutSessionDto {
  @ApiProperty({ format: 'uuid', description: 'The user who paid (checked by the admin, e.g. by a support conversation)' })
  @IsUUID()
  userId!: string;

  @ApiProperty({ example: 'Buyer confirmed by email from the account address, ticket #4411', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}
