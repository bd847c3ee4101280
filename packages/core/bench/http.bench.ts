/**
 * `pnpm bench core/bench/http` — what the HTTP kits cost on top of their bare libraries.
 *
 * - Server kit: a JSON GET and a validated JSON POST through `createHttpApp` (request ids,
 *   problem+json, body limit, API-key auth, `readJson`, `sendJson`) vs a bare Hono app doing the
 *   same work without them, in process (`app.request`, no sockets).
 * - Client kit: `createHttpClient().request` vs bare `undici.request` + `JSON.parse`, against a
 *   local bare Node server on loopback.
 *
 * Scale: BENCH_TIME_MS (measuring time per task, default 1,000).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { defineBench } from '../../../tools/bench/harness.js';
import { createHttpClient, type HttpClient } from '../src/client/index.js';
import { createHttpApp, readJson, sendJson } from '../src/http/index.js';

const time = Number(process.env.BENCH_TIME_MS ?? 1_000);
const apiKey = 'bench-key-0123456789abcdef';
const bodySchema = z.object({ name: z.string().min(1), amount: z.number().int() });
const body = JSON.stringify({ name: 'bench', amount: 42 });

const bare = new Hono();
bare.get('/items/:id', (c) => c.json({ id: c.req.param('id'), ok: true }));
bare.post('/items', async (c) => {
  const input = bodySchema.parse(await c.req.json());
  return c.json(input, 201);
});

const kit = createHttpApp({
  logger: { warn: () => {}, error: () => {} },
  auth: { apiKeys: { keys: [{ key: apiKey, id: 'bench' }] } },
});
kit.get('/items/:id', (c) => sendJson(c, { id: c.req.param('id'), ok: true }));
kit.post('/items', async (c) => sendJson(c, await readJson(c, bodySchema), 201));

const headers = { 'X-API-Key': apiKey };
const postInit = () => ({
  method: 'POST',
  body,
  headers: { ...headers, 'content-type': 'application/json' },
});

let server: Server | undefined;
let origin = '';
let agent: Agent | undefined;
let client: HttpClient | undefined;

export default defineBench(
  {
    name: 'HTTP server kit: JSON GET in process (createHttpApp ÷ bare Hono)',
    baseline: { name: 'bare Hono', fn: () => bare.request('/items/7', { headers }) },
    subject: { name: 'createHttpApp', fn: () => kit.request('/items/7', { headers }) },
    time,
  },
  {
    name: 'HTTP server kit: validated JSON POST in process (createHttpApp ÷ bare Hono)',
    baseline: { name: 'bare Hono + zod', fn: () => bare.request('/items', postInit()) },
    subject: { name: 'createHttpApp + readJson', fn: () => kit.request('/items', postInit()) },
    time,
  },
  {
    name: 'HTTP client kit: JSON GET over loopback (createHttpClient ÷ bare undici)',
    baseline: {
      name: 'undici.request + JSON.parse',
      fn: async () => {
        const response = await request(`${origin}/items/7`, { dispatcher: agent });
        return JSON.parse(await response.body.text());
      },
    },
    subject: {
      name: 'createHttpClient().request',
      fn: () => client!.request({ method: 'GET', path: '/items/7' }),
    },
    setup: async () => {
      server = createServer((_, response) => {
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.end('{"id":"7","ok":true}');
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      agent = new Agent({ keepAliveTimeout: 4_000 });
      client = createHttpClient({ baseUrl: origin, dispatcher: agent });
    },
    teardown: async () => {
      await agent?.close();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
    time,
  },
);
