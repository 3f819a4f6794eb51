import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AdminRevenueService } from './admin-revenue.service.js';
import { AdminStatsService } from './admin-stats.service.js';
import { RevenueDailyDto, RevenueDto } from './dto/revenue.dto.js';
import { AdminWebhookHealthService } from './admin-webhook-health.service.js';
import { WebhookHealthDto } from './dto/webhook-health.dto.js';
import { WebhookHealthQueryDto } from './dto/stats.query.js';
import { CheckoutSessionStatsDto } from './dto/checkout-session-stats.dto.js';
import { CheckoutSessionStatsQueryDto } from './dto/stats.query.js';

@ApiTags('admin')
@Controller('admin/stats')
@Auth('admin')
export class AdminStatsController {
  constructor(
    private readonly stats: AdminStatsService,
    private readonly revenueStats: AdminRevenueService,
    private readonly webhookHealth: AdminWebhookHealthService,
  ) {}

  @Get('checkout-sessions')
  @ApiOperation({
    operationId: 'getCheckoutSessionStats',
    summary: 'Dashboard numbers for checkout sessions',
    description:
      'Sessions created in [from, to) (default: the last 30 days, at most 366): counts per status and payment status, and paid amounts per currency, overall and per UTC day.',
  })
  @ApiOkResponse({ type: CheckoutSessionStatsDto })
  @ApiErrors(ErrorCode.ValidationError)
  checkoutSessions(@Query() query: CheckoutSessionStatsQueryDto): Promise<CheckoutSessionStatsDto> {
    return this.stats.checkoutSessions(query);
  }

  @Get('revenue')
  @ApiOperation({
    operationId: 'getRevenueStats',
    summary: 'Revenue per currency: gross, refunded, disputed and net',
    description:
      'One-time sessions and paid invoices created in [from, to) (default: the last 30 days, at most 366). Net is gross minus refunds minus lost disputes; ' +
      "a subscription's first payment is its first invoice, so subscription-mode sessions are not counted twice.",
  })
  @ApiOkResponse({ type: RevenueDto })
  @ApiErrors(ErrorCode.ValidationError)
  revenue(@Query() query: CheckoutSessionStatsQueryDto): Promise<RevenueDto> {
    return this.revenueStats.revenue(query);
  }

  @Get('revenue/daily')
  @ApiOperation({
    operationId: 'getDailyRevenueStats',
    summary: 'Revenue per UTC day and currency: gross, refunded, disputed and net',
    description: 'The same payments as `getRevenueStats` (created in [from, to), default the last 30 days, at most 366), summed in SQL per UTC day and currency, oldest first.',
  })
  @ApiOkResponse({ type: RevenueDailyDto })
  @ApiErrors(ErrorCode.ValidationError)
  revenueDaily(@Query() query: CheckoutSessionStatsQueryDto): Promise<RevenueDailyDto> {
    return this.revenueStats.daily(query);
  }

  @Get('webhooks')
  @ApiOperation({
    operationId: 'getWebhookHealthStats',
    summary: 'Webhook health: events per minute by outcome, lag, failed backlog',
    description:
      'Events received in [from, to) (default: the last 60 minutes, at most 1,440), counted in SQL per UTC minute by status, with the 95th percentile ' +
      "of their lag (Stripe's `created` to processed) and processing time; and the inbox's backlog of failed events, whatever their age.",
  })
  @ApiOkResponse({ type: WebhookHealthDto })
  @ApiErrors(ErrorCode.ValidationError)
  webhooks(@Query() query: WebhookHealthQueryDto): Promise<WebhookHealthDto> {
    return this.webhookHealth.health(query);
  }
}
