import { type ActorContext, manualClock, memoryAuditSink } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { memoryChannel } from '../channels/memory-channel.js';
import { signCallback, verifyCallbackSignature } from './callbacks.js';
import { createMessagingService } from './create-messaging-service.js';
import { memoryMessagingStore } from './memory-store.js';

const context: ActorContext = { actor: { type: 'service', id: 'test', roles: [] } };
const secret = 'callback-secret-0123456789';

describe('signed status callbacks', () => {
  it('POSTs a signed callback at the final status that the receiver can verify', async () => {
    const clock = manualClock('2030-01-01T00:00:00.000Z');
    const calls: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
    const engine = createMessagingService({
      store: memoryMessagingStore(),
      channels: [memoryChannel({ kind: 'email' })],
      audit: memoryAuditSink(),
      clock,
      callbacks: {
        secret,
        fetch: async (url, init) => {
          calls.push({ url, headers: init.headers, body: init.body });
          return { status: 204 };
        },
      },
    });
    const message = await engine.send(context, {
      idempotencyKey: 'cb',
      channel: 'email',
      to: 'a@example.org',
      content: { subject: 's', text: 't' },
      callbackUrl: 'https://agency.example/hooks/messaging',
      reference: 'case-7',
    });
    await engine.processDue();
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.url).toBe('https://agency.example/hooks/messaging');
    expect(JSON.parse(call.body)).toMatchObject({
      messageId: message.id,
      status: 'delivered',
      reference: 'case-7',
      errorCode: null,
    });
    expect(call.body).not.toContain('a@example.org');
    const header = call.headers['govblocks-signature'];
    expect(verifyCallbackSignature(secret, header, call.body, { now: clock.now() })).toBe(true);
    expect(
      verifyCallbackSignature(secret, header, call.body.replace('delivered', 'failed'), {
        now: clock.now(),
      }),
    ).toBe(false);
    expect(
      verifyCallbackSignature('another-secret-0123456789', header, call.body, { now: clock.now() }),
    ).toBe(false);
    expect(
      verifyCallbackSignature(secret, header, call.body, {
        now: new Date(clock.now().getTime() + 301_000),
      }),
    ).toBe(false);
  });

  it('rejects malformed headers', () => {
    expect(verifyCallbackSignature(secret, undefined, '{}')).toBe(false);
    expect(verifyCallbackSignature(secret, 't=abc,v1=zz', '{}')).toBe(false);
    const now = new Date();
    const header = signCallback(secret, '{}', Math.floor(now.getTime() / 1000));
    expect(verifyCallbackSignature(secret, header, '{}', { now })).toBe(true);
  });
});
