import request from 'supertest';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config/app-config.js';
import { StripeConfigCheckService } from '../../src/stripe-check/stripe-config-check.service.js';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { baseTestEnv, createTestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { bearer, registerAdmin, registerUser } from '../support/factories.js';
import { PRICES, startEmulator, stripeEnv } from '../support/stripe-emulator.js';

describe('Stripe configuration self-check', () => {
  let stripe: StripeEmulator;
  beforeAll(async () => {
    stripe = await startEmulator({
      prices: [
        { id: PRICES.proMonthly, interval: 'month' },
        { id: 'price_yearly_but_monthly', interval: 'month' },
        { id: 'price_archived', interval: 'once', active: false },
      ],
    });
  });
  afterAll(() => stripe.close());

  it('reports each catalogue price as Stripe returns it at GET /api/admin/stripe/status', async () => {
    const t = await createTestApp({
      ...stripeEnv(stripe),
      STRIPE_PRICE_PRO_YEARLY: 'price_yearly_but_monthly',
      STRIPE_PRICE_LIFETIME_ONCE: 'price_archived',
      STRIPE_PRICE_GHOST_MONTHLY: 'price_unknown_to_stripe',
    });
    try {
      const admin = await registerAdmin(t);
      // outside production the check runs in the background after start
      await t.app.get(StripeConfigCheckService).settled();
      const res = await request(t.http).get('/api/admin/stripe/status').set(bearer(admin.accessToken)).expect(200);
      expect(res.body).toMatchObject({ mode: 'test', webhookSecrets: 1, pending: false });
      const byPrice = Object.fromEntries(res.body.prices.map((p: { priceId: string }) => [p.priceId, p]));
      expect(byPrice[PRICES.proMonthly]).toEqual({ plan: 'pro', interval: 'month', priceId: PRICES.proMonthly, ok: true, problem: null });
      expect(byPrice.price_yearly_but_monthly).toMatchObject({ ok: false, problem: 'the price recurs every month, the variable says year' });
      expect(byPrice.price_archived).toMatchObject({ ok: false, problem: expect.stringContaining('inactive') });
      expect(byPrice.price_unknown_to_stripe).toMatchObject({ ok: false, problem: expect.stringContaining('unknown to Stripe') });
      const user = await registerUser(t);
      await request(t.http).get('/api/admin/stripe/status').set(bearer(user.accessToken)).expect(403);
      await request(t.http).get('/api/admin/stripe/status').expect(401);
    } finally {
      await t.close();
    }
  });

  it('stops a production start when a catalogue price is unknown to Stripe, with one line naming it', async () => {
    const database = await createTestDatabase();
    try {
      const config = loadConfig({ ...baseTestEnv(database.url), ...stripeEnv(stripe), NODE_ENV: 'production', STRIPE_PRICE_GHOST_MONTHLY: 'price_unknown_to_stripe' });
      const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(/STRIPE_PRICE_GHOST_MONTHLY \(price_unknown_to_stripe\): the price is unknown to Stripe/);
      await app.close().catch(() => undefined);
    } finally {
      await database.drop();
    }
  });

  it('stops a production start without a webhook secret', async () => {
    const database = await createTestDatabase();
    try {
      const config = loadConfig({
        ...baseTestEnv(database.url),
        ...stripeEnv(stripe),
        NODE_ENV: 'production',
        STRIPE_WEBHOOK_SECRET: '',
        STRIPE_PRICE_PRO_YEARLY: '',
        STRIPE_PRICE_LIFETIME_ONCE: '',
      });
      const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(/STRIPE_WEBHOOK_SECRET is not set/);
      await app.close().catch(() => undefined);
    } finally {
      await database.drop();
    }
  });
});
