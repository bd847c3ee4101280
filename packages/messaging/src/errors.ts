import { GovBlocksError, type GovBlocksErrorOptions } from '@govblocks/core';

/**
 * Stable error codes of `@govblocks/messaging`, on top of the kernel's (`VALIDATION_FAILED`,
 * `NOT_FOUND`, `IDEMPOTENCY_KEY_MISMATCH`, …). Switch on `error.code`.
 */
export type MessagingErrorCode =
  | 'TEMPLATE_NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'BATCH_NOT_FOUND'
  | 'MISSING_PERSONALISATION'
  | 'CHANNEL_NOT_CONFIGURED'
  | 'CHANNEL_REJECTED'
  | 'CHANNEL_UNAVAILABLE'
  | 'CIRCUIT_OPEN'
  | 'UNSUPPORTED_SPECIFICATION_VERSION'
  | 'UNSUPPORTED_OPERATION';

/** Base class of the messaging block's own errors. */
export class MessagingError<
  Code extends MessagingErrorCode = MessagingErrorCode,
> extends GovBlocksError<Code> {
  constructor(code: Code, message: string, options: GovBlocksErrorOptions = {}) {
    super(code, message, options);
    this.name = 'MessagingError';
  }
}

/**
 * A template uses placeholders that the personalisation does not fill. Thrown by `preview`,
 * `send` and `sendBatch` before anything is queued. `missing` lists placeholder names only
 * (never values).
 */
export class MissingPersonalisationError extends MessagingError<'MISSING_PERSONALISATION'> {
  readonly missing: string[];
  /** For batches: the 0-based position of the recipient that lacked them. */
  readonly recipientIndex: number | undefined;
  constructor(missing: string[], recipientIndex?: number) {
    const where = recipientIndex === undefined ? '' : ` (recipient #${recipientIndex})`;
    super(
      'MISSING_PERSONALISATION',
      `[messaging] missing personalisation: ${missing.join(', ')}${where}`,
      {
        status: 400,
        extensions: { missing, ...(recipientIndex === undefined ? {} : { recipientIndex }) },
      },
    );
    this.name = 'MissingPersonalisationError';
    this.missing = missing;
    this.recipientIndex = recipientIndex;
  }
}

/**
 * What a {@link Channel} throws when a provider refuses or fails a message.
 * `retryable: true` (code `CHANNEL_UNAVAILABLE`) — a temporary failure: the engine retries with
 * backoff. `retryable: false` (code `CHANNEL_REJECTED`) — a permanent refusal (bad address,
 * content refused): the message ends `failed` at once.
 */
export class ChannelError extends MessagingError<
  'CHANNEL_REJECTED' | 'CHANNEL_UNAVAILABLE' | 'CIRCUIT_OPEN'
> {
  readonly retryable: boolean;
  readonly channel: string;
  constructor(
    channel: string,
    message: string,
    options: GovBlocksErrorOptions & { retryable: boolean; code?: 'CIRCUIT_OPEN' },
  ) {
    super(
      options.code ?? (options.retryable ? 'CHANNEL_UNAVAILABLE' : 'CHANNEL_REJECTED'),
      `[${channel}] ${message}`,
      {
        status: options.retryable ? 503 : 502,
        ...options,
      },
    );
    this.name = 'ChannelError';
    this.retryable = options.retryable;
    this.channel = channel;
  }

  /** True for a ChannelError, also from another copy of this package. */
  static is(value: unknown): value is ChannelError {
    return (
      GovBlocksError.isInstance(value) &&
      typeof (value as { retryable?: unknown }).retryable === 'boolean'
    );
  }
}
