import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

export class LinkCheckoutSessionDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2a5e-8d4b-4c1e-9a7f-2b6d0e9c1a23', description: 'The user who paid (checked by the admin, e.g. by a support conversation)' })
  @IsUUID()
  userId!: string;

  @ApiProperty({ example: 'Buyer confirmed by email from the account address, ticket #4411', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}
