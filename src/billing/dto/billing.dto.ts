import { SUBSCRIPTION_STATUS_PROPERTY } from '../../common/openapi/subscription-status.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import type Stripe from 'stripe';
import type { CheckoutSession, CheckoutUiMode } from '../../entitlements/entities/checkout-session.entity.js';

export const INTERVALS = ['month', 'year', 'once'] as const;

/** The named members of an SDK union that also admits any string (`… | OtherString`). */
type Named<T> = T extends string ? (string extends T ? never : T) : never;
/** Compiles only when T is never: a check on the SDK's types that costs nothing at run time. */
type AssertNever<T extends never> = T;

export const UI_MODES = ['hosted', 'embedded', 'elements'] as const satisfies readonly CheckoutUiMode[];

/** Our `uiMode` → the pinned API version's `ui_mode` (older versions said hosted, embedded, custom). */
export const STRIPE_UI_MODES = {
  hosted: 'hosted_page',
  embedded: 'embedded_page',
  elements: 'elements',
} as const satisfies Record<CheckoutUiMode, Named<Stripe.Checkout.SessionCreateParams.UiMode>>;

type StripeLocale = Named<Stripe.Checkout.SessionCreateParams.Locale>;

/** Stripe Checkout's locales, as the SDK's `SessionCreateParams.Locale` lists them (checked both ways at compile time). */
export const CHECKOUT_LOCALES = [
  'auto',
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'en-GB',
  'es',
  'es-419',
  'et',
  'fi',
  'fil',
  'fr',
  'fr-CA',
  'hi-IN',
  'hr',
  'hu',
  'id',
  'it',
  'ja',
  'ko',
  'lt',
  'lv',
  'ms',
  'mt',
  'nb',
  'nl',
  'pl',
  'pt',
  'pt-BR',
  'ro',
  'ru',
  'sk',
  'sl',
  'sv',
  'th',
  'tr',
  'vi',
  'zh',
  'zh-HK',
  'zh-TW',
] as const satisfies readonly StripeLocale[];

/** A locale the SDK gains and this list lacks fails the type check here. */
export type EveryStripeLocaleListed = AssertNever<Exclude<StripeLocale, (typeof CHECKOUT_LOCALES)[number]>>;
export type CheckoutLocale = (typeof CHECKOUT_LOCALES)[number];

export class PlanDto {
  @ApiProperty({ example: 'pro', description: 'Lower-cased <PLAN> of STRIPE_PRICE_<PLAN>_<INTERVAL>' })
  plan!: string;

  @ApiProperty({ enum: INTERVALS, enumName: 'PriceInterval' })
  interval!: 'month' | 'year' | 'once';

  @ApiProperty({ example: 'price_1PgafmB7WZ01zgkW6dKueIc5' })
  priceId!: string;

  @ApiProperty({ enum: ['subscription', 'payment'], enumName: 'CheckoutMode', description: 'month/year are subscriptions, once a one-time payment' })
  mode!: 'subscription' | 'payment';

  @ApiProperty({
    type: [String],
    example: ['api_access', 'priority_support'],
    description: "The plan's features (PLAN_FEATURES_<PLAN>); gate the UI on `features` of GET /api/auth/me, which also has the customer's Stripe Entitlements",
  })
  features!: string[];
}

/** A plan and interval of the catalogue: what a purchase, a plan change or its preview names. */
export class PlanChoiceDto {
  @ApiProperty({ example: 'pro', maxLength: 64 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9_]+$/, { message: 'plan must be a plan name from GET /api/billing/plans' })
  plan!: string;

  @ApiProperty({ enum: INTERVALS, enumName: 'PriceInterval', example: 'month' })
  @IsIn(INTERVALS, { message: 'interval must be one of month, year, once' })
  interval!: 'month' | 'year' | 'once';
}

export class CreateCheckoutSessionDto {
  @ApiPropertyOptional({ example: 'pro', maxLength: 64, description: 'A plan from GET /api/billing/plans; required unless `pack` is given' })
  @ValidateIf((o: CreateCheckoutSessionDto) => o.pack === undefined)
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9_]+$/, { message: 'plan must be a plan name from GET /api/billing/plans' })
  plan?: string;

  @ApiPropertyOptional({ enum: INTERVALS, enumName: 'PriceInterval', example: 'month', description: 'Required with `plan`' })
  @ValidateIf((o: CreateCheckoutSessionDto) => o.pack === undefined)
  @IsIn(INTERVALS, { message: 'interval must be one of month, year, once' })
  interval?: 'month' | 'year' | 'once';

  @ApiPropertyOptional({ example: 'tokens_10k', maxLength: 64, description: 'A credit pack from GET /api/billing/credit-packs, instead of `plan` and `interval`' })
  @ValidateIf((o: CreateCheckoutSessionDto) => o.pack !== undefined)
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z0-9_]+$/, { message: 'pack must be a pack name from GET /api/billing/credit-packs' })
  pack?: string;

  @ApiPropertyOptional({
    enum: UI_MODES,
    enumName: 'CheckoutUiMode',
    example: 'embedded',
    description:
      "`hosted` (the default when absent): redirect the browser to `url` (Stripe's page). `embedded`: mount Stripe's embedded page with `clientSecret` (`initEmbeddedCheckout`). " +
      '`elements`: your own Payment Element on the Checkout Sessions API (`initCheckout`) with `clientSecret`. Embedded and elements sessions return to CHECKOUT_RETURN_URL.',
  })
  @IsOptional()
  @IsIn(UI_MODES, { message: 'uiMode must be one of hosted, embedded, elements' })
  uiMode?: CheckoutUiMode;

  @ApiPropertyOptional({ enum: CHECKOUT_LOCALES, enumName: 'CheckoutLocale', example: 'de', description: "Checkout's language; unset or `auto`: the browser's" })
  @IsOptional()
  @IsIn(CHECKOUT_LOCALES, { message: `locale must be one of Stripe Checkout's locales (${CHECKOUT_LOCALES.join(', ')})` })
  locale?: CheckoutLocale;
}

export class CreditPackDto {
  @ApiProperty({ example: 'tokens_10k', description: 'The name to buy it by (`pack` of POST /api/billing/checkout-sessions)' }) pack!: string;
  @ApiProperty({ example: 'price_1Pk…' }) priceId!: string;
  @ApiProperty({ example: 'ai_tokens', description: 'The feature whose credits it adds' }) feature!: string;
  @ApiProperty({ example: 10000, description: 'How many credits: drawn once the period allowance is used up, oldest first' }) credits!: number;
}

export class CheckoutSessionDto {
  @ApiProperty({ format: 'uuid', description: 'Our id of the session' })
  id!: string;

  @ApiProperty({ example: 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY' })
  stripeSessionId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "Hosted sessions: Stripe's page, redirect the browser here (null once the session is no longer open, and for embedded and elements sessions)",
    example: 'https://checkout.stripe.com/c/pay/cs_test_a1…',
  })
  url!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Embedded and elements sessions: pass to Stripe.js (`initEmbeddedCheckout({ fetchClientSecret })` or `initCheckout`). A bearer credential for this session, ' +
      'answered only to its owner and only while it is open; null for hosted sessions',
    example: 'cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY_secret_fidwbEhqYWAnPydmcHZxamgneCUl',
  })
  clientSecret!: string | null;

  @ApiProperty({ enum: UI_MODES, enumName: 'CheckoutUiMode', example: 'hosted', description: 'How the session is paid: `url` for hosted, `clientSecret` for the others' })
  uiMode!: CheckoutUiMode;

  @ApiProperty({ enum: ['open', 'complete', 'expired'], enumName: 'CheckoutSessionStatus' })
  status!: string;

  @ApiProperty({ enum: ['unpaid', 'paid', 'no_payment_required'], enumName: 'CheckoutPaymentStatus' })
  paymentStatus!: string;

  @ApiProperty({ enum: ['subscription', 'payment', 'setup'], enumName: 'CheckoutSessionMode' })
  mode!: string;

  @ApiProperty({ type: String, nullable: true, example: 'pro' })
  plan!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'The credit pack the session sells instead of a plan (then `plan` is null)' })
  creditPack!: string | null;

  @ApiProperty({ enum: INTERVALS, enumName: 'PriceInterval', nullable: true })
  interval!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 2000, description: "Before discounts and tax, in the currency's minor unit, as Stripe reports it" })
  amountSubtotal!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 400, description: 'What promotion codes or coupons took off (`total_details.amount_discount`)' })
  amountDiscount!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 304, description: 'Tax (`total_details.amount_tax`); 0 without CHECKOUT_AUTOMATIC_TAX or until the address is known' })
  amountTax!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 1904, description: "What the customer pays (subtotal − discount + tax), in the currency's minor unit" })
  amountTotal!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'usd' })
  currency!: string | null;

  @ApiProperty({ example: 0, description: "Refunded so far, in the currency's minor unit (partial refunds add up); 0 until refunded" })
  amountRefunded!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When what the session bought was granted; set once, never moved' })
  fulfilledAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  static from(row: CheckoutSession): CheckoutSessionDto {
    return {
      id: row.id,
      stripeSessionId: row.stripeSessionId,
      url: row.status === 'open' ? row.url : null,
      clientSecret: row.status === 'open' ? row.clientSecret : null,
      uiMode: row.uiMode,
      status: row.status,
      paymentStatus: row.paymentStatus,
      mode: row.mode,
      plan: row.plan,
      creditPack: row.creditPack,
      interval: row.interval,
      amountSubtotal: row.amountSubtotal,
      amountDiscount: row.amountDiscount,
      amountTax: row.amountTax,
      amountTotal: row.amountTotal,
      currency: row.currency,
      amountRefunded: row.amountRefunded,
      expiresAt: row.expiresAt,
      fulfilledAt: row.fulfilledAt,
      createdAt: row.createdAt,
    };
  }
}

export class CheckoutSessionPageDto {
  @ApiProperty({ type: [CheckoutSessionDto] })
  items!: CheckoutSessionDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class ConfirmedCheckoutSessionDto extends CheckoutSessionDto {
  @ApiProperty({ example: 'pro', description: "The user's plan after the confirmation (`free` while the session is unpaid)" })
  declare plan: string;

  @ApiProperty({ type: String, nullable: true, example: 'pro', description: 'The plan this session buys' })
  purchasedPlan!: string | null;

  @ApiPropertyOptional({ ...SUBSCRIPTION_STATUS_PROPERTY, description: "The user's subscription status after the confirmation" })
  subscriptionStatus!: string | null;
}

export class PortalSessionDto {
  @ApiProperty({ example: 'https://billing.stripe.com/p/session/test_YWNjdF8x', description: 'Redirect the browser here' })
  url!: string;
}

export class PausedCollectionDto {
  @ApiProperty({ enum: ['keep_as_draft', 'mark_uncollectible', 'void'], example: 'void', description: "Stripe's `pause_collection.behavior`" })
  behavior!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  resumesAt!: Date | null;
}

export class ActionRequiredDto {
  @ApiProperty({ example: 'https://invoice.stripe.com/i/acct_1/test_YWNjdF8x', description: "Stripe's hosted page where the customer completes the payment (3-D Secure)" })
  hostedInvoiceUrl!: string;
}

export class PendingUpdateDto {
  @ApiProperty({ type: String, nullable: true, example: 'team', description: 'The plan the subscription moves to once the invoice is paid (null when its price maps to no plan)' })
  plan!: string | null;

  @ApiProperty({ type: String, enum: ['month', 'year'], nullable: true })
  interval!: 'month' | 'year' | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When Stripe discards the change if the invoice is still unpaid' })
  expiresAt!: Date | null;
}

export class ScheduledChangeDto {
  @ApiProperty({ type: String, nullable: true, example: 'pro', description: 'The plan the subscription moves to (null when the price maps to no plan)' })
  plan!: string | null;

  @ApiProperty({ type: String, enum: ['month', 'year'], nullable: true })
  interval!: 'month' | 'year' | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it moves: the start of the next period (the current plan is kept until then)' })
  at!: Date;
}

export class SubscriptionDto {
  @ApiProperty({ example: 'pro', description: "The user's plan: the highest-ranked active grant (a subscription, a one-time purchase or an admin's grant); `free` when none" })
  plan!: string;

  @ApiProperty({ type: String, nullable: true, example: 'pro', description: "The plan of the user's current subscription (null without one, or when its price maps to no plan)" })
  subscriptionPlan!: string | null;

  @ApiProperty({ type: String, enum: ['month', 'year'], nullable: true })
  interval!: 'month' | 'year' | null;

  @ApiProperty({ ...SUBSCRIPTION_STATUS_PROPERTY, description: "Stripe's status of the current subscription; null without a subscription" })
  status!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  currentPeriodEnd!: Date | null;

  @ApiProperty({ example: false, description: 'True when the subscription ends at the end of the current period (`cancel_at_period_end`, or `cancel_at` at the period end)' })
  cancelAtPeriodEnd!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the subscription is scheduled to end; null when it is not cancelling' })
  cancelAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'End of the trial, when the subscription has or had one' })
  trialEnd!: Date | null;

  @ApiProperty({ type: PausedCollectionDto, nullable: true, description: 'Set while payment collection is paused (the status stays as Stripe has it)' })
  pausedCollection!: PausedCollectionDto | null;

  @ApiProperty({ type: ActionRequiredDto, nullable: true, description: 'Set when the latest invoice needs the customer (3-D Secure): send them to the URL' })
  actionRequired!: ActionRequiredDto | null;

  @ApiProperty({
    type: PendingUpdateDto,
    nullable: true,
    description: 'A plan change whose payment failed or waits for 3-D Secure: the plan stays as it is until the open invoice is paid',
  })
  pendingUpdate!: PendingUpdateDto | null;

  @ApiProperty({
    type: ScheduledChangeDto,
    nullable: true,
    description: 'A plan change at the period end (a Stripe subscription schedule, made here or in the customer portal): the plan stays as it is until `at`',
  })
  scheduledChange!: ScheduledChangeDto | null;
}

export const CHANGE_TIMINGS = ['now', 'period_end'] as const;
export type ChangeTiming = (typeof CHANGE_TIMINGS)[number];

export class ChangeSubscriptionDto extends PlanChoiceDto {
  @ApiProperty({
    enum: CHANGE_TIMINGS,
    required: false,
    description:
      '`now`: the change is made (and prorated) at once; `period_end`: the current plan is kept to the end of the paid period, then the new ' +
      'price starts (a subscription schedule). Default: `now` for an upgrade (a higher-ranked plan, or month → year), `period_end` for a downgrade.',
  })
  @IsOptional()
  @IsIn(CHANGE_TIMINGS)
  at?: ChangeTiming;
}

export class SubscriptionPreviewQueryDto extends PlanChoiceDto {}

export class CancelSubscriptionDto {
  @ApiProperty({ example: true, description: 'true: end at the end of the paid period (access until then); false: end now' })
  @IsBoolean()
  atPeriodEnd!: boolean;
}

export class PreviewLineDto {
  @ApiProperty({ type: String, nullable: true, example: 'Remaining time on Team after 01 Dec 2026' })
  description!: string | null;

  @ApiProperty({ example: 1500, description: "In the currency's minor unit; negative for a credit" })
  amount!: number;

  @ApiProperty({ description: 'A proration for the part of the period already paid' })
  proration!: boolean;
}

export class SubscriptionPreviewDto {
  @ApiProperty({ example: 'team' })
  plan!: string;

  @ApiProperty({ enum: ['month', 'year'] })
  interval!: string;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ enum: ['create_prorations', 'always_invoice', 'none'], description: 'SUBSCRIPTION_PRORATION_BEHAVIOR: how the change would be billed' })
  prorationBehavior!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The moment the prorations are computed for' })
  prorationDate!: Date;

  @ApiProperty({ example: 3000, description: "Stripe's `subtotal` of the previewed invoice (before discounts and tax)" })
  subtotal!: number;

  @ApiProperty({ example: 0, description: "The sum of Stripe's `total_discount_amounts`" })
  discount!: number;

  @ApiProperty({ example: 0, description: "The sum of Stripe's `total_taxes`" })
  tax!: number;

  @ApiProperty({ example: 3000, description: "Stripe's `total`: negative for a credit (a downgrade)" })
  total!: number;

  @ApiProperty({ example: 0, description: "The customer's balance applied to the invoice (`ending_balance − starting_balance`; negative: credit used)" })
  appliedBalance!: number;

  @ApiProperty({ example: 3000, description: "Stripe's `amount_due` of the previewed invoice" })
  amountDue!: number;

  @ApiProperty({
    example: 1500,
    description: "Charged at once when the change is made: the invoice's `amount_due` when the change is invoiced at once (always_invoice, a new interval, a trial ending), else 0",
  })
  amountDueNow!: number;

  @ApiProperty({ example: 5000, description: 'The next renewal invoice after the change' })
  nextRenewalAmount!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next renewal invoice is made' })
  nextRenewalAt!: Date | null;

  @ApiProperty({ type: [PreviewLineDto] })
  lines!: PreviewLineDto[];
}
