import { ChannelError } from '../errors.js';
import type { Channel, ChannelReceipt, OutgoingMessage } from '../ports.js';
import type { ChannelKind } from '../schemas.js';

/** A channel that keeps what it "sends", for tests and demos. */
export interface MemoryChannel extends Channel {
  /** Every accepted message, in order. */
  readonly sent: OutgoingMessage[];
  /** Accepted messages by idempotency key: a key the channel saw is answered from here, not sent again. */
  readonly byIdempotencyKey: ReadonlyMap<string, ChannelReceipt>;
  clear(): void;
}

export interface MemoryChannelOptions {
  kind: ChannelKind;
  name?: string;
  /**
   * Decides per attempt whether it fails: return `'temporary'` or `'permanent'` to throw a
   * retryable or permanent `ChannelError`, anything else to accept.
   */
  fail?: (message: OutgoingMessage) => 'temporary' | 'permanent' | undefined;
  /** Deduplicates by idempotency key like a provider that supports it. Default true. */
  deduplicate?: boolean;
}

/**
 * A memory channel: accepts messages into an array (or fails them as `fail` says).
 *
 * @example
 * const sms = memoryChannel({ kind: 'sms' });
 * // … after delivery: sms.sent[0].text
 */
export function memoryChannel(options: MemoryChannelOptions): MemoryChannel {
  const name = options.name ?? `memory-${options.kind}`;
  const sent: OutgoingMessage[] = [];
  const byKey = new Map<string, ChannelReceipt>();
  const deduplicate = options.deduplicate ?? true;
  let counter = 0;
  return {
    specificationVersion: 'messaging-channel/v1',
    name,
    kind: options.kind,
    sent,
    byIdempotencyKey: byKey,
    async send(message) {
      if (message.kind !== options.kind)
        throw new ChannelError(name, `cannot send ${message.kind}`, { retryable: false });
      const failure = options.fail?.(message);
      if (failure)
        throw new ChannelError(name, `${failure} failure (simulated)`, {
          retryable: failure === 'temporary',
        });
      const known = deduplicate ? byKey.get(message.idempotencyKey) : undefined;
      if (known) return known;
      counter += 1;
      const receipt = { providerMessageId: `${name}-${counter}`, channel: name };
      sent.push(structuredClone(message));
      byKey.set(message.idempotencyKey, receipt);
      return receipt;
    },
    clear() {
      sent.length = 0;
      byKey.clear();
      counter = 0;
    },
  };
}

/**
 * A development channel that prints a one-line notice per message to `write` (default:
 * `console.log`). It prints the kind, the message id and the first characters of the subject or
 * text — never the recipient. Use it with `govblocks serve messaging` on a laptop.
 */
export function consoleChannel(options: {
  kind: ChannelKind;
  name?: string;
  write?: (line: string) => void;
}): Channel {
  const name = options.name ?? `console-${options.kind}`;
  const write = options.write ?? ((line: string) => console.log(line));
  return {
    specificationVersion: 'messaging-channel/v1',
    name,
    kind: options.kind,
    async send(message) {
      const summary = (message.subject ?? message.text).replace(/\s+/g, ' ').slice(0, 60);
      write(
        `[messaging:${name}] ${message.kind} ${message.id} attempt ${message.attempt}: ${summary}`,
      );
      return { providerMessageId: `${name}-${message.id}`, channel: name };
    },
  };
}
