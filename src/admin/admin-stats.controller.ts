import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { AdminRevenueService } from './admin-revenue.service.js';
import { AdminStatsService } from './admin-stats.service.js';
import { RevenueDto } from './dto/revenue.dto.js';
import { CheckoutSessionStatsDto } from './dto/checkout-session-stats.dto.js';
import { CheckoutSessionStatsQueryDto } from './dto/stats.query.js';

@ApiTags('admin')
@Controller('admin/stats')
@Auth('admin')
export class AdminStatsController {
  constructor(
    private readonly stats: AdminStatsService,
    private readonly revenueStats: AdminRevenueService,
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
}
