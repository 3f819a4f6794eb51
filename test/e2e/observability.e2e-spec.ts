import { Writable } from 'node:stream';
import request from 'supertest';
import { checkoutSessionObject, eventObject } from '../../stripe-emulator/objects.js';
import { JsonLogger } from '../../src/observability/json-logger.js';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { bearer, insertStripeEvent, registerUser } from '../support/factories.js';
import { deliver, signPayload, WEBHOOK_SECRET } from '../support/webhooks.js';

class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer, _: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('Observability', () => {
  const logs = new MemoryStream();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY: 'price_pro_monthly' }, undefined, { logger: new JsonLogger('info', logs) });
  });
  afterAll(() => t.close());

  /** A sample's value in Prometheus text (0 when the series is not there yet). */
  const sample = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  it('GET /metrics serves Prometheus text with HTTP, webhook, failed-event and pool metrics', async () => {
    // counters are read before and after, so the other tests' deliveries to this app (in any order) do not count
    const before = (await request(t.http).get('/metrics').expect(200)).text;
    const user = await registerUser(t);
    await request(t.http).get(`/api/billing/checkout-sessions/${user.id}`).set(bearer(user.accessToken)).expect(404);
    await deliver(t, eventObject('checkout.session.expired', checkoutSessionObject({ status: 'expired' }))).expect(200);
    await deliver(t, eventObject('customer.tax_id.created', { id: 'txi_1' })).expect(200);
    await insertStripeEvent(t.db, { id: 'evt_failed_metric', status: 'failed', receivedAt: new Date(Date.now() - 90_000) });

    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    const added = (series: string) => sample(text, series) - sample(before, series);
    expect(added('http_request_duration_seconds_count{method="GET",route="/api/billing/checkout-sessions/:id",status="404"}')).toBe(1);
    expect(text).not.toContain(user.id);
    expect(added('stripe_webhook_events_total{type="checkout.session.expired",outcome="processed"}')).toBe(1);
    expect(added('stripe_webhook_events_total{type="customer.tax_id.created",outcome="ignored"}')).toBe(1);
    expect(added('stripe_webhook_handler_duration_seconds_count{type="checkout.session.expired"}')).toBe(1);
    expect(added('stripe_webhook_lag_seconds_count')).toBe(2);
    expect(text).toMatch(/stripe_webhook_failed_events 1/);
    const age = Number(/^stripe_webhook_oldest_failed_age_seconds (\S+)$/m.exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(89);
    expect(text).toMatch(/db_pool_connections\{state="total"\} \d+/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('writes JSON logs with request id, route, status and duration, and webhook outcomes, never secrets', async () => {
    const password = 'a-very-secret-password-123';
    const email = `logs-${Date.now()}@example.com`;
    const reg = await request(t.http).post('/api/auth/register').set('x-request-id', 'req-logs-1').send({ email, password }).expect(201);
    await request(t.http).post('/api/auth/login').send({ email, password: 'wrong-password-456' }).expect(401);
    const refreshed = await request(t.http).post('/api/auth/refresh').send({ refreshToken: reg.body.refreshToken }).expect(200);
    await request(t.http).get('/api/auth/me').set(bearer(refreshed.body.accessToken)).expect(200);
    const event = eventObject('checkout.session.expired', checkoutSessionObject({ status: 'expired' }));
    const payload = JSON.stringify(event);
    const signature = signPayload(payload, WEBHOOK_SECRET);
    await request(t.http).post('/api/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);
    await request(t.http).post('/api/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', 't=1,v1=forged').send(payload).expect(400);

    const lines = logs.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.requestId === 'req-logs-1')).toMatchObject({ msg: 'request', method: 'POST', route: '/api/auth/register', status: 201, level: 'info' });
    expect(lines.find((l) => l.eventId === event.id)).toMatchObject({ type: 'checkout.session.expired', outcome: 'processed' });
    expect(lines.every((l) => typeof l.time === 'string' && typeof l.level === 'string')).toBe(true);
    for (const secret of [
      password,
      'wrong-password-456',
      reg.body.accessToken,
      reg.body.refreshToken,
      refreshed.body.accessToken,
      refreshed.body.refreshToken,
      TEST_JWT_SECRET,
      WEBHOOK_SECRET,
      signature.split('v1=')[1],
    ]) {
      expect(logs.text).not.toContain(secret);
    }
  });
});

describe('Metrics token', () => {
  it('protects /metrics when METRICS_TOKEN is set', async () => {
    const t = await createTestApp({ METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      expect((await request(t.http).get('/metrics').expect(401)).body.error).toBe('unauthorized');
      await request(t.http).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
      await request(t.http).get('/metrics').set('Authorization', 'Bearer metrics-token-0123456789').expect(200);
    } finally {
      await t.close();
    }
  });
});
