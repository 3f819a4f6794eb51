import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app.js';

describe('Errors, request ids and documents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT: '10kb' });
  });
  afterAll(() => t.close());

  it('answers malformed JSON with a validation error', async () => {
    const res = await request(t.http).post('/api/auth/register').set('Content-Type', 'application/json').send('{"email": ').expect(400);
    expect(res.body).toMatchObject({ error: 'validation_error' });
    expect(res.body.message).not.toMatch(/at |Unexpected token|SyntaxError/);
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const res = await request(t.http)
      .post('/api/auth/register')
      .send({ email: 'a@example.com', password: 'p'.repeat(20_000) })
      .expect(413);
    expect(res.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers unknown routes with 404 not_found', async () => {
    const res = await request(t.http).get('/api/nothing-here').expect(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
  });

  it('keeps a sane x-request-id, replaces a hostile one, and puts it in error bodies', async () => {
    const kept = await request(t.http).get('/api/nothing-here').set('x-request-id', 'abc-123').expect(404);
    expect(kept.headers['x-request-id']).toBe('abc-123');
    expect(kept.body.requestId).toBe('abc-123');
    const replaced = await request(t.http).get('/api/health').set('x-request-id', '<script>alert(1)</script>').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves health, Swagger UI and the OpenAPI document, without x-powered-by', async () => {
    const health = await request(t.http).get('/api/health').expect(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(health.headers['x-powered-by']).toBeUndefined();
    const ui = await request(t.http).get('/docs/').expect(200);
    expect(ui.text).toContain('swagger');
    const doc = await request(t.http).get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/api/auth/login'].post.operationId).toBe('login');
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers 503 from health when the database is gone', async () => {
    const other = await createTestApp();
    await other.db.destroy();
    const res = await request(other.http).get('/api/health').expect(503);
    expect(res.body).toMatchObject({ error: 'service_unavailable' });
    // liveness does not depend on the database
    await request(other.http).get('/api/health/live').expect(200, { status: 'ok' });
    await other.app.close().catch(() => undefined);
    await other.database.drop();
  });
});
