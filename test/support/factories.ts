import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { CheckoutMode, CheckoutPaymentStatus, CheckoutSessionStatus } from '../../src/entitlements/entities/checkout-session.entity.js';
import type { TestApp } from './app.js';

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;

/** Registers a user through the API and returns its tokens. */
export async function registerUser(t: TestApp, overrides: { email?: string; password?: string; name?: string } = {}): Promise<RegisteredUser> {
  counter += 1;
  const email = overrides.email ?? `user${counter}-${Date.now()}@example.com`;
  const password = overrides.password ?? 'correct horse battery staple';
  const res = await request(t.http).post('/api/auth/register').send({ email, password, name: overrides.name });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, password, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

/** Makes an admin: registers a user, promotes it in the database, and signs in again for an admin token. */
/** A service key of these scopes (`usage:read`, `usage:write`), made by an admin; answers the key itself (shown once). */
export async function createServiceKey(t: TestApp, admin: RegisteredUser, scopes: string[], name = `key ${scopes.join(' ')}`): Promise<string> {
  const res = await request(t.http).post('/api/admin/api-keys').set(bearer(admin.accessToken)).send({ name, scopes }).expect(201);
  return res.body.key as string;
}

export async function registerAdmin(t: TestApp): Promise<RegisteredUser> {
  const user = await registerUser(t);
  await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
  const res = await request(t.http).post('/api/auth/login').send({ email: user.email, password: user.password });
  return { ...user, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** GET /api/auth/me as `user` (200 expected): the user's plan, subscription status and entitlements. */
export async function me(t: TestApp, user: Pick<RegisteredUser, 'accessToken'>): Promise<request.Response['body']> {
  return (await request(t.http).get('/api/auth/me').set(bearer(user.accessToken)).expect(200)).body;
}

/**
 * Row factories: a test that needs a row the API cannot make (a past date, a state Stripe would have to reach) seeds
 * it through these, typed by the columns they set, instead of writing its own INSERT. Unset columns take the
 * table's defaults; each returns the whole row as PostgreSQL stored it.
 */
export interface CheckoutSessionSeed {
  stripeSessionId?: string;
  userId?: string | null;
  mode?: CheckoutMode;
  plan?: string | null;
  interval?: string | null;
  priceId?: string | null;
  status?: CheckoutSessionStatus;
  paymentStatus?: CheckoutPaymentStatus;
  url?: string | null;
  amountTotal?: number | null;
  amountRefunded?: number;
  currency?: string | null;
  stripeSubscriptionId?: string | null;
  stripePaymentIntentId?: string | null;
  stripeCustomerId?: string | null;
  customerEmail?: string | null;
  createdAt?: Date;
  fulfilledAt?: Date | null;
}

/** A checkout_sessions row (a fresh `cs_test_…` id unless given; mode `subscription`). */
export function insertCheckoutSession(db: DataSource, seed: CheckoutSessionSeed = {}): Promise<Record<string, unknown> & { id: string; stripe_session_id: string }> {
  return insertRow(db, 'checkout_sessions', { stripeSessionId: `cs_test_seed_${randomUUID().replace(/-/g, '')}`, mode: 'subscription', ...seed });
}

export interface StripeEventSeed {
  id?: string;
  type?: string;
  stripeCreatedAt?: Date;
  livemode?: boolean;
  apiVersion?: string | null;
  objectId?: string | null;
  payload?: Record<string, unknown>;
  status?: 'received' | 'processing' | 'processed' | 'failed' | 'ignored';
  attempts?: number;
  lastError?: string | null;
  receivedAt?: Date;
}

/** A stripe_events (inbox) row: a fresh `evt_test_…` id unless given, `invoice.paid`, created now, test mode, payload `{}`. */
export function insertStripeEvent(db: DataSource, seed: StripeEventSeed = {}): Promise<Record<string, unknown> & { id: string }> {
  return insertRow(db, 'stripe_events', {
    id: `evt_test_seed_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    type: 'invoice.paid',
    stripeCreatedAt: new Date(),
    livemode: false,
    payload: {},
    ...seed,
  });
}

/** A users row (without the API, for the medium tier): a fresh email unless given, plan `free` unless given. */
export async function insertUser(db: DataSource, seed: { email?: string; plan?: string; stripeCustomerId?: string | null } = {}): Promise<string> {
  const row = await insertRow<{ id: string }>(db, 'users', { email: `seed-${randomUUID()}@example.com`, passwordHash: 'x', ...seed });
  return row.id;
}

/** `days` days before now, for rows that must look old. */
export const daysAgo = (days: number): Date => new Date(Date.now() - days * 86_400_000);

/** One INSERT … RETURNING * with the seed's keys as snake_case columns and its values as parameters. */
async function insertRow<R>(db: DataSource, table: string, seed: object): Promise<R> {
  const entries = Object.entries(seed).filter(([, value]) => value !== undefined);
  const columns = entries.map(([key]) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  const values = entries.map(([, value]) => (value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value));
  const [row] = await db.query<R[]>(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`, values);
  return row;
}
