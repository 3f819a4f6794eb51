import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentUser } from '../auth/decorators/auth.decorator.js';
import type { AuthenticatedUser } from '../auth/guards/jwt-auth.guard.js';
import { AppError } from '../common/errors/app-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { PageQueryDto } from '../common/pagination/cursor.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';
import { FeaturesService } from '../entitlements/features.service.js';
import { CatalogueService } from './catalogue.service.js';
import { CheckoutConfirmService } from './checkout-confirm.service.js';
import { CheckoutService } from './checkout.service.js';
import {
  CancelSubscriptionDto,
  ChangeSubscriptionDto,
  CheckoutSessionDto,
  CheckoutSessionPageDto,
  ConfirmedCheckoutSessionDto,
  CreateCheckoutSessionDto,
  CreditPackDto,
  PlanDto,
  PortalSessionDto,
  SubscriptionDto,
  SubscriptionPreviewDto,
  SubscriptionPreviewQueryDto,
} from './dto/billing.dto.js';
import { InvoicePageDto } from './dto/invoice.dto.js';
import { IdempotencyKey } from './idempotency-key.decorator.js';
import { InvoicesService } from './invoices.service.js';
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
    private readonly features: FeaturesService,
    private readonly invoiceList: InvoicesService,
    private readonly config: AppConfig,
  ) {}

  @Get('plans')
  @ApiOperation({
    operationId: 'listPlans',
    summary: 'The price catalogue',
    description: "Every plan and interval that can be bought, with the plan's features (PLAN_FEATURES_<PLAN>). Clients name a plan and interval, never a price id.",
  })
  @ApiOkResponse({ type: [PlanDto] })
  plans(): PlanDto[] {
    return this.catalogue.list().map((price) => ({ ...price, features: this.features.ofPlan(price.plan) }));
  }

  @Post('checkout-sessions')
  @Auth()
  @ApiOperation({
    operationId: 'createCheckoutSession',
    summary: 'Start a purchase',
    description:
      'Creates a Stripe Checkout Session for a catalogue plan (`plan`, `interval`) or a credit pack (`pack`). `uiMode: hosted` (the default) answers its hosted page `url`: redirect the browser there. ' +
      '`embedded` and `elements` answer `clientSecret` (and `url: null`): mount Stripe.js with it; Stripe sends the browser to CHECKOUT_RETURN_URL. ' +
      'The CHECKOUT_* options (promotion codes, automatic tax, tax ids, billing address, terms of service) apply to every mode. ' +
      'With an `Idempotency-Key`, a retried request answers the same session and creates no second one.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Any unique string per purchase attempt (1–255 visible ASCII characters)' })
  @ApiCreatedResponse({ type: CheckoutSessionDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ...STRIPE_ERRORS)
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateCheckoutSessionDto, @IdempotencyKey() key?: string): Promise<CheckoutSessionDto> {
    const options = { uiMode: body.uiMode, locale: body.locale };
    if (body.pack !== undefined) {
      if (body.plan !== undefined || body.interval !== undefined)
        throw AppError.validation('Give either a pack or a plan and interval', { pack: ['cannot be given with plan or interval'] });
      return this.checkout.createPack(user.id, body.pack, key, options);
    }
    return this.checkout.create(user.id, body.plan!, body.interval!, key, options);
  }

  @Get('credit-packs')
  @ApiOperation({
    operationId: 'listCreditPacks',
    summary: 'The credit packs',
    description: 'Prepaid credits sold through one-time Checkout Sessions (CREDIT_PACK_<NAME>): buy one with `{pack}` on POST /api/billing/checkout-sessions.',
  })
  @ApiOkResponse({ type: [CreditPackDto] })
  creditPacks(): CreditPackDto[] {
    return this.config.usage.creditPacks.map((p) => ({ pack: p.name, priceId: p.priceId, feature: p.feature, credits: p.credits }));
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
  // each confirmation reads Stripe: counted per user, shared by every instance
  @RateLimit(({ auth }) => ({
    name: 'confirm',
    limits: { user: auth.billingLimitPerUser },
    windowSeconds: auth.rateLimitWindowSeconds,
    count: 'requests',
    message: 'Too many confirmations, try again shortly',
  }))
  confirm(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<ConfirmedCheckoutSessionDto> {
    return this.confirmation.confirm(user.id, id);
  }

  @Post('portal')
  @Auth()
  @ApiOperation({
    operationId: 'createPortalSession',
    summary: 'Open the Stripe customer portal',
    description: 'Answers the portal `url`; 409 when the user has no Stripe customer yet.',
  })
  @ApiCreatedResponse({ type: PortalSessionDto })
  @ApiErrors(ErrorCode.Conflict, ...STRIPE_ERRORS)
  @RateLimit(({ auth }) => ({
    name: 'portal',
    limits: { user: auth.billingLimitPerUser },
    windowSeconds: auth.rateLimitWindowSeconds,
    count: 'requests',
    message: 'Too many portal sessions, try again shortly',
  }))
  portal(@CurrentUser() user: AuthenticatedUser): Promise<PortalSessionDto> {
    return this.subscriptions.portal(user.id);
  }

  @Get('invoices')
  @Auth()
  @ApiOperation({ operationId: 'listMyInvoices', summary: 'My invoices', description: "Newest first by Stripe's `created`, cursor-paginated; as the invoice webhooks left them." })
  @ApiOkResponse({ type: InvoicePageDto })
  @ApiErrors(ErrorCode.ValidationError)
  invoices(@CurrentUser() user: AuthenticatedUser, @Query() query: PageQueryDto): Promise<InvoicePageDto> {
    return this.invoiceList.list(user.id, query.limit ?? 20, query.cursor);
  }

  @Get('subscription')
  @Auth()
  @ApiOperation({ operationId: 'getMySubscription', summary: 'My plan and subscription', description: 'As the webhooks (and confirmations) left it.' })
  @ApiOkResponse({ type: SubscriptionDto })
  subscription(@CurrentUser() user: AuthenticatedUser): Promise<SubscriptionDto> {
    return this.subscriptions.current(user.id);
  }

  @Get('subscription/preview')
  @Auth()
  @ApiOperation({
    operationId: 'previewSubscriptionChange',
    summary: 'What a plan change would cost',
    description: "Stripe's invoice preview of moving the live subscription to that plan and interval: what is charged now and what the next renewal will be.",
  })
  @ApiOkResponse({ type: SubscriptionPreviewDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ...STRIPE_ERRORS)
  preview(@CurrentUser() user: AuthenticatedUser, @Query() query: SubscriptionPreviewQueryDto): Promise<SubscriptionPreviewDto> {
    return this.subscriptions.preview(user.id, query.plan, query.interval);
  }

  @Post('subscription/change')
  @HttpCode(200)
  @Auth()
  @ApiOperation({
    operationId: 'changeSubscription',
    summary: 'Change the plan of my subscription',
    description:
      'Moves the live subscription to another plan or interval in place (one subscription, prorated per SUBSCRIPTION_PRORATION_BEHAVIOR). ' +
      '`at: period_end` (the default for a downgrade) keeps the current plan to the end of the paid period and then moves to the new price ' +
      '(a Stripe subscription schedule; the answer shows `scheduledChange`); choosing the current plan again drops a scheduled change. ' +
      'The answer already shows the new plan; the webhook that follows changes nothing. A change is granted only once paid: when its payment ' +
      'is declined or needs 3-D Secure, the plan stays as it is and the answer is 402 `payment_required` with the open invoice ' +
      '(`hostedInvoiceUrl`, `clientSecret` for 3-D Secure) and `pendingUpdate`; paying it applies the change. ' +
      '409 without a live subscription, and while it is `past_due`, `unpaid` or has a change waiting for its payment (with the open invoice).',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Any unique string per change (1–255 visible ASCII characters)' })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.PaymentRequired, ErrorCode.Conflict, ...STRIPE_ERRORS)
  change(@CurrentUser() user: AuthenticatedUser, @Body() body: ChangeSubscriptionDto, @IdempotencyKey() key?: string): Promise<SubscriptionDto> {
    return this.subscriptions.change(user.id, body.plan, body.interval, key, body.at);
  }

  @Post('subscription/cancel')
  @HttpCode(200)
  @Auth()
  @ApiOperation({
    operationId: 'cancelSubscription',
    summary: 'Cancel my subscription',
    description: '`atPeriodEnd: true` keeps access to the end of the paid period; false ends it now.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiErrors(ErrorCode.ValidationError, ErrorCode.Conflict, ...STRIPE_ERRORS)
  cancel(@CurrentUser() user: AuthenticatedUser, @Body() body: CancelSubscriptionDto): Promise<SubscriptionDto> {
    return this.subscriptions.cancel(user.id, body.atPeriodEnd);
  }

  @Post('subscription/resume')
  @HttpCode(200)
  @Auth()
  @ApiOperation({
    operationId: 'resumeSubscription',
    summary: 'Resume my subscription',
    description: 'Undoes a scheduled cancellation, resumes a paused subscription, or resumes paused payment collection. 409 when there is nothing to resume.',
  })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiErrors(ErrorCode.Conflict, ...STRIPE_ERRORS)
  resume(@CurrentUser() user: AuthenticatedUser): Promise<SubscriptionDto> {
    return this.subscriptions.resume(user.id);
  }
}
