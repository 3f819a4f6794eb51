import { ApiProperty } from '@nestjs/swagger';
import type { StripeEvent } from '../../webhooks/entities/stripe-event.entity.js';
import { TimelineEventDto } from './admin-checkout-session.dto.js';

/** A received event in the log (without its payload). */
export class WebhookEventDto extends TimelineEventDto {
  @ApiProperty() livemode!: boolean;
  @ApiProperty({ type: String, nullable: true, example: '2026-10-28.endive' }) apiVersion!: string | null;

  static from(event: StripeEvent): WebhookEventDto {
    return {
      id: event.id,
      type: event.type,
      status: event.status,
      objectId: event.objectId,
      stripeCreatedAt: event.stripeCreatedAt.toISOString(),
      receivedAt: event.receivedAt.toISOString(),
      processedAt: event.processedAt?.toISOString() ?? null,
      attempts: event.attempts,
      lastError: event.lastError,
      ignoredReason: event.ignoredReason,
      source: event.source,
      livemode: event.livemode,
      apiVersion: event.apiVersion,
    };
  }
}

export class WebhookEventPageDto {
  @ApiProperty({ type: [WebhookEventDto] }) items!: WebhookEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class WebhookEventDetailDto extends WebhookEventDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The event as Stripe sent it, with `client_secret` values redacted',
  })
  payload!: Record<string, unknown>;
}
