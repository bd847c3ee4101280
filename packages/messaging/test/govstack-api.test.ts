/**
 * Runs the same requests against GovStack's reference mock and our HTTP binding, and compares
 * status codes, content types, `Allow` headers and the shape of each JSON answer.
 */
import { fileURLToPath } from 'node:url';
import { memoryAuditSink } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryChannel } from '../src/channels/memory-channel.js';
import { createMessagingService } from '../src/engine/create-messaging-service.js';
import { memoryMessagingStore } from '../src/engine/memory-store.js';
import { messagingHttpApp } from '../src/http/messaging-http-app.js';
import { type ReferenceMock, startReferenceMock } from './reference-mock.js';

const mockFile =
  process.env.GOVSTACK_MESSAGING_MOCK ??
  fileURLToPath(
    new URL(
      '../../../../../shared/govstack/messaging/mock/mockoon-messaging.json',
      import.meta.url,
    ),
  );
const fallbackMockFile = '/work/shared/govstack/messaging/mock/mockoon-messaging.json';

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
  let mock: ReferenceMock | undefined;
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
    const { existsSync } = await import('node:fs');
    const file = existsSync(mockFile) ? mockFile : fallbackMockFile;
    const started = await startReferenceMock(file);
    mock = started.mock;
    skipReason = started.reason;
    if (!mock) console.warn(`[messaging] reference mock comparison skipped: ${skipReason}`);
  }, 120_000);
  afterAll(async () => {
    await mock?.stop();
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
