import { ConfigError, loadConfig } from './app-config.js';

const base = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://u:p@localhost:5432/db', STRIPE_PRICE_PRO_MONTHLY: 'price_1' };

describe('PLAN_LIMITS_<PLAN>', () => {
  it('reads feature:amount[/period] for free and the ranked plans', () => {
    const config = loadConfig({ ...base, PLAN_LIMITS_FREE: 'ai_tokens:1000/month, projects:3', PLAN_LIMITS_PRO: 'ai_tokens:100000/month,exports:20/day' });
    expect(config.usage.features).toEqual(['ai_tokens', 'exports', 'projects']);
    expect(config.usage.limits.free.projects).toEqual({ feature: 'projects', amount: 3, period: 'none' });
    expect(config.usage.limits.pro.exports).toEqual({ feature: 'exports', amount: 20, period: 'day' });
    expect(config.usage.exampleRoutes).toBe(false);
  });

  it.each([
    [{ PLAN_LIMITS_GOLD: 'a:1' }, /PLAN_LIMITS_GOLD names no ranked plan/],
    [{ PLAN_LIMITS_FREE: 'a:1/week' }, /PLAN_LIMITS_FREE must be feature:amount/],
    [{ PLAN_LIMITS_FREE: 'a:-1' }, /PLAN_LIMITS_FREE must be feature:amount/],
    [{ PLAN_LIMITS_FREE: 'a:1,a:2' }, /names a twice/],
    [{ PLAN_LIMITS_FREE: 'a:1000000001' }, /at most 1000000000/],
    [{ USAGE_EXAMPLE_ROUTES: 'yes' }, /USAGE_EXAMPLE_ROUTES must be true or false/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});

describe('PLAN_OVERAGE_<PLAN> and STRIPE_METER_<FEATURE>', () => {
  const limits = { PLAN_LIMITS_PRO: 'ai_tokens:1000/month' };

  it('reads the overage plans, the meters and the flush interval', () => {
    const config = loadConfig({ ...base, ...limits, PLAN_OVERAGE_PRO: 'ai_tokens', STRIPE_METER_AI_TOKENS: 'ai_tokens_used', USAGE_METER_FLUSH_SECONDS: '30' });
    expect(config.usage).toMatchObject({ overage: { pro: ['ai_tokens'] }, meters: { ai_tokens: 'ai_tokens_used' }, meterFlushSeconds: 30 });
    expect(loadConfig(base).usage.meterFlushSeconds).toBe(60);
  });

  it.each([
    [{ PLAN_OVERAGE_PRO: 'ai_tokens' }, /STRIPE_METER_AI_TOKENS names no meter/],
    [{ PLAN_OVERAGE_PRO: 'seats', STRIPE_METER_AI_TOKENS: 'x' }, /names seats, which no PLAN_LIMITS/],
    [{ STRIPE_METER_SEATS: 'x' }, /STRIPE_METER_SEATS names no limited feature/],
    [{ STRIPE_METER_AI_TOKENS: 'bad name!' }, /must be a Billing Meter event name/],
    [{ USAGE_METER_FLUSH_SECONDS: '-1' }, /USAGE_METER_FLUSH_SECONDS/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig({ ...base, ...limits, ...env })).toThrow(message);
  });
});

describe('USAGE_GROUP_COMMIT_*', () => {
  it('reads the group commit of tracks, 2 transactions of up to 32 tracks (4 to start one beside) by default', () => {
    expect(loadConfig(base).usage.trackGroupCommit).toEqual({ concurrency: 2, maxBatch: 32, minBatchBeside: 4 });
    const config = loadConfig({ ...base, USAGE_GROUP_COMMIT_CONCURRENCY: '0', USAGE_GROUP_COMMIT_MAX_TRACKS: '2' });
    expect(config.usage.trackGroupCommit).toEqual({ concurrency: 0, maxBatch: 2, minBatchBeside: 2 });
  });

  it.each([
    [{ USAGE_GROUP_COMMIT_CONCURRENCY: 'many' }, /USAGE_GROUP_COMMIT_CONCURRENCY/],
    [{ USAGE_GROUP_COMMIT_MAX_TRACKS: '0' }, /USAGE_GROUP_COMMIT_MAX_TRACKS/],
    [{ USAGE_GROUP_COMMIT_MAX_TRACKS: '4', USAGE_GROUP_COMMIT_MIN_TRACKS: '5' }, /must not exceed USAGE_GROUP_COMMIT_MAX_TRACKS/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
