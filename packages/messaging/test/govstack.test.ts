/**
 * Runs the same requests against GovStack's reference mock and our HTTP binding, and compares
 * status codes, content types, `Allow` headers and the shape of each JSON answer; then runs the
 * MessagingService conformance kit on the engine, on the round trip remote(binding(engine)) and on
 * the remote adapter against the reference mock.
 */
import { memoryAuditSink } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { type GovStackMock, startGovStackMock } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryChannel } from '../src/channels/memory-channel.js';
import {
  createMessagingService,
  type MessagingEngine,
} from '../src/engine/create-messaging-service.js';
import { memoryMessagingStore } from '../src/engine/memory-store.js';
import { govstackMessaging } from '../src/govstack/govstack-messaging.js';
import { messagingHttpApp } from '../src/http/messaging-http-app.js';
import { describeMessagingService } from '../src/testing/service-conformance.js';

// One reference mock for this file (starting it costs seconds); skipped, saying why, without it.
const started = await startGovStackMock('messaging');
if (!started.mock) console.warn(`[messaging] reference mock tests skipped: ${started.skip}`);
afterAll(async () => {
  await started.mock?.stop();
});

const email = {
  callback: { URI: 'https://example.com/callback/emails/requestUid' },
  senderInfo: {
    organisationName: 'Example Medical Institution',
    email: 'sender@example.com',
    replyTo: 'reply-to@example.com',
    name: 'Example Doctor',
  },
  recipientInfo: {
    email: 'customer@example.com',
    emailCC: 'customer-cc@example.com',
    emailBCC: 'customer-bcc@example.com',
    name: 'Example Customer',
  },
  emailContent: {
    encoding: 'UTF-8',
    title: 'Example Title Of An Email',
    content: 'Example Customer',
  },
};
const batchRecipients = Buffer.from(
  JSON.stringify([
    {
      recipientInfo: {
        email: 'customer@example.com',
        emailCC: 'customer-cc@example.com',
        name: 'Example Customer',
      },
    },
    { recipientInfo: { email: 'dear-customer@example.com', name: 'Unknown Customer' } },
  ]),
).toString('base64');
const batch = {
  ...email,
  callbackURI: email.callback,
  recipientInfo: { batchEmailAsBase64: batchRecipients },
};

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}
const json = { 'content-type': 'application/json' };
const key = { api_key: 'a-development-key-123' };
const cases: Case[] = [
  {
    name: 'send single',
    method: 'POST',
    path: '/send/email/single',
    headers: { ...json, ...key },
    body: email,
  },
  {
    name: 'send single without key',
    method: 'POST',
    path: '/send/email/single',
    headers: json,
    body: email,
  },
  { name: 'send single without body', method: 'POST', path: '/send/email/single', headers: key },
  { name: 'send single, GET', method: 'GET', path: '/send/email/single', headers: key },
  { name: 'send single, PUT', method: 'PUT', path: '/send/email/single', headers: key },
  { name: 'send single, DELETE', method: 'DELETE', path: '/send/email/single', headers: key },
  {
    name: 'send batch',
    method: 'POST',
    path: '/send/email/batch',
    headers: { ...json, ...key },
    body: batch,
  },
  { name: 'send batch, GET', method: 'GET', path: '/send/email/batch', headers: key },
  { name: 'send batch, PUT', method: 'PUT', path: '/send/email/batch', headers: key },
  { name: 'send batch, DELETE', method: 'DELETE', path: '/send/email/batch', headers: key },
  {
    name: 'status',
    method: 'GET',
    path: '/status/email?status[]=delivered&status[]=not_sent&status[]=not%20sent&status[]=scheduled',
    headers: { ...key, requestUID: 'UfQK-CPju-Ea5B-6y7X-8A72-VqU5' },
  },
  {
    name: 'status without requestUID',
    method: 'GET',
    path: '/status/email?status[]=delivered',
    headers: key,
  },
  {
    name: 'status without key',
    method: 'GET',
    path: '/status/email?status[]=delivered',
    headers: { requestUID: 'x' },
  },
  {
    name: 'status without status',
    method: 'GET',
    path: '/status/email',
    headers: { ...key, requestUID: 'x' },
  },
  { name: 'status, POST', method: 'POST', path: '/status/email', headers: key },
  { name: 'status, PUT', method: 'PUT', path: '/status/email', headers: key },
  {
    name: 'callback',
    method: 'POST',
    path: '/callback/email',
    headers: { ...json, ...key, requestUID: 'x' },
    body: { meta: 'Meta-info', content: 'Q2xpZW50' },
  },
  {
    name: 'callback without requestUID',
    method: 'POST',
    path: '/callback/email',
    headers: { ...json, ...key },
    body: { meta: 'x' },
  },
  { name: 'callback, GET', method: 'GET', path: '/callback/email', headers: key },
  { name: 'callback, PUT', method: 'PUT', path: '/callback/email', headers: key },
];

interface Answer {
  status: number;
  contentType: string | null;
  allow: string | null;
  shape: unknown;
}
const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, shapeOf(item)]));
  return typeof value;
};
async function call(base: string, item: Case): Promise<Answer & { body: unknown }> {
  const init: RequestInit = { method: item.method, headers: item.headers };
  if (item.body !== undefined) init.body = JSON.stringify(item.body);
  const response = await fetch(`${base}${item.path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? '' : JSON.parse(text);
  } catch {
    // not JSON
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    allow: response.headers.get('allow'),
    shape: shapeOf(body),
    body,
  };
}

describe('GovStack Messaging API: our binding answers as the reference mock does', () => {
  let mock: GovStackMock | undefined;
  let skipReason: string | undefined;
  let server: RunningServer;
  beforeAll(async () => {
    const store = memoryMessagingStore();
    const service = createMessagingService({
      store,
      channels: [memoryChannel({ kind: 'email' })],
      audit: memoryAuditSink(),
    });
    server = await startServer(messagingHttpApp(service, { logger: { warn() {}, error() {} } }), {
      port: 0,
    });
    mock = started.mock;
    skipReason = started.skip;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  for (const item of cases) {
    it(item.name, async (context) => {
      if (!mock) {
        context.skip(`reference mock unavailable: ${skipReason}`);
        return;
      }
      const [theirs, ours] = await Promise.all([call(mock.url, item), call(server.url, item)]);
      expect({ name: item.name, status: ours.status }).toEqual({
        name: item.name,
        status: theirs.status,
      });
      if (theirs.status !== 404) {
        expect(ours.contentType).toBe(theirs.contentType);
        expect(ours.shape).toEqual(theirs.shape);
        if (theirs.allow) expect(ours.allow).toBe(theirs.allow);
      }
      if (
        theirs.status === 200 &&
        typeof theirs.body === 'object' &&
        theirs.body &&
        'response' in theirs.body
      ) {
        expect((ours.body as { response: string }).response).toBe(
          (theirs.body as { response: string }).response,
        );
      }
    });
  }
});

const newEngine = () =>
  createMessagingService({
    store: memoryMessagingStore(),
    channels: [memoryChannel({ kind: 'email' }), memoryChannel({ kind: 'sms' })],
    audit: memoryAuditSink(),
  });
const drainEngine = async (engine: MessagingEngine) => {
  while ((await engine.processDue({ limit: 100 })).claimed > 0);
};

let engine: MessagingEngine;
describeMessagingService('engine (memory store)', {
  setup: async () => {
    engine = newEngine();
    return engine;
  },
  drain: () => drainEngine(engine),
});

// The round trip: remote adapter → our HTTP binding → engine.
let bound: MessagingEngine;
let server: RunningServer;
let remote: ReturnType<typeof govstackMessaging>;
describeMessagingService('govstack remote over our HTTP binding', {
  async setup() {
    bound = newEngine();
    const key = 'round-trip-key-0123456789';
    server = await startServer(
      messagingHttpApp(bound, {
        apiKeys: [{ key, id: 'remote' }],
        logger: { warn() {}, error() {} },
      }),
      { port: 0 },
    );
    remote = govstackMessaging({ baseUrl: `${server.url}/v1`, apiKey: key });
    return remote;
  },
  drain: () => drainEngine(bound),
  async teardown() {
    await remote.close();
    await server.close();
  },
});

if (started.mock) {
  const mock = started.mock;
  let mockRemote: ReturnType<typeof govstackMessaging> | undefined;
  describeMessagingService(
    'govstack remote against the reference mock',
    {
      async setup() {
        mockRemote = govstackMessaging({ baseUrl: mock.url, apiKey: 'any-key' });
        return mockRemote;
      },
      async teardown() {
        await mockRemote?.close();
      },
    },
    {
      'idempotent-replay': 'the mock answers a fresh random requestUID every time',
      'status-counts': 'the mock answers 0 for every status',
    },
  );
} else {
  describe('govstack remote against the reference mock', () => {
    it.skip(`skipped: ${started.skip}`, () => {});
  });
}
