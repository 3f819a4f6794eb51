import request from 'supertest';
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
export async function registerAdmin(t: TestApp): Promise<RegisteredUser> {
  const user = await registerUser(t);
  await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]);
  const res = await request(t.http).post('/api/auth/login').send({ email: user.email, password: user.password });
  return { ...user, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
