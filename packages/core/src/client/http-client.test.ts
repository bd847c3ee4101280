import { MockAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError, isGovBlocksError, NotFoundError, ValidationError } from '../errors.js';
import { createHttpApp } from '../http/app.js';
import { readJson, sendJson } from '../http/json.js';
import { type RunningServer, startServer } from '../http/server.js';
import { IdempotencyInFlightError } from '../idempotency.js';
import { RemoteError } from './errors.js';
import { createHttpClient, type HttpClientOptions, parseRetryAfter } from './http-client.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

let server: RunningServer;
const seen: Seen[] = [];
const counters = new Map<string, number>();
const count = (key: string) => {
  const next = (counters.get(key) ?? 0) + 1;
  counters.set(key, next);
  return next;
};

beforeAll(async () => {
  const app = createHttpApp({ logger: { warn: () => {}, error: () => {} } });
  app.use('*', async (c, next) => {
    seen.push({
      method: c.req.method,
      url: c.req.url,
      headers: Object.fromEntries(c.req.raw.headers),
      body: await c.req.raw.clone().text(),
    });
    await next();
  });
  app.all('/api/echo', (c) => sendJson(c, { method: c.req.method, query: c.req.queries() }));
  app.post('/api/things', async (c) =>
    sendJson(c, await readJson(c, z.object({ name: z.string() })), 201),
  );
  app.get('/api/missing', () => {
    throw new NotFoundError('No such thing', { extensions: {} });
  });
  app.get('/api/conflict', () => {
    throw new ConflictError('Revoked already', { code: 'CONSENT_REVOKED' as const });
  });
  app.get('/api/busy', () => {
    throw new IdempotencyInFlightError(2);
  });
  app.get('/api/denied', (c) =>
    c.body('{"code":"FORBIDDEN","detail":"no"}', 403, {
      'content-type': 'application/problem+json',
    }),
  );
  app.get('/api/html-error', (c) =>
    c.html(`<html><body>${'secret '.repeat(500)}</body></html>`, 500),
  );
  app.all('/api/flaky/:key', (c) => {
    const times = count(c.req.param('key'));
    return times < 3 ? c.text('try later', 503) : sendJson(c, { times });
  });
  app.get('/api/limited', (c) =>
    c.text('slow down', 429, { 'retry-after': c.req.query('after') ?? '1' }),
  );
  app.all('/api/hang', () => new Promise<Response>(() => {}));
  app.get('/api/big', (c) => sendJson(c, { text: 'x'.repeat(5000) }));
  app.get('/api/big-missing', (c) => c.html(`<p>${'missing '.repeat(20_000)}</p>`, 404));
  app.get('/api/custom-status', (c) => sendJson(c, { error: 'voucher exhausted' }, 457));
  app.get('/api/not-json', (c) => c.body('{oops', 200, { 'content-type': 'application/json' }));
  app.get('/api/shape', (c) => sendJson(c, { id: 'a', extra: 1 }));
  server = await startServer(app, { shutdownTimeoutMs: 200 });
});
afterAll(() => server?.close());

const delays: number[] = [];
const client = (options: Partial<HttpClientOptions> = {}) =>
  createHttpClient({
    baseUrl: `${server.url}/api/`,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
const last = () => seen[seen.length - 1]!;
// biome-ignore lint/suspicious/noExplicitAny: tests read error fields freely
const caught = (error: unknown): any => error;
const unexpected = (): never => {
  throw new Error('expected the request to fail');
};

describe('createHttpClient', () => {
  it('sends JSON with base path, query arrays and default, Information Mediator and id headers', async () => {
    const http = client({
      headers: { apiKey: 'secret-key' },
      informationMediatorClient: 'eGovStack/GOV/1/consent',
    });
    const data = await http.request({
      method: 'GET',
      path: '/echo?fixed=1',
      query: { 'status[]': ['sent', 'not_sent'], page: 2, skip: undefined },
      requestId: 'req-1',
      correlationId: 'corr-1',
    });
    expect(data).toEqual({
      method: 'GET',
      query: { fixed: ['1'], 'status[]': ['sent', 'not_sent'], page: ['2'] },
    });
    expect(last().headers).toMatchObject({
      apikey: 'secret-key',
      'information-mediator-client': 'eGovStack/GOV/1/consent',
      'x-request-id': 'req-1',
      'x-correlation-id': 'corr-1',
    });
    const created = await http.send({ method: 'POST', path: 'things', body: { name: 'n' } });
    expect(created).toMatchObject({ status: 201, data: { name: 'n' }, attempts: 1 });
    expect(last().headers['content-type']).toBe('application/json');
    expect(last().body).toBe('{"name":"n"}');
    await http.close();
  });

  it('validates responses with a lenient schema, and refuses a body that breaks it', async () => {
    const http = client();
    expect(
      await http.request({ method: 'GET', path: '/shape', schema: z.object({ id: z.string() }) }),
    ).toEqual({ id: 'a' });
    const error = await http
      .request({ method: 'GET', path: '/shape', schema: z.object({ id: z.number() }) })
      .then(unexpected, caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', status: 502 });
    await expect(http.request({ method: 'GET', path: '/not-json' })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
    });
  });

  it('maps problem+json answers to the errors the remote threw, keeping its code', async () => {
    const http = client();
    const missing = await http
      .request({ method: 'GET', path: '/missing' })
      .then(unexpected, caught);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', status: 404, detail: 'No such thing' });
    const conflict = await http
      .request({ method: 'GET', path: '/conflict' })
      .then(unexpected, caught);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ code: 'CONSENT_REVOKED', status: 409 });
    const busy = await http.request({ method: 'GET', path: '/busy' }).then(unexpected, caught);
    expect(busy).toBeInstanceOf(IdempotencyInFlightError);
    expect(busy.retryAfterSeconds).toBe(2);
    await expect(http.request({ method: 'GET', path: '/denied' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
    });
    const invalid = await http
      .request({ method: 'POST', path: '/things', body: { name: 5 } })
      .then(unexpected, caught);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.issues).toEqual([expect.objectContaining({ pointer: '/name' })]);
    const unknownRoute = await http
      .request({ method: 'GET', path: '/nowhere' })
      .then(unexpected, caught);
    expect(isGovBlocksError(unknownRoute)).toBe(true);
    expect(unknownRoute.code).toBe('NOT_FOUND');
  });

  it('maps a non-JSON error body to REMOTE_ERROR with only a short snippet', async () => {
    const error = await client({ retries: 0 })
      .request({ method: 'GET', path: '/html-error' })
      .then(unexpected, caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', status: 502, remoteStatus: 500 });
    expect(error.message.length).toBeLessThan(300);
    expect(error.message.match(/secret/g)!.length).toBeLessThan(40);
  });

  it('retries idempotent requests on 503 with growing, jittered backoff', async () => {
    delays.length = 0;
    const response = await client().send({ method: 'GET', path: '/flaky/get' });
    expect(response).toMatchObject({ data: { times: 3 }, attempts: 3 });
    expect(delays).toEqual([100, 200]);
  });

  it('reports every attempt to onAttempt without paths or bodies', async () => {
    const events: Array<Record<string, unknown>> = [];
    await client({ onAttempt: (event) => events.push({ ...event }) }).send({
      method: 'GET',
      path: '/flaky/observed',
      query: { secret: 'person-9' },
    });
    expect(
      events.map(({ attempt, status, code, willRetry }) => ({ attempt, status, code, willRetry })),
    ).toEqual([
      { attempt: 1, status: 503, code: 'UNAVAILABLE', willRetry: true },
      { attempt: 2, status: 503, code: 'UNAVAILABLE', willRetry: true },
      { attempt: 3, status: 200, code: undefined, willRetry: false },
    ]);
    expect(events[0]).toMatchObject({
      method: 'GET',
      host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(JSON.stringify(events)).not.toContain('person-9');
    expect(JSON.stringify(events)).not.toContain('flaky');
  });

  it('does not retry a POST without an idempotency key, and retries one with a key (same key each time)', async () => {
    const error = await client()
      .request({ method: 'POST', path: '/flaky/post', body: {} })
      .then(unexpected, caught);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(counters.get('post')).toBe(1);
    const before = seen.length;
    const response = await client().send({
      method: 'POST',
      path: '/flaky/keyed',
      body: {},
      idempotencyKey: 'auto',
    });
    expect(response.attempts).toBe(3);
    const keys = seen.slice(before).map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('honours Retry-After on 429, and gives up at once when it asks for too long', async () => {
    delays.length = 0;
    const limited = await client({ retries: 1 })
      .request({ method: 'GET', path: '/limited' })
      .then(unexpected, caught);
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 1 });
    expect(delays).toEqual([1000]);
    delays.length = 0;
    const tooLong = await client()
      .request({ method: 'GET', path: '/limited', query: { after: 3600 } })
      .then(unexpected, caught);
    expect(tooLong).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
    expect(delays).toEqual([]);
  });

  it('times out with TIMEOUT, retrying only where safe', async () => {
    const before = seen.length;
    const get = await client({ timeoutMs: 100, retries: 1 })
      .request({ method: 'GET', path: '/hang' })
      .then(unexpected, caught);
    expect(get).toMatchObject({ code: 'TIMEOUT', status: 504 });
    expect(seen.length - before).toBe(2);
    const post = await client({ timeoutMs: 100 })
      .request({ method: 'POST', path: '/hang', body: {} })
      .then(unexpected, caught);
    expect(post).toMatchObject({ code: 'TIMEOUT' });
    expect(seen.length - before).toBe(3);
  });

  it('answers UNAVAILABLE when nothing listens', async () => {
    const http = createHttpClient({
      baseUrl: 'http://127.0.0.1:1',
      retries: 1,
      sleep: async () => {},
    });
    await expect(http.request({ method: 'GET', path: '/' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      status: 503,
    });
  });

  it('refuses oversized responses, returns accepted non-2xx answers, honours abort', async () => {
    await expect(
      client({ maxResponseBytes: 1000 }).request({ method: 'GET', path: '/big' }),
    ).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
    });
    const bigError = await client()
      .request({ method: 'GET', path: '/big-missing' })
      .then(unexpected, caught);
    expect(bigError).toBeInstanceOf(NotFoundError);
    expect(bigError.detail.length).toBeLessThan(210);
    const custom = await client().send({
      method: 'GET',
      path: '/custom-status',
      acceptStatus: [457],
    });
    expect(custom).toMatchObject({ status: 457, data: { error: 'voucher exhausted' } });
    const controller = new AbortController();
    const pending = client().request({ method: 'GET', path: '/hang', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('refuses bad options and absolute paths', () => {
    expect(() => createHttpClient({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(() => createHttpClient({ baseUrl: 'ftp://x' })).toThrow(/http/);
    expect(() => createHttpClient({ baseUrl: 'http://x', retries: -1 })).toThrow(/retries/);
    const http = createHttpClient({ baseUrl: 'http://x' });
    return expect(
      http.request({ method: 'GET', path: 'https://evil.example/' }),
    ).rejects.toMatchObject({
      code: 'CONFIGURATION_ERROR',
    });
  });

  it('works with an undici MockAgent as dispatcher', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://registry.example')
      .intercept({ path: '/v1/persons/42', method: 'GET' })
      .reply(200, { id: 42 }, { headers: { 'content-type': 'application/json' } });
    agent
      .get('https://registry.example')
      .intercept({ path: '/v1/persons/43', method: 'GET' })
      .reply(
        422,
        { code: 'PERSON_INVALID', detail: 'bad', errors: [{ field: 'name', message: 'required' }] },
        {
          headers: { 'content-type': 'application/problem+json' },
        },
      );
    const http = createHttpClient({ baseUrl: 'https://registry.example/v1', dispatcher: agent });
    expect(await http.request({ method: 'GET', path: '/persons/42' })).toEqual({ id: 42 });
    const invalid = await http
      .request({ method: 'GET', path: '/persons/43' })
      .then(unexpected, caught);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid).toMatchObject({
      code: 'PERSON_INVALID',
      status: 422,
      issues: [{ pointer: '/name', detail: 'required' }],
    });
    await agent.close();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
  });
});
