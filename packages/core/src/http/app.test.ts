import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConflictError, NotFoundError, RateLimitedError } from '../errors.js';
import { IdempotencyInFlightError } from '../idempotency.js';
import { isUuid } from '../ids.js';
import { createHttpApp, type HttpLogger } from './app.js';
import { readJson, readParams, readQuery, sendJson } from './json.js';

function silentLogger(): HttpLogger & { errors: unknown[][] } {
  const errors: unknown[][] = [];
  return { errors, warn: () => {}, error: (...args) => errors.push(args) };
}

describe('createHttpApp', () => {
  it('answers /health with JSON and a charset', async () => {
    const app = createHttpApp({ logger: silentLogger() });
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 problem when the health check fails', async () => {
    const app = createHttpApp({
      logger: silentLogger(),
      health: {
        check: () => {
          throw new Error('db down at 10.0.0.1');
        },
      },
    });
    const response = await app.request('/health');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.text()).not.toContain('10.0.0.1');
  });

  it('generates a UUIDv7 request id, keeps a well-formed inbound one, replaces a bad one', async () => {
    const app = createHttpApp();
    app.get('/id', (c) =>
      sendJson(c, { requestId: c.get('requestId'), correlationId: c.get('correlationId') }),
    );
    const generated = await app.request('/id');
    const id = generated.headers.get('x-request-id')!;
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(await generated.json()).toEqual({ requestId: id, correlationId: id });

    const kept = await app.request('/id', {
      headers: { 'X-Request-Id': 'abc-123', 'X-Correlation-Id': 'corr-9' },
    });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    expect(kept.headers.get('x-correlation-id')).toBe('corr-9');
    expect(await kept.json()).toEqual({ requestId: 'abc-123', correlationId: 'corr-9' });

    const replaced = await app.request('/id', { headers: { 'X-Request-Id': 'has space' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('has space');
  });

  it('reads the Information Mediator client header into the context', async () => {
    const app = createHttpApp();
    app.get('/im', (c) => sendJson(c, { client: c.get('informationMediatorClient') ?? null }));
    const response = await app.request('/im', {
      headers: { 'Information-Mediator-Client': 'eGovStack/GOV/90000009/digitalregistries' },
    });
    expect(await response.json()).toEqual({ client: 'eGovStack/GOV/90000009/digitalregistries' });
    expect(await (await app.request('/im')).json()).toEqual({ client: null });
  });

  it('answers unknown routes with a 404 problem carrying the request id', async () => {
    const app = createHttpApp();
    const response = await app.request('/nope', { headers: { 'X-Request-Id': 'r-1' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('r-1');
    expect(await response.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      instance: 'r-1',
    });
  });

  it('maps govblocks errors to their problem, with Retry-After when they carry one', async () => {
    const app = createHttpApp();
    app.get('/missing', () => {
      throw new NotFoundError('No such consent');
    });
    app.get('/conflict', () => {
      throw new ConflictError('Already revoked', { code: 'CONSENT_REVOKED' as const });
    });
    app.get('/busy', () => {
      throw new IdempotencyInFlightError(3);
    });
    app.get('/slow-down', () => {
      throw new RateLimitedError('Too many', { retryAfterSeconds: 7.2 });
    });
    const missing = await app.request('/missing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      type: 'urn:govblocks:problem:not-found',
      code: 'NOT_FOUND',
      detail: 'No such consent',
    });
    expect(await (await app.request('/conflict')).json()).toMatchObject({
      status: 409,
      code: 'CONSENT_REVOKED',
    });
    const busy = await app.request('/busy');
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('3');
    expect(await busy.json()).toMatchObject({ code: 'IDEMPOTENCY_IN_FLIGHT' });
    const slow = await app.request('/slow-down');
    expect(slow.status).toBe(429);
    expect(slow.headers.get('retry-after')).toBe('8');
  });

  it('hides unexpected errors behind a generic 500 and logs only their class', async () => {
    const logger = silentLogger();
    const onUnexpectedError = vi.fn();
    const app = createHttpApp({ logger, onUnexpectedError });
    app.get('/boom', () => {
      throw new TypeError('secret token abc123 for jane@example.org');
    });
    const response = await app.request('/boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('TypeError');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(JSON.stringify(logger.errors)).not.toContain('abc123');
    expect(JSON.stringify(logger.errors)).toContain('TypeError');
    expect(onUnexpectedError).toHaveBeenCalledOnce();
  });

  it('answers a problem even for a thrown non-Error value', async () => {
    const logger = silentLogger();
    const app = createHttpApp({ logger });
    app.get('/odd', () => {
      throw 'a string with secret-42';
    });
    const response = await app.request('/odd');
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(await response.text()).not.toContain('secret-42');
    expect(logger.errors).toHaveLength(1);
  });

  it('maps malformed JSON read with c.req.json() to 400', async () => {
    const app = createHttpApp();
    app.post('/raw', async (c) => sendJson(c, await c.req.json()));
    const response = await app.request('/raw', { method: 'POST', body: '{"a":' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ code: 'invalid_json' }],
    });
  });

  it('maps a zod error thrown by a handler to 400 with field errors', async () => {
    const app = createHttpApp();
    app.get('/zod', () => {
      z.object({ name: z.string() }).parse({ name: 1 });
      return new Response('unreachable');
    });
    const response = await app.request('/zod');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/name', code: 'invalid_type' }],
    });
  });

  it('reports every answered request to onResponse, with the route template and problem code', async () => {
    const events: unknown[] = [];
    const app = createHttpApp({
      onResponse: (event) => events.push(event),
      logger: silentLogger(),
    });
    app.get('/consents/:id', (c) => sendJson(c, { ok: true }));
    app.get('/gone/:id', () => {
      throw new NotFoundError('gone');
    });
    app.get('/boom', () => {
      throw new Error('x');
    });
    await app.request('/consents/person-123', { headers: { 'X-Request-Id': 'r-1' } });
    await app.request('/gone/1');
    await app.request('/boom');
    await app.request('/nowhere');
    expect(events).toEqual([
      expect.objectContaining({
        method: 'GET',
        route: '/consents/:id',
        status: 200,
        requestId: 'r-1',
      }),
      expect.objectContaining({ route: '/gone/:id', status: 404, code: 'NOT_FOUND' }),
      expect.objectContaining({ route: '/boom', status: 500, code: 'INTERNAL' }),
      expect.objectContaining({ status: 404, code: 'NOT_FOUND' }),
    ]);
    expect(JSON.stringify(events)).not.toContain('person-123');
    expect((events[0] as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
  });

  it('adds the charset to JSON made with c.json', async () => {
    const app = createHttpApp();
    app.get('/plain', (c) => c.json({ ok: true }, 201));
    const response = await app.request('/plain');
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const app = createHttpApp({ bodyLimitBytes: 100 });
    app.post('/echo', async (c) => sendJson(c, await readJson(c, z.unknown())));
    const declared = await app.request('/echo', {
      method: 'POST',
      body: JSON.stringify({ text: 'x'.repeat(200) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const streamed = await app.request('/echo', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`"${'y'.repeat(300)}"`));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const small = await app.request('/echo', { method: 'POST', body: '{"a":1}' });
    expect(await small.json()).toEqual({ a: 1 });
  });
});

describe('readJson, readQuery, readParams', () => {
  const app = createHttpApp();
  const schema = z.strictObject({ name: z.string().min(1), amount: z.number().int() });
  app.post('/things', async (c) => {
    const input = await readJson(c, schema);
    const typed: { name: string; amount: number } = input;
    return sendJson(c, typed, 201, { location: '/things/1' });
  });
  app.get('/things', (c) =>
    sendJson(
      c,
      readQuery(c, z.object({ status: z.array(z.string()), page: z.string().optional() })),
    ),
  );
  app.get('/things/:id', (c) => sendJson(c, readParams(c, z.object({ id: z.uuid() }))));

  const post = (body: string, contentType = 'application/json') =>
    app.request('/things', { method: 'POST', body, headers: { 'content-type': contentType } });

  it('returns the typed body', async () => {
    const response = await post('{"name":"a","amount":5}');
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/things/1');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ name: 'a', amount: 5 });
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await post('{"name":');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ code: 'invalid_json' }],
    });
  });

  it('answers 400 with every failing field', async () => {
    const response = await post('{"name":"","amount":1.5,"extra":true}');
    const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
    expect(response.status).toBe(400);
    expect(problem.errors.map((error) => error.pointer).sort()).toEqual(['', '/amount', '/name']);
  });

  it('answers 400 for an empty body and 415 for a form', async () => {
    expect((await post('')).status).toBe(400);
    expect((await post('a=1', 'application/x-www-form-urlencoded')).status).toBe(415);
  });

  it('reads repeated and bracketed query parameters as arrays', async () => {
    const response = await app.request('/things?status[]=sent&status[]=not_sent&page=2');
    expect(await response.json()).toEqual({ status: ['sent', 'not_sent'], page: '2' });
    const single = await app.request('/things?status[]=sent');
    expect(await single.json()).toEqual({ status: ['sent'] });
    expect((await app.request('/things?status=sent')).status).toBe(400);
  });

  it('validates path parameters', async () => {
    expect((await app.request('/things/not-a-uuid')).status).toBe(400);
    const id = '0193f5c2-8d5e-7a3b-9c41-5e8f0b7d2a16';
    expect(await (await app.request(`/things/${id}`)).json()).toEqual({ id });
  });
});
