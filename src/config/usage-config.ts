import { ConfigError } from './app-config.js';

/** `month`: the granting subscription's billing period (UTC calendar month without one); `day`: the UTC day; `none`: a standing cap. */
export type UsagePeriod = 'month' | 'day' | 'none';

export interface FeatureLimit {
  feature: string;
  amount: number;
  period: UsagePeriod;
}

/** The usage configuration (PLAN_LIMITS_<PLAN>). */
export interface UsageConfig {
  /** by plan (`free` included), by feature */
  limits: Record<string, Record<string, FeatureLimit>>;
  /** every feature some plan limits, sorted: the features the usage API knows */
  features: string[];
  /** USAGE_EXAMPLE_ROUTES: serve the example routes of @RequiresFeature and @TracksUsage under /api/examples */
  exampleRoutes: boolean;
  /** PLAN_OVERAGE_<PLAN>: the features that plan may use past its limit (billed through the feature's meter), by plan */
  overage: Record<string, string[]>;
  /** STRIPE_METER_<FEATURE>: the Billing Meter's `event_name`, by feature */
  meters: Record<string, string>;
  /** USAGE_METER_FLUSH_SECONDS: how often the overage outbox is sent to Stripe (0: never on a timer) */
  meterFlushSeconds: number;
  /** CREDIT_PACK_<NAME>=<price id>:<feature>:<amount>: prepaid credits sold through one-time Checkout Sessions */
  creditPacks: CreditPack[];
  /**
   * group commit of tracks (see database/group-commit.ts): at most `concurrency` transactions of tracks at once per
   * instance (USAGE_GROUP_COMMIT_CONCURRENCY, 0: each track its own transaction), each of up to `maxBatch` tracks
   * (USAGE_GROUP_COMMIT_MAX_TRACKS); one beside a running one when `minBatchBeside` wait (USAGE_GROUP_COMMIT_MIN_TRACKS)
   */
  trackGroupCommit: { concurrency: number; maxBatch: number; minBatchBeside: number };
}

export interface CreditPack {
  /** lower-cased `<NAME>` */
  name: string;
  priceId: string;
  feature: string;
  credits: number;
}

type Env = Record<string, string | undefined>;

/** The largest amount one limit, one track or one credit grant may name (fits a bigint sum with room to spare). */
export const MAX_USAGE_AMOUNT = 1_000_000_000;
/** A metered feature's key: like a PLAN_FEATURES key, without `:` (which separates the amount). */
export const USAGE_FEATURE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const ENTRY = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,79}):(\d{1,10})(?:\/(month|day))?$/;

function fail(name: string, problem: string): never {
  throw new ConfigError(`Invalid configuration: ${name} ${problem}`);
}

/**
 * PLAN_LIMITS_<PLAN>=feature:amount[/period],… for `free` and the ranked plans (PLAN_RANK). A plan that names no
 * limit for a feature another plan limits gets 0 of it (the feature is not part of that plan).
 */
export function usageConfig(env: Env, rankedPlans: string[]): UsageConfig {
  const limits: Record<string, Record<string, FeatureLimit>> = {};
  const features = new Set<string>();
  for (const name of Object.keys(env).sort()) {
    const match = /^PLAN_LIMITS_([A-Z0-9_]+)$/.exec(name);
    const raw = env[name]?.trim();
    if (!match || !raw) continue;
    const plan = match[1].toLowerCase();
    if (plan !== 'free' && !rankedPlans.includes(plan)) fail(name, `names no ranked plan (free, ${rankedPlans.join(', ') || 'none'})`);
    const byFeature: Record<string, FeatureLimit> = {};
    for (const entry of raw.split(',').map((e) => e.trim())) {
      const parsed = ENTRY.exec(entry);
      if (!parsed) fail(name, `must be feature:amount[/month|/day] entries separated by commas (got "${entry}")`);
      const [, feature, amountText, period] = parsed;
      const amount = Number(amountText);
      if (amount > MAX_USAGE_AMOUNT) fail(name, `allows at most ${MAX_USAGE_AMOUNT} of a feature (got ${amount} ${feature})`);
      if (byFeature[feature]) fail(name, `names ${feature} twice`);
      byFeature[feature] = { feature, amount, period: (period as UsagePeriod | undefined) ?? 'none' };
      features.add(feature);
    }
    limits[plan] = byFeature;
  }
  const example = env.USAGE_EXAMPLE_ROUTES?.trim() || 'false';
  if (example !== 'true' && example !== 'false') fail('USAGE_EXAMPLE_ROUTES', `must be true or false (got "${example}")`);
  const meters = meterNames(env, features);
  return {
    limits,
    features: [...features].sort(),
    exampleRoutes: example === 'true',
    overage: overagePlans(env, rankedPlans, features, meters),
    meters,
    meterFlushSeconds: flushSeconds(env),
    creditPacks: creditPacks(env, features),
    trackGroupCommit: trackGroupCommit(env),
  };
}

const PACK = /^(price_[A-Za-z0-9_]{1,200}):([A-Za-z0-9][A-Za-z0-9_.-]{0,79}):(\d{1,10})$/;

/** CREDIT_PACK_<NAME>=<price id>:<feature>:<amount>, for a feature some plan limits; one pack per price. */
function creditPacks(env: Env, features: Set<string>): CreditPack[] {
  const packs: CreditPack[] = [];
  for (const name of Object.keys(env).sort()) {
    const match = /^CREDIT_PACK_([A-Z0-9_]{1,64})$/.exec(name);
    const raw = env[name]?.trim();
    if (!match || !raw) continue;
    const parsed = PACK.exec(raw);
    if (!parsed) fail(name, `must be <price id>:<feature>:<amount> (got "${raw}")`);
    const [, priceId, feature, amountText] = parsed;
    const credits = Number(amountText);
    if (!features.has(feature)) fail(name, `names ${feature}, which no PLAN_LIMITS_<PLAN> limits`);
    if (credits < 1 || credits > MAX_USAGE_AMOUNT) fail(name, `must give between 1 and ${MAX_USAGE_AMOUNT} credits (got ${credits})`);
    if (packs.some((p) => p.priceId === priceId)) fail(name, `uses price ${priceId}, which another pack uses`);
    packs.push({ name: match[1].toLowerCase(), priceId, feature, credits });
  }
  return packs;
}

/** STRIPE_METER_<FEATURE>=<event name>: `<FEATURE>` is the feature upper-cased (`ai_tokens` → STRIPE_METER_AI_TOKENS). */
function meterNames(env: Env, features: Set<string>): Record<string, string> {
  const meters: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const match = /^STRIPE_METER_([A-Z0-9_]+)$/.exec(name);
    const raw = env[name]?.trim();
    if (!match || !raw) continue;
    const feature = [...features].find((f) => f.toUpperCase() === match[1]);
    if (!feature) fail(name, `names no limited feature (${[...features].sort().join(', ') || 'none: set PLAN_LIMITS_<PLAN> first'})`);
    // Stripe's event_name: up to 100 characters
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(raw)) fail(name, `must be a Billing Meter event name (letters, digits, _ . : -, up to 100 characters; got "${raw}")`);
    meters[feature] = raw;
  }
  return meters;
}

/** PLAN_OVERAGE_<PLAN>=feature,…: each feature limited and metered (STRIPE_METER_<FEATURE>), since overage is billed. */
function overagePlans(env: Env, rankedPlans: string[], features: Set<string>, meters: Record<string, string>): Record<string, string[]> {
  const overage: Record<string, string[]> = {};
  for (const name of Object.keys(env).sort()) {
    const match = /^PLAN_OVERAGE_([A-Z0-9_]+)$/.exec(name);
    const raw = env[name]?.trim();
    if (!match || !raw) continue;
    const plan = match[1].toLowerCase();
    if (plan !== 'free' && !rankedPlans.includes(plan)) fail(name, `names no ranked plan (free, ${rankedPlans.join(', ') || 'none'})`);
    const list = [...new Set(raw.split(',').map((f) => f.trim()))];
    for (const feature of list) {
      if (!features.has(feature)) fail(name, `names ${feature}, which no PLAN_LIMITS_<PLAN> limits`);
      if (!meters[feature]) fail(name, `lets ${feature} go past its limit, but STRIPE_METER_${feature.toUpperCase()} names no meter to bill it`);
    }
    overage[plan] = list.sort();
  }
  return overage;
}

function flushSeconds(env: Env): number {
  return whole(env, 'USAGE_METER_FLUSH_SECONDS', 60, 0, 86400, 'a whole number of seconds');
}

function trackGroupCommit(env: Env): UsageConfig['trackGroupCommit'] {
  const concurrency = whole(env, 'USAGE_GROUP_COMMIT_CONCURRENCY', 2, 0, 64, 'a whole number');
  const maxBatch = whole(env, 'USAGE_GROUP_COMMIT_MAX_TRACKS', 32, 1, 500, 'a whole number');
  const minBatchBeside = whole(env, 'USAGE_GROUP_COMMIT_MIN_TRACKS', Math.min(4, maxBatch), 1, 500, 'a whole number');
  if (minBatchBeside > maxBatch) fail('USAGE_GROUP_COMMIT_MIN_TRACKS', `must not exceed USAGE_GROUP_COMMIT_MAX_TRACKS (${maxBatch})`);
  return { concurrency, maxBatch, minBatchBeside };
}

function whole(env: Env, name: string, fallback: number, min: number, max: number, what: string): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) fail(name, `must be ${what} from ${min} to ${max} (got "${raw}")`);
  return Number(raw);
}
