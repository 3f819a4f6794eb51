import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../auth/guards/jwt-auth.guard.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { PageQueryDto } from '../common/pagination/cursor.js';
import { CatalogueService } from './catalogue.service.js';
import { CheckoutConfirmService } from './checkout-confirm.service.js';
import { CheckoutService } from './checkout.service.js';
import {
  CheckoutSessionDto,
  CheckoutSessionPageDto,
  ConfirmedCheckoutSessionDto,
  CreateCheckoutSessionDto,
  PlanDto,
  PortalSessionDto,
  SubscriptionDto,
} from './dto/billing.dto.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { SubscriptionService } from './subscription.service.js';

const STRIPE_ERRORS = [ErrorCode.StripeError, ErrorCode.StripeNotConfigured, ErrorCode.ServiceUnavailable] as const;
const SESSION_ID = { name: 'id', description: "Our session id (uuid) or Stripe's `cs_…` id", example: 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY' };

@ApiTags('billing')
@Controller('billing')
export class BillingController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly checkout: CheckoutService,
    private readonly confirmation: CheckoutConfirmService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  @Get('plans')
  @ApiOperation({ operationId: 'listPlans', summary: 'The price catalogue', description: 'Every plan and interval that can be bought. Clients name a plan and interval, never a price id.' })
  @ApiOkResponse({ type: [PlanDto] })
  plans(): PlanDto[] {
    return this.catalogue.list();
  }

  @Post('checkout-sessions')
  @Auth()
  @ApiOperation({
    operationId: 'createCheckoutSession',
    summary: 'Start a purchase',
    description:
      'Creates a Stripe Checkout Session for a catalogue plan and answers its hosted page `url`: redirect the browser there. ' +
      'With an `Idempotency-Key`, a retried request answers the same session and creates no second one.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Any unique string per purchase attempt (1–255 visible ASCII characters)' })
  @ApiCreatedResponse({ type: CheckoutSessionDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ...STRIPE_ERRORS)
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateCheckoutSessionDto, @IdempotencyKey() key?: string): Promise<CheckoutSessionDto> {
    return this.checkout.create(user.id, body.plan, body.interval, key);
  }

  @Get('checkout-sessions')
  @Auth()
  @ApiOperation({ operationId: 'listMyCheckoutSessions', summary: 'My checkout sessions', description: 'Newest first, cursor-paginated.' })
  @ApiOkResponse({ type: CheckoutSessionPageDto })
  @ApiErrors(ErrorCode.ValidationError)
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: PageQueryDto): Promise<CheckoutSessionPageDto> {
    return this.checkout.list(user.id, query.limit ?? 20, query.cursor);
  }

  @Get('checkout-sessions/:id')
  @Auth()
  @ApiOperation({ operationId: 'getMyCheckoutSession', summary: 'One of my checkout sessions', description: "Anyone else's session answers 404." })
  @ApiParam(SESSION_ID)
  @ApiOkResponse({ type: CheckoutSessionDto })
  @ApiErrors(ErrorCode.NotFound)
  async get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<CheckoutSessionDto> {
    return CheckoutSessionDto.from(await this.checkout.findOwn(user.id, id));
  }

  @Post('checkout-sessions/:id/confirm')
  @HttpCode(200)
  @Auth()
  @ApiOperation({
    operationId: 'confirmCheckoutSession',
    summary: 'Confirm a session from the success page',
    description:
      'Call once from the success page with the `session_id` Stripe put in the URL. Reads the session from Stripe and applies it like the webhook ' +
      'would (fulfilling at most once): a paid session grants the plan at once; an unpaid one answers as it stands and grants nothing.',
  })
  @ApiParam(SESSION_ID)
  @ApiOkResponse({ type: ConfirmedCheckoutSessionDto })
  @ApiErrors(ErrorCode.NotFound, ...STRIPE_ERRORS)
  confirm(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<ConfirmedCheckoutSessionDto> {
    return this.confirmation.confirm(user.id, id);
  }

  @Post('portal')
  @Auth()
  @ApiOperation({ operationId: 'createPortalSession', summary: 'Open the Stripe customer portal', description: 'Answers the portal `url`; 409 when the user has no Stripe customer yet.' })
  @ApiCreatedResponse({ type: PortalSessionDto })
  @ApiErrors(ErrorCode.Conflict, ...STRIPE_ERRORS)
  portal(@CurrentUser() user: AuthenticatedUser): Promise<PortalSessionDto> {
    return this.subscriptions.portal(user.id);
  }

  @Get('subscription')
  @Auth()
  @ApiOperation({ operationId: 'getMySubscription', summary: 'My plan and subscription', description: 'As the webhooks (and confirmations) left it.' })
  @ApiOkResponse({ type: SubscriptionDto })
  subscription(@CurrentUser() user: AuthenticatedUser): Promise<SubscriptionDto> {
    return this.subscriptions.current(user.id);
  }
}
