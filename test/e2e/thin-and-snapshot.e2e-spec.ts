import type { LoggerService } from '@nestjs/common';
import type Stripe from 'stripe';
import request from 'supertest';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { thinNotification } from '../../stripe-emulator/webhook-delivery.js';
import { STRIPE_API_VERSION } from '../../src/stripe/stripe.client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, registerUser, type RegisteredUser } from '../support/factories.js';
import { eventsOf, startEmulator, stripeEnv } from '../support/stripe-emulator.js';
import { deliver } from '../support/webhooks.js';

/** Collects what the app warns about (the api_version check logs through Nest's logger). */
class WarningLog implements LoggerService {
  readonly warnings: unknown[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(message);
  }
}

/**
 * One change delivered as a snapshot event and as its thin notification (item 14): applied once, with the inbox
 * asked before anything is fetched; and events rendered at another API version than the pinned one are counted.
 */
describe('Thin and snapshot deliveries of one change, and API versions', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  const log = new WarningLog();
  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    t = await createTestApp(stripeEnv(stripe), undefined, { logger: log });
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  const me = async (user: RegisteredUser) => (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body;
  /** A paid subscription checkout on the local Stripe: its events, recorded and not yet delivered. */
  async function paidSubscription(user: RegisteredUser): Promise<Stripe.Event[]> {
    const created = (await request(t.http).post('/api/billing/checkout-sessions').set(bearer(user.accessToken)).send({ plan: 'pro', interval: 'month' }).expect(201)).body;
    return eventsOf(stripe, () => stripe.completeCheckout(created.stripeSessionId));
  }
  /** The API requests the app made to the local Stripe while `action` ran, as `METHOD path`. */
  async function requestsDuring(action: () => Promise<unknown>): Promise<string[]> {
    const before = stripe.requests.length;
    await action();
    return stripe.requests.slice(before).map((r) => `${r.method} ${r.path}`);
  }
  const inboxRows = (objectId: string) => t.db.query(`SELECT id, type, status FROM stripe_events WHERE object_id = $1 ORDER BY id`, [objectId]);
  const metrics = async () => (await request(t.http).get('/metrics').expect(200)).text;

  it('the snapshot first: its thin notification is a duplicate, answered without fetching the object', async () => {
    const user = await registerUser(t);
    const events = await paidSubscription(user);
    const created = events.find((e) => e.type === 'customer.subscription.created')!;
    const subscription = created.data.object;
    for (const event of events) await deliver(t, event).expect(200);
    expect(await me(user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });

    const thin = thinNotification(created);
    expect(thin.snapshot_event).toBe(created.id);
    // counted as a duplicate (the counter is the process's: other tests of this file may have counted some before)
    const duplicates = async () => Number(/stripe_webhook_events_total\{type="customer\.subscription\.created",outcome="duplicate"\} (\d+)/.exec(await metrics())?.[1] ?? 0);
    const before = await duplicates();
    expect(await requestsDuring(() => deliver(t, thin).expect(200))).toEqual([]);
    // one inbox row for the change, the snapshot's
    expect(await inboxRows(subscription.id)).toEqual([{ id: created.id, type: 'customer.subscription.created', status: 'processed' }]);
    expect((await duplicates()) - before).toBe(1);
  });

  it('the thin notification first: stored as the snapshot event it names, which then changes nothing; a redelivery fetches nothing', async () => {
    const user = await registerUser(t);
    const events = await paidSubscription(user);
    const completed = events.find((e) => e.type === 'checkout.session.completed')!;
    const session = completed.data.object;
    const thin = thinNotification(completed);
    expect(await requestsDuring(() => deliver(t, thin).expect(200))).toEqual([`GET /v1/checkout/sessions/${session.id}`]);
    expect(await me(user)).toMatchObject({ plan: 'pro' });

    await deliver(t, completed).expect(200);
    expect(await requestsDuring(() => deliver(t, thin).expect(200))).toEqual([]);
    expect(await inboxRows(session.id)).toEqual([{ id: completed.id, type: 'checkout.session.completed', status: 'processed' }]);
    const ledger = await t.db.query(`SELECT f.event_id FROM fulfillments f JOIN checkout_sessions s ON s.id = f.checkout_session_id WHERE s.stripe_session_id = $1`, [session.id]);
    expect(ledger).toEqual([{ event_id: completed.id }]);
  });

  it('a thin notification without a snapshot event is de-duplicated by its own id, before any fetch', async () => {
    const user = await registerUser(t);
    const events = await paidSubscription(user);
    const created = events.find((e) => e.type === 'customer.subscription.created')!;
    const { snapshot_event: _snapshot, ...thin } = thinNotification(created);
    const subscriptionPath = `GET /v1/subscriptions/${created.data.object.id}`;
    expect(await requestsDuring(() => deliver(t, thin).expect(200))).toEqual([subscriptionPath]);
    expect(await requestsDuring(() => deliver(t, thin).expect(200))).toEqual([]);
    const [row] = await t.db.query(`SELECT type, status FROM stripe_events WHERE id = $1`, [thin.id]);
    expect(row).toEqual({ type: 'customer.subscription.created', status: 'processed' });
  });

  it('an event rendered at another API version is applied, counted by version, and warned about once a while', async () => {
    const user = await registerUser(t);
    const events = await paidSubscription(user);
    const older = '2025-03-31.basil';
    const warnedBefore = log.warnings.length;
    for (const event of events) await deliver(t, { ...event, api_version: older }).expect(200);
    expect(await me(user)).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
    const text = await metrics();
    expect(text).toContain(`stripe_webhook_api_version_mismatch_total{api_version="${older}"} ${events.length}`);
    expect(text).not.toContain(`api_version="${STRIPE_API_VERSION}"`);
    const warned = log.warnings.slice(warnedBefore).filter((w) => JSON.stringify(w).includes(older));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ apiVersion: older, pinned: STRIPE_API_VERSION });
    // a version that is not Stripe's format is never a label of its own
    await deliver(t, { ...events[0], id: `${events[0].id}_odd`, api_version: 'not a version' }).expect(200);
    expect(await metrics()).toContain('stripe_webhook_api_version_mismatch_total{api_version="other"} 1');
  });
});
