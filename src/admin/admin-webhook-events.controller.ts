import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AdminWebhookEventsService } from './admin-webhook-events.service.js';
import { EventIdParamDto } from './dto/id-params.js';
import { ListWebhookEventsQueryDto } from './dto/list-webhook-events.query.js';
import { WebhookEventDetailDto, WebhookEventDto, WebhookEventPageDto } from './dto/webhook-event.dto.js';

@ApiTags('admin')
@Controller('admin/webhook-events')
@Auth('admin')
export class AdminWebhookEventsController {
  constructor(private readonly events: AdminWebhookEventsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listWebhookEvents',
    summary: 'The log of received Stripe events',
    description: 'Newest received first, keyset pagination over (receivedAt, id); `from`/`to` apply to receivedAt (`to` exclusive). Payloads are on the detail route.',
  })
  @ApiOkResponse({ type: WebhookEventPageDto })
  @ApiErrors(ErrorCode.ValidationError)
  list(@Query() query: ListWebhookEventsQueryDto): Promise<WebhookEventPageDto> {
    return this.events.list(query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getWebhookEvent', summary: 'One received event', description: 'With its payload, attempts, last error and why it was ignored, if it was.' })
  @ApiOkResponse({ type: WebhookEventDetailDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  get(@Param() params: EventIdParamDto): Promise<WebhookEventDetailDto> {
    return this.events.get(params.id);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'replayWebhookEvent',
    summary: 'Process a stored event again',
    description:
      'Runs the stored event through the same handler path as a delivery. Idempotent: an event already processed or ignored ' +
      'is left as it is. Answers the event with its new status (`failed` again, with `lastError`, when its cause is still there).',
  })
  @ApiOkResponse({ type: WebhookEventDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  replay(@Param() params: EventIdParamDto): Promise<WebhookEventDto> {
    return this.events.replay(params.id);
  }
}
