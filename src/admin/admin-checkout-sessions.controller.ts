import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../auth/guards/jwt-auth.guard.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AdminCheckoutSessionsService } from './admin-checkout-sessions.service.js';
import { AdminCheckoutSessionDetailDto, AdminCheckoutSessionPageDto } from './dto/admin-checkout-session.dto.js';
import { SessionIdParamDto } from './dto/id-params.js';
import { ListCheckoutSessionsQueryDto } from './dto/list-checkout-sessions.query.js';
import { CheckoutSessionLinkService } from './checkout-session-link.service.js';
import { CheckoutSessionSyncService } from './checkout-session-sync.service.js';
import { LinkCheckoutSessionDto } from './dto/link-checkout-session.dto.js';

@ApiTags('admin')
@Controller('admin/checkout-sessions')
@Auth('admin')
export class AdminCheckoutSessionsController {
  constructor(
    private readonly sessions: AdminCheckoutSessionsService,
    private readonly syncing: CheckoutSessionSyncService,
    private readonly linking: CheckoutSessionLinkService,
  ) {}

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
  // the body is AdminCheckoutSessionPageDto written by PostgreSQL (see AdminCheckoutSessionsService.listJson): a
  // string sent as it is, so Express would call it text/html without this header
  @Header('Content-Type', 'application/json; charset=utf-8')
  list(@Query() query: ListCheckoutSessionsQueryDto): Promise<string> {
    return this.sessions.listJson(query);
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

  @Post(':id/sync')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'syncCheckoutSession',
    summary: 'Re-read a session from Stripe and apply it (missed webhooks)',
    description:
      'Reads the session and its subscription from Stripe and applies them in one transaction, exactly as a webhook would: ' +
      "status, payment status and the user's plan are brought up to date and what was bought is granted at most once " +
      '(fulfilment source `sync`). Answers the session as it now stands. On a Stripe failure nothing changes.',
  })
  @ApiOkResponse({ type: AdminCheckoutSessionDetailDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound, ErrorCode.StripeError, ErrorCode.StripeNotConfigured, ErrorCode.ServiceUnavailable)
  sync(@Param() params: SessionIdParamDto): Promise<AdminCheckoutSessionDetailDto> {
    return this.syncing.sync(params.id);
  }

  @Post(':id/link')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'linkCheckoutSession',
    summary: 'Link an unmatched session to a user and fulfil it',
    description:
      'For a session no user could be linked to (never linked by email alone: accounts are not email-verified). Reads the session from Stripe, ' +
      'links it to `userId` and grants what it bought exactly once (fulfilment source `sync`), in one transaction. 409 when it belongs to another user.',
  })
  @ApiOkResponse({ type: AdminCheckoutSessionDetailDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.NotFound, ErrorCode.Conflict, ErrorCode.StripeError, ErrorCode.StripeNotConfigured, ErrorCode.ServiceUnavailable)
  link(@Param() params: SessionIdParamDto, @Body() body: LinkCheckoutSessionDto, @CurrentUser() admin: AuthenticatedUser): Promise<AdminCheckoutSessionDetailDto> {
    return this.linking.link(params.id, body.userId, body.reason, admin.id);
  }
}
