/**
 * A short program written only with the generated client (openapi/client), as a frontend would write it.
 * `tsc --noEmit` type-checks it against openapi/client/schema.ts, so a renamed route, field or enum value
 * breaks the build; test/e2e/openapi.e2e-spec.ts runs it against the app. Extend it step by step when the API
 * grows: each step uses only `api.GET/POST(...)` and the document's types.
 */
import { createApiClient, type ApiError, type Schema } from '../../openapi/client/index.js';

/** What only the test harness can do (a browser paying on Stripe's page, an operator promoting an admin). */
export interface ProgramHooks {
  payOnStripe(stripeSessionId: string): Promise<void> | void;
  makeAdmin(userId: string): Promise<void>;
}

export interface ProgramResult {
  registered: Schema<'AuthResponseDto'>;
  me: Schema<'MeDto'>;
  duplicateRegistration: ApiError;
  plans: Schema<'PlanDto'>[];
  created: Schema<'CheckoutSessionDto'>;
  retried: Schema<'CheckoutSessionDto'>;
  confirmed: Schema<'ConfirmedCheckoutSessionDto'>;
  subscription: Schema<'SubscriptionDto'>;
  portal: Schema<'PortalSessionDto'>;
  adminSessions: Schema<'AdminCheckoutSessionPageDto'>;
  forbiddenForUser: ApiError;
}

/** Throws with the contract's error when a step answers one: the program stops at the first failure. */
function must<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw new Error(`${step} answered ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

function mustFail(step: string, result: { data?: unknown; error?: ApiError; response: Response }): ApiError {
  if (!result.error) throw new Error(`${step} should have failed, answered ${result.response.status}`);
  return result.error;
}

export async function runClientProgram(baseUrl: string, hooks: ProgramHooks): Promise<ProgramResult> {
  const email = `client-${Date.now()}@example.com`;
  const password = 'correct horse battery staple';
  let accessToken: string | undefined;
  // one client for the whole program; the token is read before each request, so a refresh applies at once
  const api = createApiClient(baseUrl, { token: () => accessToken });

  // 1. account: register, read myself, rotate the tokens
  const registered = must('register', await api.POST('/api/auth/register', { body: { email, password, name: 'Client Program' } }));
  accessToken = registered.accessToken;
  const duplicateRegistration = mustFail('register again', await api.POST('/api/auth/register', { body: { email, password } }));
  const refreshed = must('refreshTokens', await api.POST('/api/auth/refresh', { body: { refreshToken: registered.refreshToken } }));
  accessToken = refreshed.accessToken;
  const me = must('getMe', await api.GET('/api/auth/me'));

  // 2. purchase: plans → session (retried with the same Idempotency-Key) → pay on Stripe → confirm once → subscription
  const plans = must('listPlans', await api.GET('/api/billing/plans'));
  const monthly = plans.find((p) => p.mode === 'subscription' && p.interval === 'month');
  if (!monthly) throw new Error('the catalogue has no monthly subscription');
  const purchase = { body: { plan: monthly.plan, interval: monthly.interval }, params: { header: { 'Idempotency-Key': `purchase-${email}` } } };
  const created = must('createCheckoutSession', await api.POST('/api/billing/checkout-sessions', purchase));
  const retried = must('createCheckoutSession (retry)', await api.POST('/api/billing/checkout-sessions', purchase));
  // a browser would now go to created.url; Stripe then sends it to the success URL with ?session_id=cs_…
  await hooks.payOnStripe(created.stripeSessionId);
  const confirmed = must('confirmCheckoutSession', await api.POST('/api/billing/checkout-sessions/{id}/confirm', { params: { path: { id: created.stripeSessionId } } }));
  const subscription = must('getMySubscription', await api.GET('/api/billing/subscription'));
  const portal = must('createPortalSession', await api.POST('/api/billing/portal'));

  // 3. operations: a user may not list everyone's sessions; an admin may
  const forbiddenForUser = mustFail('listAdminCheckoutSessions as a user', await api.GET('/api/admin/checkout-sessions'));
  await hooks.makeAdmin(me.id);
  const admin = must('login', await api.POST('/api/auth/login', { body: { email, password } }));
  accessToken = admin.accessToken;
  const adminSessions = must('listAdminCheckoutSessions', await api.GET('/api/admin/checkout-sessions', { params: { query: { email, limit: 10 } } }));

  return { registered, me, duplicateRegistration, plans, created, retried, confirmed, subscription, portal, adminSessions, forbiddenForUser };
}
