/**
 * The house rules for the OpenAPI document, checked over EVERY operation and schema so that a route added
 * later is held to them without anyone writing a test for it. Each rule answers readable violations
 * (`POST /api/x (createX): ...`); an empty list means the document follows them all.
 */
import type { OpenAPIObject, OperationObject, ParameterObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';

export const ERROR_SCHEMA_REF = '#/components/schemas/ErrorResponseDto';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
/** camelCase verbs such as `createCheckoutSession`: stable names, never Nest's `Controller_method` default */
const OPERATION_ID = /^[a-z][a-zA-Z0-9]+$/;
/** properties whose values form a closed set and must be documented as enums */
const ENUM_NAME = /^(status|role|mode|interval)$|[a-z](Status|Role|Mode|Interval)$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i; // our ids are uuids

export interface Operation {
  method: string;
  path: string;
  op: OperationObject;
  label: string;
}

type Schema = SchemaObject | ReferenceObject;
const isRef = (value: unknown): value is ReferenceObject => typeof value === 'object' && value !== null && '$ref' in value;

export function operationsOf(doc: OpenAPIObject): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push({ method, path, op, label: `${method.toUpperCase()} ${path} (${op.operationId ?? 'no operationId'})` });
    }
  }
  return out;
}

function resolveSchema(doc: OpenAPIObject, schema: Schema | undefined): SchemaObject | undefined {
  let current: Schema | undefined = schema;
  for (let i = 0; i < 10 && current; i++) {
    if (isRef(current)) current = doc.components?.schemas?.[current.$ref.replace('#/components/schemas/', '')];
    else if (current.allOf?.length === 1) current = current.allOf[0];
    else return current;
  }
  return undefined;
}

function hasExample(doc: OpenAPIObject, schema: Schema | undefined, depth = 0): boolean {
  const resolved = resolveSchema(doc, schema);
  if (!resolved || depth > 5) return false;
  if (resolved.example !== undefined || resolved.examples !== undefined || resolved.enum?.length || resolved.default !== undefined) return true;
  if (resolved.type === 'array') return hasExample(doc, resolved.items, depth + 1);
  if (resolved.properties) return Object.values(resolved.properties).every((property) => hasExample(doc, property, depth + 1));
  return false;
}

const refOf = (schema: Schema | undefined): string | undefined =>
  isRef(schema) ? schema.$ref : schema?.allOf?.length === 1 && isRef(schema.allOf[0]) ? schema.allOf[0].$ref : undefined;

/** Operation-level rules: identity, docs, request examples, responses, errors, security, the webhook. */
export function operationViolations(doc: OpenAPIObject): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const { path, op, label } of operationsOf(doc)) {
    const fail = (problem: string) => out.push(`${label}: ${problem}`);
    if (!op.operationId || !OPERATION_ID.test(op.operationId)) fail('needs @ApiOperation({ operationId }) in camelCase (e.g. createCheckoutSession)');
    else if (seen.has(op.operationId)) fail(`operationId also used by ${seen.get(op.operationId)}`);
    else seen.set(op.operationId, label);
    if (op.tags?.length !== 1) fail(`needs exactly one tag (@ApiTags on the controller), has ${JSON.stringify(op.tags ?? [])}`);
    if (!op.summary?.trim()) fail('needs a summary');
    if (!op.description?.trim()) fail('needs a description');

    for (const parameter of (op.parameters ?? []) as ParameterObject[]) {
      if (!parameter.schema) fail(`parameter ${parameter.in} ${parameter.name} has no schema`);
      if (parameter.in === 'path' && !parameter.required) fail(`path parameter ${parameter.name} must be required`);
    }

    if (op.requestBody) {
      const body = isRef(op.requestBody) ? undefined : op.requestBody;
      const json = body?.content?.['application/json'];
      if (!json?.schema) fail('request body needs an application/json schema');
      else if (json.example === undefined && json.examples === undefined && !hasExample(doc, json.schema)) {
        fail('request body needs an example (example on the schema or on every property, via @ApiProperty({ example }))');
      }
    }

    const responses = Object.entries(op.responses ?? {}) as Array<[string, ResponseObject]>;
    const successes = responses.filter(([status]) => /^2\d\d$/.test(status));
    if (successes.length !== 1) fail(`needs exactly one success response, has ${successes.map(([s]) => s).join(', ') || 'none'}`);
    for (const [status, response] of responses) {
      if (!response.description?.trim()) fail(`response ${status} needs a description`);
      if (/^2\d\d$/.test(status)) {
        if (status === '204') continue;
        const media = Object.values(response.content ?? {});
        if (!media.length || media.some((m) => !m.schema)) fail(`success response ${status} needs a schema (a DTO class in @ApiOkResponse({ type }))`);
      } else if (/^[45]\d\d$/.test(status)) {
        if (refOf(response.content?.['application/json']?.schema) !== ERROR_SCHEMA_REF) fail(`error response ${status} must use the shared ErrorResponseDto (@ApiErrors(...))`);
      } else {
        fail(`response ${status} is neither a success nor an error`);
      }
    }
    if (!responses.some(([status]) => /^4\d\d$/.test(status)) && op.requestBody) fail('takes a body but documents no 400 (validation_error)');

    const bearer = (op.security ?? []).some((requirement) => 'bearer' in requirement);
    if (op.security?.length && !bearer) fail('security must be the `bearer` scheme');
    if (bearer && !op.responses?.['401']) fail('protected route must document 401');

    if (path === '/api/webhooks/stripe') {
      const signature = ((op.parameters ?? []) as ParameterObject[]).find((p) => p.in === 'header' && p.name.toLowerCase() === 'stripe-signature');
      if (!signature?.required) fail('must document the required Stripe-Signature header');
      const body = isRef(op.requestBody) ? undefined : op.requestBody;
      if (!body?.content?.['application/json'] || !/raw/i.test(body.description ?? ''))
        fail('must document the raw JSON body (requestBody with a description saying the signature covers the raw bytes)');
      if (bearer) fail('Stripe does not send a bearer token');
    }
  }
  if (doc.components?.securitySchemes?.bearer === undefined) out.push('components.securitySchemes.bearer is missing');
  return out;
}

/** Schema-level rules over every component: enums as enums, formats, nullable, descriptions of free-form objects. */
export function schemaViolations(doc: OpenAPIObject): string[] {
  const out: string[] = [];
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    if (isRef(schema)) continue;
    if (schema.enum && !schema.type) out.push(`${name}: enum needs a type`);
    const required = new Set(schema.required ?? []);
    for (const [key, raw] of Object.entries(schema.properties ?? {})) {
      const where = `${name}.${key}`;
      if (isRef(raw)) continue;
      const property = raw;
      const resolved = resolveSchema(doc, property) ?? property;
      const item = resolved.type === 'array' ? (resolveSchema(doc, resolved.items) ?? {}) : resolved;
      // a set Stripe keeps open (e.g. subscription statuses) may list its known values as `x-extensible-enum` instead
      if (ENUM_NAME.test(key) && !item.enum && !Array.isArray((item as Record<string, unknown>)['x-extensible-enum'])) {
        out.push(
          `${where}: a closed set of values must be an enum (@ApiProperty({ enum: X, enumName: 'X' })); an open Stripe set an x-extensible-enum (SUBSCRIPTION_STATUS_PROPERTY)`,
        );
      }
      if (item.enum && !item.type) out.push(`${where}: enum needs a type`);
      const example = property.example;
      if (item.type === 'string') {
        if (
          (/At$/.test(key) || /(^|[a-z])(Date|End|Start)$/.test(key) || (typeof example === 'string' && ISO_DATE_TIME.test(example))) &&
          item.format !== 'date-time' &&
          item.format !== 'date'
        ) {
          out.push(`${where}: a timestamp needs format: 'date-time'`);
        }
        if (/^email$|Email$/.test(key) && item.format !== 'email') out.push(`${where}: an email needs format: 'email'`);
        if (/^(id|userId)$/.test(key) && typeof example === 'string' && UUID.test(example) && item.format !== 'uuid') out.push(`${where}: a uuid needs format: 'uuid'`);
        if (/^(id|userId)$/.test(key) && item.format !== 'uuid' && !item.pattern && example === undefined)
          out.push(`${where}: an id needs format: 'uuid' or an example of its shape`);
      }
      if (example === null && !property.nullable) out.push(`${where}: example is null but the property is not marked nullable`);
      if (property.nullable && !required.has(key) && property.type === undefined && !property.allOf) out.push(`${where}: nullable needs a type`);
    }
  }
  return out;
}

/**
 * Routes guarded by `@Auth` (found from the controllers' guard metadata, not from the document) must show
 * bearer security and a 401 answer; `@Auth('admin')` also a 403. Answers violations by operationId.
 */
export function securityViolations(doc: OpenAPIObject, guarded: Map<string, { roles: boolean }>): string[] {
  const out: string[] = [];
  const byId = new Map(operationsOf(doc).map((o) => [o.op.operationId, o]));
  for (const [operationId, { roles }] of guarded) {
    const operation = byId.get(operationId);
    if (!operation) {
      out.push(`${operationId}: guarded by @Auth but missing from the document`);
      continue;
    }
    const { op, label } = operation;
    if (!(op.security ?? []).some((requirement) => 'bearer' in requirement)) out.push(`${label}: uses @Auth but has no bearer security`);
    if (!op.responses['401']) out.push(`${label}: uses @Auth but documents no 401`);
    if (roles && !op.responses['403']) out.push(`${label}: needs a role but documents no 403`);
  }
  for (const { op, label } of operationsOf(doc)) {
    if ((op.security ?? []).length && !guarded.has(op.operationId ?? '')) out.push(`${label}: documents bearer security but has no @Auth guard`);
  }
  return out;
}

/**
 * Checks a real answer against its component schema where the document can be wrong without anyone noticing:
 * a null where the property is not marked nullable, a field the schema does not list, a required field missing,
 * a value outside its enum. Answers `Schema.path: problem` lines.
 */
export function answerViolations(doc: OpenAPIObject, schemaName: string, value: unknown): string[] {
  const out: string[] = [];
  const visit = (schema: Schema | undefined, data: unknown, where: string, nullable: boolean) => {
    const resolved = resolveSchema(doc, schema);
    if (!resolved) return;
    if (data === null) {
      if (!nullable && !resolved.nullable) out.push(`${where}: answered null but not marked nullable`);
      return;
    }
    if (resolved.enum && !resolved.enum.includes(data)) out.push(`${where}: ${JSON.stringify(data)} is not in its enum ${JSON.stringify(resolved.enum)}`);
    if (resolved.type === 'array' && Array.isArray(data)) data.forEach((item, i) => visit(resolved.items, item, `${where}[${i}]`, false));
    if (resolved.properties && typeof data === 'object' && !Array.isArray(data)) {
      const record = data as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!(key in resolved.properties)) out.push(`${where}.${key}: answered but not documented`);
      }
      for (const [key, property] of Object.entries(resolved.properties)) {
        if (!(key in record)) {
          if (resolved.required?.includes(key)) out.push(`${where}.${key}: required but not answered`);
          continue;
        }
        visit(property, record[key], `${where}.${key}`, !isRef(property) && property.nullable === true);
      }
    }
  };
  visit({ $ref: `#/components/schemas/${schemaName}` }, value, schemaName, false);
  return out;
}
