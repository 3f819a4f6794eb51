import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDuration } from './duration.js';

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
  };
  abstract admin?: { email: string; password: string };
  abstract stripe: {
    secretKey?: string;
    mode: 'test' | 'live' | null;
    apiUrl: string;
    webhookSecrets: string[];
    webhookToleranceSeconds: number;
    recoveryIntervalSeconds: number;
    eventRetentionDays: number;
  };
  abstract billing: {
    catalogue: CataloguePrice[];
    successUrl: string;
    cancelUrl: string;
    portalReturnUrl: string;
  };
  abstract http: {
    corsOrigins: string[] | '*' | false;
    trustProxy: boolean | number | string;
    bodyLimit: string;
    /** when set, GET /metrics needs `Authorization: Bearer <token>` */
    metricsToken?: string;
  };
  abstract logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const PRICE_VAR = /^STRIPE_PRICE_([A-Z0-9]+(?:_[A-Z0-9]+)*)_(MONTHLY|YEARLY|ONCE)$/;
const INTERVALS: Record<string, PriceInterval> = { MONTHLY: 'month', YEARLY: 'year', ONCE: 'once' };

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

function catalogue(env: Env): CataloguePrice[] {
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
  const successUrl = url(env, 'CHECKOUT_SUCCESS_URL', `http://localhost:${port}/checkout/success?session_id={CHECKOUT_SESSION_ID}`, ['http:', 'https:']);
  const cancelUrl = url(env, 'CHECKOUT_CANCEL_URL', `http://localhost:${port}/checkout/cancel`, ['http:', 'https:']);
  const portalReturnUrl = url(env, 'BILLING_PORTAL_RETURN_URL', new URL(successUrl.replace('{CHECKOUT_SESSION_ID}', 'x')).origin + '/', ['http:', 'https:']);

  const cors = str(env, 'CORS_ORIGINS');
  const corsOrigins: string[] | '*' | false = cors
    ? cors.split(',').map((o) => o.trim()).filter(Boolean)
    : production
      ? false
      : '*';

  const logLevel = (str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info')) as AppConfig['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) fail('LOG_LEVEL', 'must be one of fatal, error, warn, info, debug, trace, silent');
  const metricsToken = str(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) fail('METRICS_TOKEN', 'must be at least 16 characters');

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
    },
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
    stripe: {
      secretKey,
      mode: secretKey ? (secretKey.includes('_live_') ? 'live' : 'test') : null,
      apiUrl: url(env, 'STRIPE_API_URL', 'https://api.stripe.com', ['http:', 'https:']),
      webhookSecrets,
      webhookToleranceSeconds: int(env, 'STRIPE_WEBHOOK_TOLERANCE_SECONDS', 300, 1, 86400),
      recoveryIntervalSeconds: int(env, 'STRIPE_RECOVERY_INTERVAL_SECONDS', 300, 0, 86400),
      eventRetentionDays: int(env, 'STRIPE_EVENT_RETENTION_DAYS', 90, 1, 3650),
    },
    billing: { catalogue: catalogue(env), successUrl, cancelUrl, portalReturnUrl },
    http: { corsOrigins, trustProxy, bodyLimit: str(env, 'BODY_LIMIT') ?? '256kb', metricsToken },
    logLevel,
  };
  return config;
}
