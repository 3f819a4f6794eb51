import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { OUTBOX_SUMMARY, outboxSummary } from '../usage/metering/meter-outbox.sql.js';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { StripeConfigCheckService } from './stripe-config-check.service.js';
import { UnmappedSubscriptionsService } from './unmapped-subscriptions.service.js';
import { StripeStatusDto } from './stripe-status.dto.js';

@ApiTags('admin')
@Controller('admin/stripe')
export class StripeStatusController {
  constructor(
    private readonly check: StripeConfigCheckService,
    private readonly unmapped: UnmappedSubscriptionsService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Get('status')
  @Auth('admin')
  @ApiOperation({
    operationId: 'getStripeStatus',
    summary: 'The start-up check of the Stripe configuration',
    description:
      "The key's mode, how many webhook secrets are set, each catalogue price as Stripe returned it at start, the live subscriptions whose price maps to no plan (they grant nothing), and the size and age of the usage overage outbox. Outside production the check runs in the background: `pending: true` and `checkedAt: null` until it is done.",
  })
  @ApiOkResponse({ type: StripeStatusDto })
  async status(): Promise<StripeStatusDto> {
    return { ...this.check.current(), unmappedSubscriptions: await this.unmapped.list(), usageMeterOutbox: outboxSummary(await this.db.query(OUTBOX_SUMMARY)) };
  }
}
