/**
 * The typed client of this API, for frontend teams: `openapi-fetch` over the types that `npm run openapi`
 * generates into ./schema.ts from ../openapi.json. Paths, parameters, bodies and answers (success and the
 * shared error shape) are all checked by the TypeScript compiler.
 *
 *   const api = createApiClient('https://billing.example.com', { token: () => session.accessToken });
 *   const { data, error } = await api.GET('/api/billing/plans');
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
export type ApiClient = Client<paths>;
/** The contract's error shape, answered by every failing route. */
export type ApiError = components['schemas']['ErrorResponseDto'];
/** A response schema by name, e.g. `Schema<'CheckoutSessionDto'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

export interface ApiClientOptions {
  /** the access token, or a function answering the current one (read before every request) */
  token?: string | (() => string | undefined | null);
  /** a custom fetch (tests, SSR); defaults to the global one */
  fetch?: typeof globalThis.fetch;
  /** headers sent with every request */
  headers?: Record<string, string>;
}

/** A client for the service at `baseUrl` (its origin, without `/api`). */
export function createApiClient(baseUrl: string, options: ApiClientOptions = {}): ApiClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), fetch: options.fetch, headers: options.headers });
  const { token } = options;
  if (token !== undefined) {
    const auth: Middleware = {
      onRequest({ request }) {
        const value = typeof token === 'function' ? token() : token;
        if (value && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${value}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}
