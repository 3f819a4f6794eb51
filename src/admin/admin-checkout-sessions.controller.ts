import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import { AdminCheckoutSessionDetailDto, AdminCheckoutSessionPageDto } from './dto/admin-checkout-session.dto.js';
import { SessionIdParamDto } from './dto/id-params.js';
import { ListCheckoutSessionsQueryDto } from './dto/list-checkout-sessions.query.js';

@ApiTags('admin')
@Controller('admin/checkout-sessions')
@Auth('admin')
export class AdminCheckoutSessionsController {
  constructor(private readonly sessions: AdminCheckoutSessionsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAdminCheckoutSessions',
    summary: 'Checkout session history',
    description:
      'All sessions, newest first, filtered by any combination of the query parameters. Keyset pagination over ' +
      '(createdAt, id): paging while sessions are being created never repeats or skips one. `from` is inclusive, `to` exclusive.',
  })
  @ApiOkResponse({ type: AdminCheckoutSessionPageDto })
  @ApiErrors(ErrorCode.ValidationError)
  list(@Query() query: ListCheckoutSessionsQueryDto): Promise<AdminCheckoutSessionPageDto> {
    return this.sessions.list(query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getAdminCheckoutSession',
    summary: 'One session with its user, Stripe event timeline and fulfilment',
    description: "By our id or Stripe's `cs_…` id. The timeline holds the events about the session, its subscription (and that subscription's invoices) and its payment intent.",
  })
  @ApiOkResponse({ type: AdminCheckoutSessionDetailDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound)
  get(@Param() params: SessionIdParamDto): Promise<AdminCheckoutSessionDetailDto> {
    return this.sessions.get(params.id);
  }
}
