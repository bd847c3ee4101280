import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../errors.js';
import type { Channel, OutgoingMessage } from '../ports.js';

/** What the receiving side saw (read back from the real provider or server). */
export interface ReceivedMessage {
  to: string;
  /** The body text as received (decoded), when the harness can tell. */
  text?: string;
  subject?: string;
  /** The idempotency key or a value derived from it (Message-ID, header), when the provider shows it. */
  idempotencyMark?: string;
}

/** How the channel kit drives one channel implementation. */
export interface ChannelHarness {
  /** Starts servers and returns the channel under test. Called once. */
  setup(): Promise<Channel>;
  /** Everything received since the last call (then forgotten). */
  received(): Promise<ReceivedMessage[]>;
  /** A recipient the provider refuses permanently, if it can be made to. */
  refusedRecipient?: string;
  /** Makes the next send fail temporarily (e.g. the server answers 451 / 503), if possible. */
  failNextTemporarily?(): void;
  /** A valid recipient for this kind. */
  recipient: string;
  teardown?(): Promise<void>;
}

/** Skip keys of the channel kit, each with the reason it is skipped. */
export type ChannelConformanceSkip = 'permanent-refusal' | 'temporary-failure';

let counter = 0;
const message = (
  kind: Channel['kind'],
  to: string,
  overrides: Partial<OutgoingMessage> = {},
): OutgoingMessage => {
  counter += 1;
  return {
    id: `conformance-${Date.now()}-${counter}`,
    idempotencyKey: `conformance-key-${Date.now()}-${counter}`,
    kind,
    to,
    subject: kind === 'email' ? 'Conformance check' : undefined,
    text: 'Your appointment moved to 10:30. Ref ÅΩ-€ 😀',
    attempt: 1,
    ...overrides,
  };
};

/**
 * The channel conformance kit: every `Channel` (first-party and vendors') runs it against a
 * real or local provider. It checks the port's rules: a versioned, named channel of one kind;
 * `send` resolves with a provider id once the provider has the message (read back at the
 * receiving side); permanent refusals are `ChannelError`s with `retryable: false`, temporary
 * failures with `retryable: true`; error messages never contain the recipient.
 *
 * @example
 * describeChannel('smtp', { setup: async () => smtpChannel({...}), received: async () => server.take(), recipient: 'a@example.org' });
 */
export function describeChannel(
  name: string,
  harness: ChannelHarness,
  skip: Partial<Record<ChannelConformanceSkip, string>> = {},
): void {
  describe(`Channel conformance: ${name}`, () => {
    let channel: Channel;
    beforeAll(async () => {
      channel = await harness.setup();
    });
    afterAll(async () => {
      await channel?.close?.();
      await harness.teardown?.();
    });

    it('declares its version, name and kind', () => {
      expect(channel.specificationVersion).toBe('messaging-channel/v1');
      expect(channel.name).toMatch(/^[A-Za-z0-9_.:-]+$/);
      expect(['email', 'sms']).toContain(channel.kind);
    });

    it('delivers a message that the receiving side reads back', async () => {
      await harness.received();
      const outgoing = message(channel.kind, harness.recipient);
      const receipt = await channel.send(outgoing);
      expect(typeof receipt.providerMessageId).toBe('string');
      expect(receipt.providerMessageId.length).toBeGreaterThan(0);
      const received = await harness.received();
      expect(received).toHaveLength(1);
      expect(received[0]?.to).toBe(harness.recipient);
      if (received[0]?.text !== undefined) expect(received[0].text).toContain(outgoing.text);
      if (received[0]?.subject !== undefined && outgoing.subject)
        expect(received[0].subject).toBe(outgoing.subject);
    });

    it('carries the idempotency key (or a mark derived from it) to the provider', async () => {
      await harness.received();
      const outgoing = message(channel.kind, harness.recipient);
      await channel.send(outgoing);
      await channel.send({ ...outgoing, attempt: 2 });
      const received = await harness.received();
      const marks = received.map((item) => item.idempotencyMark);
      if (marks.every((mark) => mark === undefined)) return; // the provider shows nothing to compare
      expect(new Set(marks).size).toBe(1);
    });

    it.skipIf(skip['permanent-refusal'] !== undefined || !harness.refusedRecipient)(
      'reports a permanent refusal as a non-retryable ChannelError without the address',
      async () => {
        const to = harness.refusedRecipient as string;
        const error = await channel
          .send(message(channel.kind, to))
          .catch((caught: unknown) => caught);
        expect(ChannelError.is(error)).toBe(true);
        expect((error as ChannelError).retryable).toBe(false);
        expect((error as ChannelError).message).not.toContain(to);
        await harness.received();
      },
    );

    it.skipIf(skip['temporary-failure'] !== undefined || !harness.failNextTemporarily)(
      'reports a temporary failure as a retryable ChannelError',
      async () => {
        harness.failNextTemporarily?.();
        const error = await channel
          .send(message(channel.kind, harness.recipient))
          .catch((caught: unknown) => caught);
        expect(ChannelError.is(error)).toBe(true);
        expect((error as ChannelError).retryable).toBe(true);
        expect((error as ChannelError).message).not.toContain(harness.recipient);
        await harness.received();
      },
    );
  });
}
