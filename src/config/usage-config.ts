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
  return { limits, features: [...features].sort(), exampleRoutes: example === 'true' };
}
