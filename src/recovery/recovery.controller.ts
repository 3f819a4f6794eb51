import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { EventRecoveryService } from './event-recovery.service.js';

export class RecoverEventsDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-11-01T00:00:00Z',
    description: 'Scan events created since then (Stripe keeps 30 days). Default: the newest applied event minus 15 minutes.',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'since must be an ISO date' })
  since?: Date;
}

export class RecoveryResultDto {
  @ApiProperty({ example: 120, description: "Events read from Stripe's Events API" })
  scanned!: number;

  @ApiProperty({ example: 2, description: 'Events that had never arrived, applied now' })
  recovered!: number;

  @ApiProperty({ example: 118, description: 'Events the service already had' })
  alreadyKnown!: number;

  @ApiProperty({ example: 0, description: 'Recovered events whose processing failed (kept as failed for replay)' })
  failed!: number;
}

@ApiTags('admin')
@Controller('admin/webhook-events')
export class RecoveryController {
  constructor(private readonly recovery: EventRecoveryService) {}

  @Post('recover')
  @HttpCode(200)
  @Auth('admin')
  @ApiOperation({
    operationId: 'recoverWebhookEvents',
    summary: 'Apply events that Stripe never delivered',
    description:
      "Reads Stripe's Events API for the handled types and applies every event the inbox does not have, exactly like a delivery. One instance runs it at a time: " +
      'a call waits for a run in progress elsewhere (409 `conflict` if that takes over two minutes).',
  })
  @ApiOkResponse({ type: RecoveryResultDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ErrorCode.StripeError, ErrorCode.StripeNotConfigured, ErrorCode.ServiceUnavailable)
  async recover(@Body() body: RecoverEventsDto): Promise<RecoveryResultDto> {
    return (await this.recovery.recover({ since: body.since, wait: true }))!;
  }
}
