import { createApiClient, type ApiError, type Schema } from '../../openapi/client/index.js';

export type User = Schema<'UserDto'>;

interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: User;
}

/**
 * The signed-in admin. Tokens live in this module's memory only (no localStorage, no cookie): a reload signs out,
 * and a script that is not ours (the CSP forbids any) would find nothing to steal in storage.
 */
let tokens: Tokens | null = null;
/** A non-admin who signed in: told the console is for admins, holding no token at all. */
let refused: User | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

/** The typed client of the API (same origin), with the current access token on every request. */
export const api = createApiClient(location.origin, { token: () => tokens?.accessToken });

export const currentUser = (): User | null => tokens?.user ?? null;
export const refusedUser = (): User | null => refused;

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setTokens(next: Tokens | null, expiresIn?: number): void {
  tokens = next;
  clearTimeout(refreshTimer);
  // refresh a little before the access token expires (expiresIn is in seconds)
  if (next && expiresIn) refreshTimer = setTimeout(() => void refresh(), Math.max(5, expiresIn * 0.8) * 1000);
  for (const listener of listeners) listener();
}

/** Signs in with email and password; answers the error message, or null. */
export async function signIn(email: string, password: string): Promise<string | null> {
  const { data, error } = await api.POST('/api/auth/login', { body: { email, password } });
  if (!data) return errorMessage(error);
  if (data.user.role === 'admin') {
    refused = null;
    setTokens({ accessToken: data.accessToken, refreshToken: data.refreshToken, user: data.user }, data.expiresIn);
    return null;
  }
  // a non-admin keeps no session in the console: the tokens are revoked at once and forgotten
  await api.POST('/api/auth/logout', { body: { refreshToken: data.refreshToken }, headers: { authorization: `Bearer ${data.accessToken}` } });
  refused = data.user;
  setTokens(null);
  return null;
}

/** Revokes the refresh token (the route needs the access token too), then forgets both. */
export async function signOut(): Promise<void> {
  const current = tokens;
  refused = null;
  // a refresh on the way (call's retry) rotates the refresh token: send the newest
  if (current) await call(() => api.POST('/api/auth/logout', { body: { refreshToken: tokens?.refreshToken ?? current.refreshToken } })).catch(() => undefined);
  setTokens(null);
}

/** Rotates the tokens through the refresh route; one refresh at a time. False (and signed out) when it fails. */
export function refresh(): Promise<boolean> {
  const current = tokens;
  if (!current) return Promise.resolve(false);
  refreshing ??= (async () => {
    const { data } = await api.POST('/api/auth/refresh', { body: { refreshToken: current.refreshToken } });
    if (data) setTokens({ accessToken: data.accessToken, refreshToken: data.refreshToken, user: data.user }, data.expiresIn);
    else setTokens(null);
    return !!data;
  })().finally(() => (refreshing = null));
  return refreshing;
}

/** Runs an API call; on a 401 (an expired access token) refreshes once and runs it again. */
export async function call<T extends { response: Response }>(run: () => Promise<T>): Promise<T> {
  const first = await run();
  if (first.response.status !== 401 || !(await refresh())) return first;
  return run();
}

export function errorMessage(error: unknown): string {
  const body = error as Partial<ApiError> | undefined;
  if (!body?.message) return 'The request failed';
  const details = body.details && typeof body.details === 'object' ? Object.entries(body.details).map(([field, problems]) => `${field} ${String(problems)}`) : [];
  return [body.message, ...details].join('; ');
}
