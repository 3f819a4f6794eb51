import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './error-code.js';

/** The one error body every route answers with. */
export class ErrorResponseDto {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.ValidationError })
  error!: ErrorCode;

  @ApiProperty({ example: 'email must be an email' })
  message!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { fields: { email: ['must be an email'] } },
    description: 'Extra facts; for validation errors `fields` maps each field to its problems.',
  })
  details?: Record<string, unknown>;

  @ApiProperty({ example: '5f0c6c1e-8b1a-4a57-9d0e-2f1f4b8f6d11' })
  requestId!: string;
}
