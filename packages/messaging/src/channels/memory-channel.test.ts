import { expect, it } from 'vitest';
import { describeChannel } from '../testing/channel-conformance.js';
import { consoleChannel, memoryChannel } from './memory-channel.js';

const channel = memoryChannel({
  kind: 'email',
  fail: (message) => (message.to.endsWith('@refused.example') ? 'permanent' : undefined),
  deduplicate: false,
});
describeChannel('memory', {
  recipient: 'ada@example.org',
  refusedRecipient: 'x@refused.example',
  setup: async () => channel,
  received: async () =>
    channel.sent.splice(0).map((item) => ({
      to: item.to,
      text: item.text,
      subject: item.subject,
      idempotencyMark: item.idempotencyKey,
    })),
});

it('the console channel prints no recipient', async () => {
  const lines: string[] = [];
  const console = consoleChannel({ kind: 'sms', write: (line) => lines.push(line) });
  await console.send({
    id: 'm1',
    idempotencyKey: 'k',
    kind: 'sms',
    to: '+15551234567',
    text: 'Your code is 1234',
    attempt: 1,
  });
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain('+15551234567');
});
