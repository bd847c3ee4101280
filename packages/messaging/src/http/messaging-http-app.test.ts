import { memoryAuditSink } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { memoryChannel } from '../channels/memory-channel.js';
import { createMessagingService } from '../engine/create-messaging-service.js';
import { memoryMessagingStore } from '../engine/memory-store.js';
import { messagingHttpApp } from './messaging-http-app.js';

const apiKey = 'portal-key-0123456789';
function setup() {
  const channel = memoryChannel({ kind: 'email' });
  const service = createMessagingService({
    store: memoryMessagingStore(),
    channels: [channel],
    audit: memoryAuditSink(),
  });
  const app = messagingHttpApp(service, {
    apiKeys: [{ key: apiKey, id: 'portal' }],
    logger: { warn() {}, error() {} },
  });
  return { channel, service, app };
}
const email = {
  senderInfo: { email: 'sender@example.com', name: 'Agency' },
  recipientInfo: { email: 'customer@example.com', name: 'Ada <Lovelace>' },
  emailContent: { title: 'Hello {{name}}', content: 'Dear {{name}}, your request is approved.' },
};
const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('messagingHttpApp', () => {
  it('sends, delivers and reports status through the GovStack API (spec header spellings too)', async () => {
    const { app, service, channel } = setup();
    const sent = await app.request('/v1/send/email/single', post(email, { apiKey }));
    expect(sent.status).toBe(200);
    const { requestUID } = (await sent.json()) as { requestUID: string };
    const before = await app.request('/status/email?status[]=scheduled&status[]=delivered', {
      headers: { api_key: apiKey, requestUid: requestUID },
    });
    expect(await before.json()).toEqual({ scheduled: 1, delivered: 0 });
    await service.processDue();
    expect(channel.sent[0]).toMatchObject({
      to: 'customer@example.com',
      subject: 'Hello Ada <Lovelace>',
      from: { address: 'sender@example.com', name: 'Agency' },
    });
    const after = await app.request(
      '/status/email?status[]=delivered&status[]=notSent&status[]=bounced',
      { headers: { api_key: apiKey, requestUID } },
    );
    expect(after.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await after.json()).toEqual({ delivered: 1, notSent: 0, bounced: 0 });
  });

  it('an Idempotency-Key header makes a repeat return the first request', async () => {
    const { app, service, channel } = setup();
    const first = await (
      await app.request(
        '/send/email/single',
        post(email, { api_key: apiKey, 'idempotency-key': 'abc-1' }),
      )
    ).json();
    const second = await (
      await app.request(
        '/send/email/single',
        post(email, { api_key: apiKey, 'idempotency-key': 'abc-1' }),
      )
    ).json();
    expect(second).toEqual(first);
    await service.processDue();
    expect(channel.sent).toHaveLength(1);
  });

  it('a missing key answers 405 with Allow; a wrong key 401; invalid input 405', async () => {
    const { app } = setup();
    const missing = await app.request('/send/email/single', post(email));
    expect(missing.status).toBe(405);
    expect(missing.headers.get('allow')).toBe('POST');
    expect(
      (await app.request('/send/email/single', post(email, { api_key: 'wrong-key-0123456789' })))
        .status,
    ).toBe(401);
    expect((await app.request('/send/email/batch', post({}))).status).toBe(405);
    const bad = await app.request(
      '/send/email/single',
      post({ ...email, recipientInfo: { email: 'not-an-address' } }, { api_key: apiKey }),
    );
    expect(bad.status).toBe(405);
  });

  it('queues a base64 batch and counts it', async () => {
    const { app, service, channel } = setup();
    const recipients = Array.from({ length: 5 }, (_, index) => ({
      recipientInfo: { email: `p${index}@example.com`, name: `P${index}` },
    }));
    const body = {
      ...email,
      recipientInfo: {
        batchEmailAsBase64: Buffer.from(JSON.stringify(recipients)).toString('base64'),
      },
    };
    const answer = await app.request('/send/email/batch', post(body, { api_key: apiKey }));
    expect(answer.status).toBe(200);
    const { requestUID } = (await answer.json()) as { requestUID: string };
    await service.processDue({ limit: 10 });
    expect(channel.sent.map((message) => message.subject)).toEqual([
      'Hello P0',
      'Hello P1',
      'Hello P2',
      'Hello P3',
      'Hello P4',
    ]);
    const status = await app.request('/status/email?status[]=delivered', {
      headers: { api_key: apiKey, requestUID },
    });
    expect(await status.json()).toEqual({ delivered: 5 });
  });
});
