import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDuration } from './duration.js';
import { loadLimits, type LimitsConfig } from './limits-config.js';
import { usageConfig, type UsageConfig } from './usage-config.js';

export type { LimitsConfig } from './limits-config.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type PriceInterval = 'month' | 'year' | 'once';

export interface CataloguePrice {
  /** lower-cased `<PLAN>` of `STRIPE_PRICE_<PLAN>_<INTERVAL>` */
  plan: string;
  interval: PriceInterval;
  priceId: string;
  mode: 'subscription' | 'payment';
}

/**
 * The whole validated configuration. It is the only thing built from `process.env`;
 * everything else injects it (see ConfigModule in config.module.ts).
 */
export abstract class AppConfig {
  abstract env: NodeEnv;
  abstract port: number;
  abstract dataDir: string;
  abstract database: { url?: string; poolSize: number };
  abstract auth: {
    jwtSecret: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    loginLimitPerIp: number;
    loginLimitPerEmail: number;
    loginWindowSeconds: number;
    /** ADMIN_PROMOTE_EXISTING: the admin bootstrap may turn an existing non-admin account into the admin */
    adminPromoteExisting: boolean;
    /** registrations per client IP per RATE_LIMIT_WINDOW_SECONDS */
    registerLimitPerIp: number;
    /** failed refreshes per client IP per window */
    refreshLimitPerIp: number;
    /** checkout confirmations and portal sessions per user per window (each calls Stripe) */
    billingLimitPerUser: number;
    rateLimitWindowSeconds: number;
    /** used, revoked and expired refresh tokens are deleted this many days after that happened */
    refreshTokenGraceDays: number;
  };
  abstract admin?: { email: string; password: string };
  abstract stripe: {
    secretKey?: string;
    mode: 'test' | 'live' | null;
    apiUrl: string;
    webhookSecrets: string[];
    webhookToleranceSeconds: number;
    /**
     * group commit of webhook deliveries (see database/group-commit.ts): at most this many of their transactions at
     * once, each taking up to `maxBatch` deliveries that waited, and one beside another only when `minBatchBeside`
     * wait; concurrency 0 gives every delivery its own
     */
    webhookGroupCommit: { concurrency: number; maxBatch: number; minBatchBeside: number };
    recoveryIntervalSeconds: number;
    eventRetentionDays: number;
    /** how often each retention job runs (inbox, refresh tokens, throttle counters) */
    retentionIntervalSeconds: number;
    /** per-try timeout of a Stripe request */
    timeoutMs: number;
    maxNetworkRetries: number;
    /** Stripe requests in flight per process; one more answers 503 at once */
    maxConcurrency: number;
    /** STRIPE_EMULATOR: `on` forces local mode, `off` forbids it, unset decides by the database (see bootstrap) */
    emulator?: 'on' | 'off';
  };
  abstract billing: {
    catalogue: CataloguePrice[];
    successUrl: string;
    cancelUrl: string;
    portalReturnUrl: string;
    /** plans from lowest to highest (PLAN_RANK); the user's plan is the highest active grant */
    planRank: string[];
    /** whether `past_due` keeps the plan while Stripe retries (SUBSCRIPTION_PAST_DUE_GRANTS) */
    pastDueGrants: boolean;
    /** STRIPE_TRIAL_DAYS_<PLAN>, by plan */
    trialDays: Record<string, number>;
    /** how a plan change is prorated (SUBSCRIPTION_PRORATION_BEHAVIOR) */
    prorationBehavior: 'create_prorations' | 'always_invoice' | 'none';
    /** a full refund of a one-time purchase revokes its grant (REFUND_REVOKES_GRANT) */
    refundRevokesGrant: boolean;
    /** an open dispute suspends the purchase's grant until it is won (DISPUTE_SUSPENDS_GRANT) */
    disputeSuspendsGrant: boolean;
  };
  /** Options sent with every Checkout Session (the CHECKOUT_* variables beyond the redirect URLs). */
  abstract checkout: {
    /** CHECKOUT_RETURN_URL: where embedded and elements sessions return; `{CHECKOUT_SESSION_ID}` is kept for Stripe */
    returnUrl: string;
    /** CHECKOUT_ALLOW_PROMOTION_CODES: customers may enter promotion codes */
    allowPromotionCodes: boolean;
    /** CHECKOUT_AUTOMATIC_TAX: Stripe Tax computes tax (the address and name Checkout collects are saved to the customer) */
    automaticTax: boolean;
    /** CHECKOUT_TAX_ID_COLLECTION: business customers may enter a tax id */
    taxIdCollection: boolean;
    /** CHECKOUT_BILLING_ADDRESS; unset: Stripe's default (`auto`) */
    billingAddressCollection?: 'auto' | 'required';
    /** CHECKOUT_TERMS_OF_SERVICE; unset: no consent checkbox */
    termsOfService?: 'required' | 'none';
  };
  /** Features to gate on, by plan (PLAN_FEATURES_<PLAN>); Stripe Entitlements add to them per customer. */
  abstract features: {
    byPlan: Record<string, string[]>;
  };
  /** Limits per plan (PLAN_LIMITS_<PLAN>), see usage-config.ts */
  abstract usage: UsageConfig;
  abstract http: {
    corsOrigins: string[] | '*' | false;
    trustProxy: boolean | number | string;
    bodyLimit: string;
    /** when set, GET /metrics needs `Authorization: Bearer <token>`; required to serve in production */
    metricsToken?: string;
    /** DOCS_ENABLED: serve /docs and /docs-json */
    docsEnabled: boolean;
  };
  /** the abuse and load limits (limits-config.ts) */
  abstract limits: LimitsConfig;
  /** ADMIN_CONSOLE_ENABLED: serve the admin console at /admin, from the built assets in ADMIN_CONSOLE_DIR */
  abstract adminConsole: { enabled: boolean; dir: string };
  abstract logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const PRICE_VAR = /^STRIPE_PRICE_([A-Z0-9]+(?:_[A-Z0-9]+)*)_(MONTHLY|YEARLY|ONCE)$/;
/** `<INTERVAL>` of `STRIPE_PRICE_<PLAN>_<INTERVAL>` → the catalogue's interval (also read by local mode and the Stripe check) */
export const INTERVALS: Record<string, PriceInterval> = { MONTHLY: 'month', YEARLY: 'year', ONCE: 'once' };

function fail(name: string, problem: string): never {
  throw new ConfigError(`Invalid configuration: ${name} ${problem}`);
}

function str(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) fail(name, `must be a whole number (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) fail(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = str(env, name) ?? fallback;
  const seconds = parseDuration(raw);
  if (seconds === null) fail(name, `must be a duration such as 15m, 12h or 30d (got "${raw}")`);
  return seconds;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = str(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw.replace('{CHECKOUT_SESSION_ID}', 'x'));
  } catch {
    fail(name, `must be a URL (got "${raw}")`);
  }
  if (!protocols.includes(parsed.protocol)) fail(name, `must use ${protocols.join(' or ')}`);
  return raw;
}

/** The catalogue of the `STRIPE_PRICE_<PLAN>_<INTERVAL>` variables (the one parser; local mode seeds its emulator from it). */
export function catalogue(env: Env): CataloguePrice[] {
  const prices: CataloguePrice[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('STRIPE_PRICE_') || raw === undefined || raw.trim() === '') continue;
    const match = PRICE_VAR.exec(name);
    if (!match) fail(name, 'must be named STRIPE_PRICE_<PLAN>_<MONTHLY|YEARLY|ONCE>');
    const priceId = raw.trim();
    if (!/^price_[A-Za-z0-9_]+$/.test(priceId)) fail(name, `must be a Stripe price id (price_…)`);
    const interval = INTERVALS[match[2]];
    prices.push({
      plan: match[1].toLowerCase(),
      interval,
      priceId,
      mode: interval === 'once' ? 'payment' : 'subscription',
    });
  }
  const order: PriceInterval[] = ['month', 'year', 'once'];
  return prices.sort((a, b) => a.plan.localeCompare(b.plan) || order.indexOf(a.interval) - order.indexOf(b.interval));
}

const PLAN_NAME = /^[a-z0-9_]+$/;

/**
 * PLAN_RANK, or the documented default: plans sold only as subscriptions in alphabetical order, then plans with
 * a one-time (ONCE) price, since a one-time purchase is usually the top tier (`lifetime`). Every catalogue plan
 * must be ranked; extra names may rank plans that only admins grant.
 */
function planRank(env: Env, prices: CataloguePrice[]): string[] {
  const plans = [...new Set(prices.map((p) => p.plan))];
  const raw = str(env, 'PLAN_RANK');
  if (raw === undefined) {
    const once = new Set(prices.filter((p) => p.interval === 'once').map((p) => p.plan));
    return [...plans.filter((p) => !once.has(p)).sort(), ...plans.filter((p) => once.has(p)).sort()];
  }
  const rank = raw.split(',').map((p) => p.trim().toLowerCase());
  if (rank.some((p) => !PLAN_NAME.test(p))) fail('PLAN_RANK', `must be plan names separated by commas, lowest first (got "${raw}")`);
  if (new Set(rank).size !== rank.length) fail('PLAN_RANK', 'names a plan twice');
  if (rank.includes('free')) fail('PLAN_RANK', 'must not name free (it is what no grant gives)');
  const missing = plans.filter((p) => !rank.includes(p));
  if (missing.length) fail('PLAN_RANK', `must rank every catalogue plan (missing ${missing.join(', ')})`);
  return rank;
}

function trialDays(env: Env, plans: string[]): Record<string, number> {
  const days: Record<string, number> = {};
  for (const name of Object.keys(env)) {
    const match = /^STRIPE_TRIAL_DAYS_([A-Z0-9_]+)$/.exec(name);
    if (!match || str(env, name) === undefined) continue;
    const plan = match[1].toLowerCase();
    if (!plans.includes(plan)) fail(name, `names no subscription plan of the catalogue (${plans.join(', ') || 'none'})`);
    // Stripe accepts 1 to 730 trial days
    days[plan] = int(env, name, 0, 1, 730);
  }
  return days;
}

/** A feature key as Stripe's Entitlements name them (`lookup_key`: up to 80 characters). */
const FEATURE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/;

/** PLAN_FEATURES_<PLAN>=a,b for ranked plans (PLAN_RANK, which holds every catalogue plan and those only admins grant). */
function planFeatures(env: Env, plans: string[]): Record<string, string[]> {
  const byPlan: Record<string, string[]> = {};
  for (const name of Object.keys(env).sort()) {
    const match = /^PLAN_FEATURES_([A-Z0-9_]+)$/.exec(name);
    const raw = str(env, name);
    if (!match || raw === undefined) continue;
    const plan = match[1].toLowerCase();
    if (!plans.includes(plan)) fail(name, `names no ranked plan (${plans.join(', ') || 'none'})`);
    const features = raw.split(',').map((f) => f.trim());
    const bad = features.find((f) => !FEATURE_KEY.test(f));
    if (bad !== undefined) fail(name, `must be feature keys (letters, digits, _ . : -, up to 80 characters) separated by commas (got "${bad}")`);
    byPlan[plan] = [...new Set(features)].sort();
  }
  return byPlan;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') fail(name, `must be true or false (got "${raw}")`);
  return raw === 'true';
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = str(env, name) ?? fallback;
  if (!values.includes(raw as T)) fail(name, `must be one of ${values.join(', ')} (got "${raw}")`);
  return raw as T;
}

function optionalOneOf<T extends string>(env: Env, name: string, values: readonly T[]): T | undefined {
  return str(env, name) === undefined ? undefined : oneOf(env, name, values, values[0]);
}

/** A random JWT key for development, generated once and kept in the data folder so sessions survive restarts. */
function developmentJwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Validates the environment and builds the typed configuration; throws a one-line ConfigError naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = (str(env, 'NODE_ENV') ?? 'development') as NodeEnv;
  if (!['development', 'production', 'test'].includes(nodeEnv)) fail('NODE_ENV', 'must be development, production or test');
  const production = nodeEnv === 'production';
  const dataDir = resolve(str(env, 'DATA_DIR') ?? '.data');

  const databaseUrl = str(env, 'DATABASE_URL');
  if (databaseUrl !== undefined) url(env, 'DATABASE_URL', '', ['postgres:', 'postgresql:']);
  else if (production) fail('DATABASE_URL', 'is required when NODE_ENV=production');

  let jwtSecret = str(env, 'JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) fail('JWT_SECRET', 'must be at least 32 characters');
  if (jwtSecret === undefined) {
    if (production) fail('JWT_SECRET', 'is required when NODE_ENV=production');
    jwtSecret = developmentJwtSecret(dataDir);
  }

  const adminEmail = str(env, 'ADMIN_EMAIL');
  const adminPassword = str(env, 'ADMIN_PASSWORD');
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) fail('ADMIN_EMAIL', 'must be an email');
  if (adminPassword !== undefined && adminPassword.length < 8) fail('ADMIN_PASSWORD', 'must be at least 8 characters');

  const secretKey = str(env, 'STRIPE_SECRET_KEY');
  if (secretKey !== undefined && !/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(secretKey)) {
    fail('STRIPE_SECRET_KEY', 'must look like sk_test_…, sk_live_…, rk_test_… or rk_live_…');
  }
  const webhookSecrets = (str(env, 'STRIPE_WEBHOOK_SECRET') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (webhookSecrets.some((s) => !/^whsec_[A-Za-z0-9+/=_-]+$/.test(s))) fail('STRIPE_WEBHOOK_SECRET', 'must be whsec_… values, comma-separated');

  const port = int(env, 'PORT', 3000, 0, 65535);
  const prices = catalogue(env);
  const successUrl = url(env, 'CHECKOUT_SUCCESS_URL', `http://localhost:${port}/checkout/success?session_id={CHECKOUT_SESSION_ID}`, ['http:', 'https:']);
  const cancelUrl = url(env, 'CHECKOUT_CANCEL_URL', `http://localhost:${port}/checkout/cancel`, ['http:', 'https:']);
  const portalReturnUrl = url(env, 'BILLING_PORTAL_RETURN_URL', new URL(successUrl.replace('{CHECKOUT_SESSION_ID}', 'x')).origin + '/', ['http:', 'https:']);

  const cors = str(env, 'CORS_ORIGINS');
  const corsOrigins: string[] | '*' | false = cors
    ? cors
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)
    : production
      ? false
      : '*';

  const logLevel = (str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info')) as AppConfig['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) fail('LOG_LEVEL', 'must be one of fatal, error, warn, info, debug, trace, silent');
  const metricsToken = str(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) fail('METRICS_TOKEN', 'must be at least 16 characters');

  const emulatorMode = oneOf(env, 'STRIPE_EMULATOR', ['on', 'off', 'auto'] as const, 'auto');

  const groupMax = int(env, 'WEBHOOK_GROUP_COMMIT_MAX_EVENTS', 16, 1, 100);
  const groupMinBeside = int(env, 'WEBHOOK_GROUP_COMMIT_MIN_EVENTS', Math.min(4, groupMax), 1, 100);
  if (groupMinBeside > groupMax) fail('WEBHOOK_GROUP_COMMIT_MIN_EVENTS', `must not exceed WEBHOOK_GROUP_COMMIT_MAX_EVENTS (${groupMax})`);

  const trustRaw = str(env, 'TRUST_PROXY');
  const trustProxy = trustRaw === undefined || trustRaw === 'false' ? false : trustRaw === 'true' ? true : /^\d+$/.test(trustRaw) ? Number(trustRaw) : trustRaw;

  const config: AppConfig = {
    env: nodeEnv,
    port,
    dataDir,
    database: { url: databaseUrl, poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 200) },
    auth: {
      jwtSecret,
      accessTtlSeconds: duration(env, 'JWT_ACCESS_TTL', '15m'),
      refreshTtlSeconds: duration(env, 'JWT_REFRESH_TTL', '30d'),
      loginLimitPerIp: int(env, 'LOGIN_RATE_LIMIT_PER_IP', 20, 1, 1_000_000),
      loginLimitPerEmail: int(env, 'LOGIN_RATE_LIMIT_PER_EMAIL', 5, 1, 1_000_000),
      loginWindowSeconds: int(env, 'LOGIN_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
      adminPromoteExisting: bool(env, 'ADMIN_PROMOTE_EXISTING', false),
      registerLimitPerIp: int(env, 'REGISTER_RATE_LIMIT_PER_IP', 10, 1, 1_000_000),
      refreshLimitPerIp: int(env, 'REFRESH_RATE_LIMIT_PER_IP', 30, 1, 1_000_000),
      billingLimitPerUser: int(env, 'BILLING_RATE_LIMIT_PER_USER', 20, 1, 1_000_000),
      rateLimitWindowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86400),
      refreshTokenGraceDays: int(env, 'REFRESH_TOKEN_GRACE_DAYS', 7, 1, 3650),
    },
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
    stripe: {
      secretKey,
      mode: secretKey ? (secretKey.includes('_live_') ? 'live' : 'test') : null,
      apiUrl: url(env, 'STRIPE_API_URL', 'https://api.stripe.com', ['http:', 'https:']),
      webhookSecrets,
      webhookToleranceSeconds: int(env, 'STRIPE_WEBHOOK_TOLERANCE_SECONDS', 300, 1, 86400),
      webhookGroupCommit: {
        concurrency: int(env, 'WEBHOOK_GROUP_COMMIT_CONCURRENCY', 2, 0, 200),
        maxBatch: groupMax,
        minBatchBeside: groupMinBeside,
      },
      recoveryIntervalSeconds: int(env, 'STRIPE_RECOVERY_INTERVAL_SECONDS', 300, 0, 86400),
      eventRetentionDays: int(env, 'STRIPE_EVENT_RETENTION_DAYS', 90, 1, 3650),
      retentionIntervalSeconds: int(env, 'RETENTION_INTERVAL_SECONDS', 3600, 1, 86400),
      timeoutMs: int(env, 'STRIPE_TIMEOUT_MS', 8000, 500, 120_000),
      maxNetworkRetries: int(env, 'STRIPE_MAX_NETWORK_RETRIES', 1, 0, 5),
      maxConcurrency: int(env, 'STRIPE_MAX_CONCURRENCY', 16, 1, 10_000),
      emulator: emulatorMode === 'auto' ? undefined : emulatorMode,
    },
    billing: {
      catalogue: prices,
      successUrl,
      cancelUrl,
      portalReturnUrl,
      planRank: planRank(env, prices),
      pastDueGrants: bool(env, 'SUBSCRIPTION_PAST_DUE_GRANTS', true),
      trialDays: trialDays(env, [...new Set(prices.filter((p) => p.mode === 'subscription').map((p) => p.plan))]),
      prorationBehavior: oneOf(env, 'SUBSCRIPTION_PRORATION_BEHAVIOR', ['create_prorations', 'always_invoice', 'none'] as const, 'always_invoice'),
      refundRevokesGrant: bool(env, 'REFUND_REVOKES_GRANT', true),
      disputeSuspendsGrant: bool(env, 'DISPUTE_SUSPENDS_GRANT', true),
    },
    checkout: {
      returnUrl: url(env, 'CHECKOUT_RETURN_URL', successUrl, ['http:', 'https:']),
      allowPromotionCodes: bool(env, 'CHECKOUT_ALLOW_PROMOTION_CODES', false),
      automaticTax: bool(env, 'CHECKOUT_AUTOMATIC_TAX', false),
      taxIdCollection: bool(env, 'CHECKOUT_TAX_ID_COLLECTION', false),
      billingAddressCollection: optionalOneOf(env, 'CHECKOUT_BILLING_ADDRESS', ['auto', 'required'] as const),
      termsOfService: optionalOneOf(env, 'CHECKOUT_TERMS_OF_SERVICE', ['required', 'none'] as const),
    },
    features: { byPlan: planFeatures(env, planRank(env, prices)) },
    usage: usageConfig(env, planRank(env, prices)),
    http: { corsOrigins, trustProxy, bodyLimit: str(env, 'BODY_LIMIT') ?? '256kb', metricsToken, docsEnabled: bool(env, 'DOCS_ENABLED', true) },
    limits: loadLimits((name, fallback, min, max) => int(env, name, fallback, min, max)),
    // `npm run build` writes the console to dist/admin-console (relative to the working directory, like DATA_DIR)
    adminConsole: { enabled: bool(env, 'ADMIN_CONSOLE_ENABLED', true), dir: resolve(str(env, 'ADMIN_CONSOLE_DIR') ?? 'dist/admin-console') },
    logLevel,
  };
  return config;
}

/**
 * What serving HTTP needs beyond a valid configuration. Kept apart from loadConfig because command-line
 * scripts (migrate, recover) load the same configuration in production and serve nothing.
 */
export function assertServable(config: AppConfig): void {
  if (config.env === 'production' && !config.http.metricsToken) {
    fail('METRICS_TOKEN', 'is required when NODE_ENV=production (GET /metrics then needs Authorization: Bearer <METRICS_TOKEN>)');
  }
}
