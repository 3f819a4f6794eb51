import { Controller, Headers, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppError } from '../common/errors/app-error.js';
import { isDatabaseUnavailable } from '../common/errors/all-exceptions.filter.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AppConfig } from '../config/app-config.js';
import { assertEventShape } from './event-shape.js';
import { verifyStripeSignature } from './signature.js';
import { isThinNotification, ThinEventsService } from './thin-events.service.js';
import { WebhookProcessorService } from './webhook-processor.service.js';

export class WebhookReceivedDto {
  @ApiProperty({ enum: [true], example: true })
  received!: true;
}

@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly processor: WebhookProcessorService,
    private readonly config: AppConfig,
    private readonly thin: ThinEventsService,
  ) {}

  @Post('stripe')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'receiveStripeWebhook',
    summary: 'Stripe webhook endpoint',
    description:
      'For Stripe only. The raw body is verified against every configured signing secret; a verified event is stored and ' +
      'applied exactly once in one transaction. Snapshot events and thin event notifications (`object: "v2.core.event"`, whose ' +
      'related object is fetched through the SDK first) are both accepted here. A duplicate delivery answers 200 and does nothing; a failure answers 500 so Stripe retries.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: "Stripe's signature header: `t=<timestamp>,v1=<hmac>`" })
  @ApiBody({
    description: 'The Stripe Event object exactly as Stripe sent it (raw JSON bytes; the signature covers them)',
    schema: {
      type: 'object',
      additionalProperties: true,
      example: {
        id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
        object: 'event',
        type: 'checkout.session.completed',
        created: 1686089970,
        livemode: false,
        data: { object: { id: 'cs_test_a1', object: 'checkout.session' } },
      },
    },
  })
  @ApiOkResponse({ type: WebhookReceivedDto })
  @ApiErrors(ErrorCode.InvalidSignature, ErrorCode.PayloadTooLarge, ErrorCode.InternalError, ErrorCode.ServiceUnavailable)
  async receive(@Req() req: RawBodyRequest<Request>, @Headers('stripe-signature') signature: string | undefined): Promise<WebhookReceivedDto> {
    const { webhookSecrets, webhookToleranceSeconds } = this.config.stripe;
    if (!webhookSecrets.length) throw new AppError(ErrorCode.ServiceUnavailable, 'Webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is unset)');
    // JSON arrives unparsed (app.setup.ts keeps it raw for this route); another content type as Nest's parsers left it
    const rawBody = Buffer.isBuffer(req.body) ? req.body : req.rawBody;
    const verified = verifyStripeSignature(rawBody, signature, webhookSecrets, webhookToleranceSeconds);
    // a thin notification (v2) names its object instead of carrying it: the SDK fetches it first
    const event = isThinNotification(verified) ? await this.thin.toEvent(rawBody!) : verified;
    // a thin notification of a change the inbox has applied already: a duplicate, nothing fetched
    if (!event) return { received: true };
    assertEventShape(event);
    try {
      await this.processor.ingest(event, 'webhook');
    } catch (error) {
      // the database being away stays a 503; any other failure is a plain 500 (never, say, a 409 from a
      // constraint inside a handler): Stripe retries either, and the event is kept as failed
      if (isDatabaseUnavailable(error)) throw error;
      throw new AppError(ErrorCode.InternalError, 'The event could not be processed; it is kept as failed and Stripe will retry it');
    }
    return { received: true };
  }
}
