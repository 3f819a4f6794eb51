import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import openapiTS, { astToString } from 'openapi-typescript';
import request from 'supertest';
import { ServiceAuthGuard } from '../../src/auth/api-keys/service-auth.guard.js';
import { JwtAuthGuard } from '../../src/auth/guards/jwt-auth.guard.js';
import { ROLES_KEY } from '../../src/auth/guards/roles.guard.js';
import { diffOpenApi, serializeOpenApi } from '../../src/common/openapi/openapi-document.js';
import type { StripeEmulator } from '../../stripe-emulator/server.js';
import { runClientProgram } from '../openapi/client-program.js';
import { answerViolations, operationsOf, operationViolations, schemaViolations, securityViolations } from '../openapi/openapi-rules.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { startEmulator, stripeEnv } from '../support/stripe-emulator.js';

const ROOT = process.cwd();
const COMMITTED_PATH = join(ROOT, 'openapi', 'openapi.json');
const REGENERATE = 'The API changed: run `npm run openapi` and commit openapi/.';

/** where @ApiOperation stores its options (DECORATORS.API_OPERATION of @nestjs/swagger, not exported) */
const API_OPERATION_METADATA = 'swagger/apiOperation';
/** @apidevtools/swagger-parser's validation of a document, run in plain Node (see test/openapi/validate-document.mjs). */
async function swaggerParserValidate(document: object): Promise<{ ok: boolean; title?: string; error?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'test', 'openapi', 'validate-document.mjs'), join(dir, 'openapi.json')]);
    return JSON.parse(stdout) as { ok: boolean; title?: string; error?: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

interface RouteHandler {
  /** `Controller.method` */
  name: string;
  /** set only by an explicit `@ApiOperation({ operationId })` */
  operationId?: string;
  guarded: boolean;
  roles: boolean;
}

/** Every route handler the app really mounted, read from the controllers' metadata (not from the document). */
function routeHandlers(t: TestApp): RouteHandler[] {
  const handlers: RouteHandler[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const classGuards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, controller) ?? [];
      const classRoles: unknown[] = Reflect.getMetadata(ROLES_KEY, controller) ?? [];
      for (const key of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[key];
        if (key === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const operation: { operationId?: string } | undefined = Reflect.getMetadata(API_OPERATION_METADATA, handler);
        const guards: unknown[] = [...classGuards, ...(Reflect.getMetadata(GUARDS_METADATA, handler) ?? [])];
        const roles: unknown[] = Reflect.getMetadata(ROLES_KEY, handler) ?? classRoles;
        handlers.push({
          name: `${controller.name}.${key}`,
          operationId: operation?.operationId,
          guarded: guards.includes(JwtAuthGuard) || guards.includes(ServiceAuthGuard),
          roles: roles.length > 0,
        });
      }
    }
  }
  return handlers;
}

/** Which operations `@Auth` guards, by operationId. */
function guardedOperations(t: TestApp): Map<string, { roles: boolean }> {
  return new Map(
    routeHandlers(t)
      .filter((h) => h.guarded)
      .map((h) => [h.operationId ?? h.name, { roles: h.roles }]),
  );
}

describe('OpenAPI document and typed client (issue 11)', () => {
  let stripe: StripeEmulator;
  let t: TestApp;
  let served: OpenAPIObject;
  let committedText: string;
  let committed: OpenAPIObject;

  beforeAll(async () => {
    stripe = await startEmulator({ deliveryMode: 'record' });
    t = await createTestApp(stripeEnv(stripe));
    served = (await request(t.http).get('/docs-json').expect(200)).body as OpenAPIObject;
    committedText = readFileSync(COMMITTED_PATH, 'utf8');
    committed = JSON.parse(committedText) as OpenAPIObject;
  });
  afterAll(async () => {
    await t.close();
    await stripe.close();
  });

  describe("drift: the committed document is the app's document", () => {
    it('GET /docs-json equals openapi/openapi.json', () => {
      const differences = diffOpenApi(committed, served);
      expect({ differences, fix: differences.length ? REGENERATE : 'none' }).toEqual({ differences: [], fix: 'none' });
    });

    it('openapi/openapi.json is in its generated form (sorted keys, 2-space indent, trailing newline)', () => {
      expect(serializeOpenApi(committed) === committedText).toBe(true);
    });

    it('openapi/client/schema.ts is what openapi-typescript generates from the committed document', async () => {
      const committedTypes = readFileSync(join(ROOT, 'openapi', 'client', 'schema.ts'), 'utf8');
      const generated = astToString(await openapiTS(clone(committed) as Parameters<typeof openapiTS>[0], { alphabetize: true }));
      expect(committedTypes.endsWith(generated)).toBe(true);
    });

    it('the comparison reports an altered copy by operation and path, and only what changed', () => {
      const altered = clone(served);
      altered.paths['/api/auth/login'].post!.summary = 'Log in';
      delete altered.paths['/api/auth/register'].post!.responses['409'];
      altered.paths['/api/auth/widgets'] = { get: { operationId: 'listWidgets', responses: { 200: { description: 'Widgets' } } } };
      (altered.components!.schemas!.UserDto as { required: string[] }).required.pop();

      const differences = diffOpenApi(committed, altered);
      expect(differences).toHaveLength(4);
      expect(differences).toEqual(
        expect.arrayContaining([
          'POST /api/auth/login (login) summary: committed "Sign in", app "Log in"',
          'POST /api/auth/register (register) responses.409: only in openapi/openapi.json (removed from the app)',
          expect.stringMatching(/^paths\.\/api\/auth\/widgets: only in the app \(not regenerated\)/),
          expect.stringMatching(/^components\.schemas\.UserDto\.required\.\d+: only in openapi\/openapi\.json/),
        ]),
      );
      // key order alone is no difference: the file is stored sorted, the app answers in declaration order
      expect(diffOpenApi(committed, JSON.parse(serializeOpenApi(served)))).toEqual([]);
    });
  });

  describe('lint: the document follows the rules on every operation', () => {
    it('is a valid OpenAPI 3 document (swagger-parser), and the validator refuses a broken reference', async () => {
      expect(await swaggerParserValidate(served)).toEqual({ ok: true, title: 'Stripe Checkout service' });
      const broken = clone(served);
      broken.paths['/api/auth/me'].get!.responses['200'] = { description: 'x', content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' } } } };
      expect(await swaggerParserValidate(broken)).toMatchObject({ ok: false, error: expect.stringContaining('Missing') });
    });

    it('every route handler names its operationId explicitly (a renamed method must not rename the client call)', () => {
      const handlers = routeHandlers(t);
      expect(handlers.length).toBe(operationsOf(served).length);
      expect(handlers.filter((h) => !h.operationId).map((h) => `${h.name}: needs @ApiOperation({ operationId })`)).toEqual([]);
    });

    it('every operation: unique camelCase operationId, one tag, summary, description, request example, success and error schemas', () => {
      expect(operationViolations(served)).toEqual([]);
    });

    it('every schema: enums as enums, date-time/email/uuid formats, nullable marked', () => {
      expect(schemaViolations(served)).toEqual([]);
    });

    it('every route behind @Auth shows bearer security and 401 (403 with a role), and no other route claims security', () => {
      const guarded = guardedOperations(t);
      expect(guarded.size).toBeGreaterThan(3);
      expect(securityViolations(served, guarded)).toEqual([]);
    });

    it('the rules catch a document that breaks them', () => {
      const broken = clone(served);
      const register = broken.paths['/api/auth/register'].post!;
      register.operationId = 'AuthController_register';
      register.tags = [];
      delete register.description;
      register.responses['409'] = { description: 'x', content: { 'application/json': { schema: { type: 'object' } } } };
      broken.paths['/api/auth/login'].post!.operationId = 'getMe';
      const schemas = broken.components!.schemas! as Record<string, { properties: Record<string, Record<string, unknown>> }>;
      delete schemas.RegisterDto.properties.password.example;
      delete schemas.UserDto.properties.createdAt.format;
      delete schemas.UserDto.properties.email.format;
      schemas.UserDto.properties.role = { type: 'string' };
      const webhook = broken.paths['/api/webhooks/stripe'].post!;
      webhook.parameters = [];
      const me = broken.paths['/api/auth/me'].get!;
      delete me.security;

      const operations = operationViolations(broken);
      expect(operations).toEqual(
        expect.arrayContaining([
          expect.stringContaining('(AuthController_register): needs @ApiOperation({ operationId })'),
          expect.stringContaining('(AuthController_register): needs exactly one tag'),
          expect.stringContaining('(AuthController_register): needs a description'),
          expect.stringContaining('(AuthController_register): request body needs an example'),
          expect.stringContaining('(AuthController_register): error response 409 must use the shared ErrorResponseDto'),
          expect.stringMatching(/\(getMe\): operationId also used by/),
          expect.stringContaining('(receiveStripeWebhook): must document the required Stripe-Signature header'),
        ]),
      );
      expect(schemaViolations(broken)).toEqual(
        expect.arrayContaining([
          "UserDto.createdAt: a timestamp needs format: 'date-time'",
          "UserDto.email: an email needs format: 'email'",
          expect.stringContaining('UserDto.role: a closed set of values must be an enum'),
        ]),
      );
      expect(securityViolations(broken, guardedOperations(t))).toEqual(expect.arrayContaining(['GET /api/auth/me (getMe): uses @Auth but has no bearer security']));
    });

    it('Swagger UI at /docs keeps the token once authorised', async () => {
      await request(t.http).get('/docs/').expect(200).expect('content-type', /html/);
      const init = await request(t.http).get('/docs/swagger-ui-init.js').expect(200);
      expect(init.text).toMatch(/"persistAuthorization":\s*true/);
    });
  });

  describe('typed client', () => {
    it('a program written with the generated client runs the purchase flow against the app', async () => {
      await t.app.listen(0, '127.0.0.1');
      const baseUrl = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
      const result = await runClientProgram(baseUrl, {
        payOnStripe: (stripeSessionId) => void stripe.completeCheckout(stripeSessionId),
        makeAdmin: async (userId) => void (await t.db.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [userId])),
      });

      expect(result.me).toMatchObject({ id: result.registered.user.id, email: result.registered.user.email, plan: 'free' });
      expect(result.duplicateRegistration).toMatchObject({ error: 'conflict' });
      expect(result.plans.map((p) => `${p.plan}/${p.interval}`)).toEqual(['lifetime/once', 'pro/month', 'pro/year']);
      expect(result.created).toMatchObject({ status: 'open', paymentStatus: 'unpaid', plan: 'pro', interval: 'month' });
      expect(result.created.url).toBe(`${stripe.url}/checkout/${result.created.stripeSessionId}`);
      expect(result.retried.id).toBe(result.created.id);
      expect(result.confirmed).toMatchObject({ id: result.created.id, status: 'complete', paymentStatus: 'paid', purchasedPlan: 'pro', subscriptionStatus: 'active' });
      expect(result.subscription).toMatchObject({ plan: 'pro', status: 'active', cancelAtPeriodEnd: false });
      expect(result.portal.url).toMatch(/^http/);
      expect(result.forbiddenForUser).toMatchObject({ error: 'forbidden' });
      expect(result.adminSessions.items.map((s) => s.id)).toEqual([result.created.id]);

      // the real answers match their documented schemas: nulls only where nullable, no undocumented or missing fields
      const answers: Array<[string, unknown]> = [
        ['AuthResponseDto', result.registered],
        ['MeDto', result.me],
        ['ErrorResponseDto', result.duplicateRegistration],
        ['ErrorResponseDto', result.forbiddenForUser],
        ...result.plans.map((plan): [string, unknown] => ['PlanDto', plan]),
        ['CheckoutSessionDto', result.created],
        ['ConfirmedCheckoutSessionDto', result.confirmed],
        ['SubscriptionDto', result.subscription],
        ['PortalSessionDto', result.portal],
        ['AdminCheckoutSessionPageDto', result.adminSessions],
      ];
      expect(answers.flatMap(([name, value]) => answerViolations(served, name, value))).toEqual([]);
      expect(answerViolations(served, 'MeDto', { ...result.me, plan: null, extra: 1 })).toEqual([
        'MeDto.extra: answered but not documented',
        'MeDto.plan: answered null but not marked nullable',
      ]);
    });
  });
});
