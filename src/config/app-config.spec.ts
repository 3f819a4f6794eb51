import { ConfigError, loadConfig } from './app-config.js';

const base = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://u:p@localhost:5432/db' };

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(3000);
    expect(config.auth.accessTtlSeconds).toBe(900);
    expect(config.auth.refreshTtlSeconds).toBe(30 * 86400);
    expect(config.stripe).toMatchObject({
      secretKey: undefined,
      mode: null,
      apiUrl: 'https://api.stripe.com',
      webhookToleranceSeconds: 300,
      recoveryIntervalSeconds: 300,
      eventRetentionDays: 90,
      webhookGroupCommit: { concurrency: 2, maxBatch: 16, minBatchBeside: 4 },
    });
    expect(config.billing.portalReturnUrl).toBe('http://localhost:3000/');
  });

  it('applies the documented abuse and load defaults (docs/security.md), and refuses a request timeout shorter than the headers timeout', () => {
    expect(loadConfig(base).limits).toEqual({
      checkoutPerUser: 10,
      previewPerUser: 30,
      subscriptionPerUser: 10,
      maxOpenSessionsPerUser: 3,
      checkoutQueuePerUser: 5,
      checkoutQueueWaitMs: 20_000,
      loginAllPerIp: 60,
      loginAllPerEmail: 10,
      refreshTokensPerUser: 10,
      stripeConcurrencyPerUser: 4,
      server: { headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5000, maxConnections: 1000 },
    });
    expect(() => loadConfig({ ...base, HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(/HTTP_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ ...base, CHECKOUT_RATE_LIMIT_PER_USER: 'many' })).toThrow(/CHECKOUT_RATE_LIMIT_PER_USER/);
  });

  it('reads the price catalogue from STRIPE_PRICE_<PLAN>_<INTERVAL>', () => {
    const config = loadConfig({ ...base, STRIPE_PRICE_PRO_MONTHLY: 'price_1', STRIPE_PRICE_PRO_YEARLY: 'price_2', STRIPE_PRICE_LIFETIME_ONCE: 'price_3' });
    expect(config.billing.catalogue).toEqual([
      { plan: 'lifetime', interval: 'once', priceId: 'price_3', mode: 'payment' },
      { plan: 'pro', interval: 'month', priceId: 'price_1', mode: 'subscription' },
      { plan: 'pro', interval: 'year', priceId: 'price_2', mode: 'subscription' },
    ]);
  });

  it('accepts several comma-separated webhook secrets and knows the key mode', () => {
    const config = loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_a, whsec_b' });
    expect(config.stripe.webhookSecrets).toEqual(['whsec_a', 'whsec_b']);
    expect(config.stripe.mode).toBe('live');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ JWT_ACCESS_TTL: '15 minutes' }, 'JWT_ACCESS_TTL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ STRIPE_SECRET_KEY: 'pk_test_123' }, 'STRIPE_SECRET_KEY'],
    [{ STRIPE_WEBHOOK_SECRET: 'secret' }, 'STRIPE_WEBHOOK_SECRET'],
    [{ STRIPE_PRICE_PRO_WEEKLY: 'price_1' }, 'STRIPE_PRICE_PRO_WEEKLY'],
    [{ STRIPE_PRICE_PRO_MONTHLY: 'prod_1' }, 'STRIPE_PRICE_PRO_MONTHLY'],
    [{ CHECKOUT_SUCCESS_URL: 'not a url' }, 'CHECKOUT_SUCCESS_URL'],
    [{ STRIPE_EVENT_RETENTION_DAYS: '-1' }, 'STRIPE_EVENT_RETENTION_DAYS'],
    [{ WEBHOOK_GROUP_COMMIT_CONCURRENCY: 'many' }, 'WEBHOOK_GROUP_COMMIT_CONCURRENCY'],
    [{ WEBHOOK_GROUP_COMMIT_MAX_EVENTS: '0' }, 'WEBHOOK_GROUP_COMMIT_MAX_EVENTS'],
    [{ WEBHOOK_GROUP_COMMIT_MIN_EVENTS: '0' }, 'WEBHOOK_GROUP_COMMIT_MIN_EVENTS'],
    [{ WEBHOOK_GROUP_COMMIT_MIN_EVENTS: '5', WEBHOOK_GROUP_COMMIT_MAX_EVENTS: '4' }, 'WEBHOOK_GROUP_COMMIT_MIN_EVENTS'],
    [{ NODE_ENV: 'production', JWT_SECRET: '' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', DATABASE_URL: '' }, 'DATABASE_URL'],
  ])('stops on %j with one line naming %s', (env, name) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain('\n');
  });
});
