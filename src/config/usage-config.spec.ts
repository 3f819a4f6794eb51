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
