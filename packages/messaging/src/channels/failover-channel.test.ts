import { manualClock } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../errors.js';
import type { Channel, OutgoingMessage } from '../ports.js';
import { describeChannel } from '../testing/channel-conformance.js';
import { failoverChannel } from './failover-channel.js';
import { memoryChannel } from './memory-channel.js';

const message = (key: string): OutgoingMessage => ({
  id: key,
  idempotencyKey: key,
  kind: 'sms',
  to: '+15551234567',
  text: 'hi',
  attempt: 1,
});

describe('failoverChannel', () => {
  it('fails over on temporary errors and names the member that accepted', async () => {
    const primary = memoryChannel({ kind: 'sms', name: 'primary', fail: () => 'temporary' });
    const backup = memoryChannel({ kind: 'sms', name: 'backup' });
    const channel = failoverChannel({ channels: [primary, backup] });
    expect(await channel.send(message('a'))).toMatchObject({ channel: 'backup' });
    expect(backup.sent.map((item) => item.idempotencyKey)).toEqual(['a']);
  });

  it('does not fail over on a permanent refusal', async () => {
    const primary = memoryChannel({ kind: 'sms', name: 'primary', fail: () => 'permanent' });
    const backup = memoryChannel({ kind: 'sms', name: 'backup' });
    const error = await failoverChannel({ channels: [primary, backup] })
      .send(message('a'))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CHANNEL_REJECTED', retryable: false });
    expect(backup.sent).toHaveLength(0);
  });

  it('opens a circuit after the threshold, then half-opens after the rest period', async () => {
    const clock = manualClock();
    let primaryDown = true;
    const primary = memoryChannel({
      kind: 'sms',
      name: 'primary',
      fail: () => (primaryDown ? 'temporary' : undefined),
    });
    const backup = memoryChannel({ kind: 'sms', name: 'backup' });
    const channel = failoverChannel({
      channels: [primary, backup],
      breaker: { failureThreshold: 2, resetAfterMs: 1_000 },
      clock,
    });
    await channel.send(message('1'));
    await channel.send(message('2'));
    expect(channel.circuits()[0]).toMatchObject({ state: 'open', failures: 2 });
    primaryDown = false;
    expect(await channel.send(message('3'))).toMatchObject({ channel: 'backup' });
    clock.advance(1_000);
    expect(channel.circuits()[0]?.state).toBe('half-open');
    expect(await channel.send(message('4'))).toMatchObject({ channel: 'primary' });
    expect(channel.circuits()[0]).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('throws CIRCUIT_OPEN (retryable) when every circuit is open', async () => {
    const primary = memoryChannel({ kind: 'sms', name: 'primary', fail: () => 'temporary' });
    const channel = failoverChannel({
      channels: [primary],
      breaker: { failureThreshold: 1, resetAfterMs: 60_000 },
    });
    await expect(channel.send(message('1'))).rejects.toMatchObject({
      code: 'CHANNEL_UNAVAILABLE',
      retryable: true,
    });
    await expect(channel.send(message('2'))).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      retryable: true,
    });
  });

  it('keeps a maybe-accepted message on its provider, so the retry deduplicates instead of duplicating', async () => {
    // The primary accepts but the answer is lost once (a timeout after the request went out).
    const accepted = new Map<string, string>();
    let loseAnswer = true;
    const primary: Channel = {
      specificationVersion: 'messaging-channel/v1',
      name: 'primary',
      kind: 'sms',
      async send(outgoing) {
        if (!accepted.has(outgoing.idempotencyKey))
          accepted.set(outgoing.idempotencyKey, `p-${accepted.size + 1}`);
        if (loseAnswer) {
          loseAnswer = false;
          throw new ChannelError('primary', 'request timed out', {
            retryable: true,
            extensions: { maybeAccepted: true },
          });
        }
        return { providerMessageId: accepted.get(outgoing.idempotencyKey) as string };
      },
    };
    const backup = memoryChannel({ kind: 'sms', name: 'backup' });
    const channel = failoverChannel({ channels: [primary, backup] });
    await expect(channel.send(message('k'))).rejects.toMatchObject({ retryable: true });
    expect(backup.sent).toHaveLength(0);
    expect(await channel.send(message('k'))).toEqual({
      providerMessageId: 'p-1',
      channel: 'primary',
    });
    expect(accepted.size).toBe(1);
  });

  it('refuses members of different kinds', () => {
    expect(() =>
      failoverChannel({
        channels: [memoryChannel({ kind: 'sms' }), memoryChannel({ kind: 'email' })],
      }),
    ).toThrow(/one kind/);
  });
});

// The failover channel itself passes the channel kit (over two memory members).
const members = [
  memoryChannel({
    kind: 'sms',
    name: 'a',
    fail: (m) => (m.to === '+19990000000' ? 'permanent' : undefined),
  }),
  memoryChannel({ kind: 'sms', name: 'b' }),
];
let failNext = false;
const flaky: Channel = {
  ...members[0]!,
  send: (outgoing, options) => {
    if (failNext) {
      failNext = false;
      return Promise.reject(new ChannelError('a', 'temporarily down', { retryable: true }));
    }
    return members[0]!.send(outgoing, options);
  },
};
describeChannel('failover over memory channels', {
  recipient: '+15550001111',
  refusedRecipient: '+19990000000',
  setup: async () => failoverChannel({ channels: [flaky], breaker: { failureThreshold: 100 } }),
  received: async () =>
    members[0]!.sent
      .splice(0)
      .map((item) => ({ to: item.to, text: item.text, idempotencyMark: item.idempotencyKey })),
  failNextTemporarily: () => {
    failNext = true;
  },
});
