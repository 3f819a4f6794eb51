import { ConfigError, loadConfig } from './app-config.js';

/** Issue 18: the CHECKOUT_* options and PLAN_FEATURES_<PLAN>. */
const base = {
  NODE_ENV: 'test',
  JWT_SECRET: 'x'.repeat(32),
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  STRIPE_PRICE_PRO_MONTHLY: 'price_1',
  STRIPE_PRICE_LIFETIME_ONCE: 'price_2',
};

describe('checkout options and plan features', () => {
  it('defaults: every option off, the return URL is the success URL, no features', () => {
    const config = loadConfig({ ...base, CHECKOUT_SUCCESS_URL: 'https://app.example.com/done?session_id={CHECKOUT_SESSION_ID}' });
    expect(config.checkout).toEqual({
      returnUrl: 'https://app.example.com/done?session_id={CHECKOUT_SESSION_ID}',
      allowPromotionCodes: false,
      automaticTax: false,
      taxIdCollection: false,
      billingAddressCollection: undefined,
      termsOfService: undefined,
    });
    expect(config.features.byPlan).toEqual({});
  });

  it("reads every option, and each plan's features sorted and once", () => {
    const config = loadConfig({
      ...base,
      PLAN_RANK: 'pro,team,lifetime',
      CHECKOUT_RETURN_URL: 'https://app.example.com/return?session_id={CHECKOUT_SESSION_ID}',
      CHECKOUT_ALLOW_PROMOTION_CODES: 'true',
      CHECKOUT_AUTOMATIC_TAX: 'true',
      CHECKOUT_TAX_ID_COLLECTION: 'true',
      CHECKOUT_BILLING_ADDRESS: 'required',
      CHECKOUT_TERMS_OF_SERVICE: 'required',
      PLAN_FEATURES_PRO: 'reports, api_access,reports',
      PLAN_FEATURES_TEAM: 'seats',
    });
    expect(config.checkout).toEqual({
      returnUrl: 'https://app.example.com/return?session_id={CHECKOUT_SESSION_ID}',
      allowPromotionCodes: true,
      automaticTax: true,
      taxIdCollection: true,
      billingAddressCollection: 'required',
      termsOfService: 'required',
    });
    expect(config.features.byPlan).toEqual({ pro: ['api_access', 'reports'], team: ['seats'] });
  });

  it.each([
    [{ CHECKOUT_RETURN_URL: 'not a url' }, 'CHECKOUT_RETURN_URL'],
    [{ CHECKOUT_RETURN_URL: 'ftp://example.com/x' }, 'CHECKOUT_RETURN_URL'],
    [{ CHECKOUT_ALLOW_PROMOTION_CODES: 'yes' }, 'CHECKOUT_ALLOW_PROMOTION_CODES'],
    [{ CHECKOUT_AUTOMATIC_TAX: '1' }, 'CHECKOUT_AUTOMATIC_TAX'],
    [{ CHECKOUT_TAX_ID_COLLECTION: 'on' }, 'CHECKOUT_TAX_ID_COLLECTION'],
    [{ CHECKOUT_BILLING_ADDRESS: 'always' }, 'CHECKOUT_BILLING_ADDRESS'],
    [{ CHECKOUT_TERMS_OF_SERVICE: 'optional' }, 'CHECKOUT_TERMS_OF_SERVICE'],
    [{ PLAN_FEATURES_GOLD: 'a' }, 'PLAN_FEATURES_GOLD'],
    [{ PLAN_FEATURES_PRO: 'api access' }, 'PLAN_FEATURES_PRO'],
    [{ PLAN_FEATURES_PRO: 'a,,b' }, 'PLAN_FEATURES_PRO'],
    [{ PLAN_FEATURES_PRO: 'x'.repeat(81) }, 'PLAN_FEATURES_PRO'],
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
