import { ApiProperty } from '@nestjs/swagger';

export class WebhookMinuteDto {
  @ApiProperty({ format: 'date-time', example: '2026-11-24T10:15:00.000Z', description: 'Start of the UTC minute the events were received in' }) minute!: string;
  @ApiProperty({ example: 42 }) processed!: number;
  @ApiProperty({ example: 1, description: 'Failed and not yet replayed' }) failed!: number;
  @ApiProperty({ example: 0 }) ignored!: number;
  @ApiProperty({ example: 0, description: 'Received and not finished (in flight, or stuck)' }) received!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 1200,
    description: "95th percentile of Stripe's `created` to processed, in ms (Stripe's time is whole seconds); null without processed events",
  })
  lagP95Ms!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 35, description: '95th percentile of received to processed, in ms' }) processingP95Ms!: number | null;
}

export class WebhookBacklogDto {
  @ApiProperty({ example: 3, description: 'Every failed event in the inbox (any age): what Replay or recovery has to fix' }) failed!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the oldest failed event was received' }) oldestFailedAt!: string | null;
  @ApiProperty({ example: 0, description: 'Events received over a minute ago and still not finished' }) stuck!: number;
}

export class WebhookHealthDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive' }) to!: string;
  @ApiProperty({ type: [WebhookMinuteDto], description: 'Events received per UTC minute by outcome, oldest first; minutes without events are absent' })
  minutes!: WebhookMinuteDto[];
  @ApiProperty({ type: WebhookBacklogDto }) backlog!: WebhookBacklogDto;
}
