import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Auth } from '../../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { ApiErrors } from '../../common/http/api-errors.decorator.js';
import { MeterOutboxService } from './meter-outbox.service.js';

const STATUSES = ['pending', 'failed', 'sent'] as const;

export class MeterEventsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, default: 'failed', description: '`failed`: events Stripe refused (kept, never resent)' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];
}

class PendingSummaryDto {
  @ApiProperty() rows!: number;
  @ApiProperty() units!: number;
  @ApiProperty({ description: 'Age of the oldest unsent row (0 when none)' }) oldestAgeSeconds!: number;
}

class FailedSummaryDto {
  @ApiProperty() rows!: number;
  @ApiProperty() units!: number;
}

export class MeterOutboxSummaryDto {
  @ApiProperty({ type: PendingSummaryDto }) pending!: PendingSummaryDto;
  @ApiProperty({ type: FailedSummaryDto }) failed!: FailedSummaryDto;
}

export class MeterOutboxRowDto {
  @ApiProperty({ example: '42', description: 'The outbox row (a number, as text)' }) id!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) userId!: string | null;
  @ApiProperty() feature!: string;
  @ApiProperty({ description: "The Billing Meter's event name" }) eventName!: string;
  @ApiProperty() stripeCustomerId!: string;
  @ApiProperty({ description: 'Overage units of one track' }) value!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The batch sent as one meter event (identifier `usage_<batchId>`)' }) batchId!: string | null;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) sentAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Stripe's words when it refused or did not answer" }) lastError!: string | null;
}

export class MeterEventsPageDto extends MeterOutboxSummaryDto {
  @ApiProperty({ type: [MeterOutboxRowDto], description: 'Rows of the asked status, newest first (up to 100)' }) items!: MeterOutboxRowDto[];
}

export class MeterFlushResultDto {
  @ApiProperty({ description: 'false when another instance was sending, or no Stripe key is set' }) ran!: boolean;
  @ApiProperty() sent!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() retried!: number;
}

@ApiTags('admin')
@Controller('admin/usage/meter-events')
@Auth('admin')
export class AdminMeterEventsController {
  constructor(private readonly outbox: MeterOutboxService) {}

  @Get()
  @ApiOperation({
    operationId: 'listMeterEvents',
    summary: "The overage outbox for Stripe's Billing Meters: its size and age, and its rows",
    description: 'Events Stripe refused stay here as `failed`, with its message.',
  })
  @ApiOkResponse({ type: MeterEventsPageDto })
  @ApiErrors(ErrorCode.ValidationError)
  async list(@Query() query: MeterEventsQueryDto): Promise<MeterEventsPageDto> {
    const [summary, items] = await Promise.all([this.outbox.summary(), this.outbox.rows(query.status ?? 'failed')]);
    return { ...summary, items };
  }

  @Post('flush')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'flushMeterEvents',
    summary: 'Send the due overage to Stripe now (as the timer does)',
    description: 'One instance at a time: `ran: false` when another instance is sending, or without a Stripe key.',
  })
  @ApiOkResponse({ type: MeterFlushResultDto })
  async flush(): Promise<MeterFlushResultDto> {
    const done = await this.outbox.flush();
    return done ? { ran: true, ...done } : { ran: false, sent: 0, failed: 0, retried: 0 };
  }
}
