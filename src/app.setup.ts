import { RequestMethod, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import helmet from 'helmet';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import express from 'express';
import { jsonOnlyMiddleware, RAW_BODY_PATHS } from './common/http/json-only.middleware.js';
import { requestIdMiddleware } from './common/http/request-id.middleware.js';
import { accessLog } from './observability/access-log.middleware.js';
import { MetricsService } from './observability/metrics.service.js';
import { createValidationPipe, InputSafetyPipe } from './common/http/validation.pipe.js';
import { assertServable, type AppConfig } from './config/app-config.js';

/** Paths served outside the `/api` prefix. */
const UNPREFIXED = [
  { path: 'docs', method: RequestMethod.ALL },
  { path: 'docs-json', method: RequestMethod.ALL },
  { path: 'metrics', method: RequestMethod.GET },
];

/** Everything main.ts and the tests share: prefix, body limits, security headers, pipes, filter, Swagger. */
export function configureApp(app: NestExpressApplication, config: AppConfig): OpenAPIObject {
  // e.g. production without METRICS_TOKEN: one line naming the variable, before anything is served
  assertServable(config);
  app.disable('x-powered-by');
  // no ETag on API answers: they are per-user and fresh each time, and hashing every body cost each request a SHA-1
  // (the console's static files keep theirs: express.static sets its own)
  app.set('etag', false);
  app.set('trust proxy', config.http.trustProxy);
  app.use(requestIdMiddleware);
  app.use(accessLog(app.get(MetricsService)));
  app.use(
    helmet({
      // Swagger UI needs its inline script and styles
      contentSecurityPolicy: { directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] } },
    }),
  );
  if (config.http.corsOrigins) {
    app.enableCors({
      origin: config.http.corsOrigins === '*' ? true : config.http.corsOrigins,
      exposedHeaders: ['x-request-id', 'retry-after'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
    });
  }
  // before every body parser (Nest adds a urlencoded one at init): JSON routes take application/json only
  app.use(jsonOnlyMiddleware);
  // The webhook's JSON is kept as the raw bytes Stripe signed (a Buffer in req.body) and parsed once, after the
  // signature check (verifyStripeSignature); the JSON parser below then leaves it alone (the body is read already).
  for (const path of RAW_BODY_PATHS) app.use(path, express.raw({ type: 'application/json', limit: config.http.bodyLimit }));
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  applyRoutePrefix(app);
  app.useGlobalPipes(new InputSafetyPipe(), createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  return setupSwagger(app, config.http.docsEnabled);
}

/** `/api` on every route but Swagger and /metrics; shared with `npm run openapi` so its document has the same paths. */
export function applyRoutePrefix(app: INestApplication): void {
  app.setGlobalPrefix('api', { exclude: UNPREFIXED });
}

/**
 * The OpenAPI document of the app's scanned routes. It needs no database or listening port, so `npm run openapi`
 * builds the same document from an app created in preview mode (see scripts/openapi.ts).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const options = new DocumentBuilder()
    .setTitle('Stripe Checkout service')
    .setDescription(
      'Sells plans through Stripe Checkout: users sign in, ask for a Checkout Session, pay on Stripe, and Stripe webhooks ' +
        "turn into each user's plan. Every error has the shape of `ErrorResponseDto`.",
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, options, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
  describeSuccessResponses(document);
  return document;
}

/** `@ApiOkResponse({ type })` leaves the description empty; generated clients and Swagger UI show the operation's summary instead. */
function describeSuccessResponses(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.put, item.post, item.delete, item.patch]) {
      for (const [status, response] of Object.entries(operation?.responses ?? {})) {
        if (/^2\d\d$/.test(status) && response && 'description' in response && !response.description) response.description = operation?.summary ?? 'Success';
      }
    }
  }
}

/** DOCS_ENABLED=false builds the document (for `npm run openapi` and tests) but serves neither /docs nor /docs-json. */
function setupSwagger(app: INestApplication, serve: boolean): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  if (!serve) return document;
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
  return document;
}
