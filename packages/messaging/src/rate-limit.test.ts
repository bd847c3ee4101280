import { type ActorContext, manualClock, memoryAuditSink } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { failoverChannel } from './channels/failover-channel.js';
import { memoryChannel } from './channels/memory-channel.js';
import { createMessagingService } from './engine/create-messaging-service.js';
import { memoryMessagingStore } from './engine/memory-store.js';
import { memoryRateLimiter, rateLimitedChannel } from './rate-limit.js';
import { describeRateLimiter } from './testing/rate-limiter-conformance.js';

const context: ActorContext = { actor: { type: 'service', id: 'test', roles: [] } };

describeRateLimiter('memory', { create: async () => memoryRateLimiter() });

describe('rate-limited delivery', () => {
  it('holds messages back past a quota without spending attempts', async () => {
    const clock = manualClock('2030-01-01T00:00:00.000Z');
    const channel = memoryChannel({ kind: 'sms' });
    const limited = rateLimitedChannel(channel, {
      limiter: memoryRateLimiter(),
      limits: [{ limit: 2, windowMs: 1_000 }],
      clock,
    });
    const engine = createMessagingService({
      store: memoryMessagingStore(),
      channels: [limited],
      audit: memoryAuditSink(),
      clock,
    });
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push(
        (
          await engine.send(context, {
            idempotencyKey: `k${index}`,
            channel: 'sms',
            to: '+15551234567',
            content: { text: `m${index}` },
          })
        ).id,
      );
    }
    expect(await engine.processDue({ limit: 10 })).toMatchObject({
      claimed: 5,
      delivered: 2,
      throttled: 3,
    });
    const held = await Promise.all(ids.map((id) => engine.getMessage(context, id)));
    expect(
      held
        .filter((message) => message.status === 'queued')
        .every((message) => message.attempts === 0 && message.lastError === null),
    ).toBe(true);
    expect(await engine.processDue({ limit: 10 })).toMatchObject({ claimed: 0 });
    clock.advance(1_000);
    expect(await engine.processDue({ limit: 10 })).toMatchObject({ delivered: 2, throttled: 1 });
    expect(channel.sent).toHaveLength(4);
  });

  it('failover moves past a provider at its quota without opening its circuit', async () => {
    const limiter = memoryRateLimiter();
    const primary = rateLimitedChannel(memoryChannel({ kind: 'sms', name: 'primary' }), {
      limiter,
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    const backup = memoryChannel({ kind: 'sms', name: 'backup' });
    const channel = failoverChannel({
      channels: [primary, backup],
      breaker: { failureThreshold: 1 },
    });
    const message = (key: string) => ({
      id: key,
      idempotencyKey: key,
      kind: 'sms' as const,
      to: '+15551234567',
      text: 'x',
      attempt: 1,
    });
    expect(await channel.send(message('a'))).toMatchObject({ channel: 'primary' });
    expect(await channel.send(message('b'))).toMatchObject({ channel: 'backup' });
    expect(channel.circuits()[0]).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('failover reports "throttled" when every provider is at its quota', async () => {
    const limiter = memoryRateLimiter();
    const only = rateLimitedChannel(memoryChannel({ kind: 'sms', name: 'only' }), {
      limiter,
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    const channel = failoverChannel({ channels: [only] });
    await channel.send({
      id: 'a',
      idempotencyKey: 'a',
      kind: 'sms',
      to: '+15551234567',
      text: 'x',
      attempt: 1,
    });
    await expect(
      channel.send({
        id: 'b',
        idempotencyKey: 'b',
        kind: 'sms',
        to: '+15551234567',
        text: 'x',
        attempt: 1,
      }),
    ).rejects.toMatchObject({
      retryable: true,
      extensions: { throttled: true },
    });
  });
});
