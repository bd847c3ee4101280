import type { ActorContext } from '@govblocks/core';
import type {
  BatchReceipt,
  BatchRecipient,
  BatchSpec,
  BatchStatus,
  ChannelKind,
  DeliveryError,
  Message,
  MessageStatus,
  Preview,
  PreviewInput,
  SendInput,
  Template,
  TemplateInput,
} from './schemas.js';

/**
 * The messaging port: templates, sending with a durable outbox, and delivery status.
 *
 * Implementations: the in-process engine (`createMessagingService`, memory or sql store) and the
 * GovStack remote adapter (`govstackMessaging` in `@govblocks/messaging/govstack`). Every
 * implementation passes the conformance kit in `@govblocks/messaging/testing` (capabilities it
 * lacks are skipped by name).
 *
 * Errors: every method throws `GovBlocksError`s with stable codes — `VALIDATION_FAILED` (input
 * fails its schema; nothing stored), the codes listed per method, and `UNAVAILABLE` when the store
 * cannot serve. Personal data (recipients, personalisation) never appears in error messages or in
 * audit events: recipients are pseudonymised (keyed HMAC) in audit subjects.
 */
export interface MessagingService {
  readonly specificationVersion: 'messaging/v1';

  /** What this implementation supports; the conformance kit skips the rest. */
  readonly capabilities: MessagingCapabilities;

  /**
   * Stores a new version of a template (all its languages at once). Versions are immutable:
   * version 1, 2, 3… per template id.
   *
   * Returns the stored version. Idempotent: when the content equals the latest version's, that
   * version is returned and nothing is stored.
   * Throws `VALIDATION_FAILED` (e.g. an email template without a subject).
   * Audit: `messaging.template.defined` (subject: the template id; not personal).
   */
  defineTemplate(context: ActorContext, input: TemplateInput): Promise<Template>;

  /**
   * Reads one version of a template (the latest when `version` is absent).
   * Throws `TEMPLATE_NOT_FOUND`. Read-only; no audit event.
   */
  getTemplate(
    context: ActorContext,
    reference: { id: string; version?: number },
  ): Promise<Template>;

  /**
   * Renders a template (or direct content) with personalisation exactly as `send` would, and
   * returns the content, SMS facts (encoding, parts) and warnings — without storing anything.
   * Throws `TEMPLATE_NOT_FOUND`, `MISSING_PERSONALISATION` (listing the placeholder names).
   * Read-only; no audit event.
   */
  preview(context: ActorContext, input: PreviewInput): Promise<Preview>;

  /**
   * Renders and queues one message in the durable outbox; a worker delivers it later. Every
   * check (schema, template, personalisation, recipient form) runs before anything is stored.
   *
   * Returns the stored message (status `queued`). Idempotent by `idempotencyKey`: a repeat with
   * the same key and the same input returns the first message unchanged (whatever its status
   * now) and never causes a second delivery; the same key with a different input throws
   * `IDEMPOTENCY_KEY_MISMATCH`.
   * Throws `TEMPLATE_NOT_FOUND`, `MISSING_PERSONALISATION`, `CHANNEL_NOT_CONFIGURED`.
   * Audit: `messaging.message.queued` (subject: the caller's `auditSubject`, else the pseudonymised
   * recipient); none on a repeat.
   */
  send(context: ActorContext, input: SendInput): Promise<Message>;

  /**
   * Queues one message per recipient of the same template or content. Recipients are read as a
   * stream (an iterable or async iterable) and written in chunks, so a batch of 100,000 takes
   * bounded memory. The batch becomes visible to workers only when every recipient is stored:
   * if any recipient is invalid (`VALIDATION_FAILED` or `MISSING_PERSONALISATION`, with its
   * position) nothing of the batch is delivered and its stored rows are removed.
   *
   * Returns a receipt with the batch id and the number of messages queued. Idempotent by the
   * batch's `idempotencyKey` (a repeat returns the first receipt); each message has its own key
   * (`<batch key>/<position>` unless the recipient gives one), so a recipient key already used
   * returns that first message instead of queueing another.
   * Audit: `messaging.batch.queued` (counts only; no recipients).
   */
  sendBatch(
    context: ActorContext,
    spec: BatchSpec,
    recipients: Iterable<BatchRecipient> | AsyncIterable<BatchRecipient>,
  ): Promise<BatchReceipt>;

  /** Reads a message and its delivery status. Throws `MESSAGE_NOT_FOUND`. No audit event. */
  getMessage(context: ActorContext, id: string): Promise<Message>;

  /** Counts a batch's messages by status. Throws `BATCH_NOT_FOUND`. No audit event. */
  getBatchStatus(context: ActorContext, batchId: string): Promise<BatchStatus>;
}

/** What a {@link MessagingService} implementation supports. */
export interface MessagingCapabilities {
  /** `defineTemplate`, `getTemplate` and template references in sends. */
  templates: boolean;
  /** Channel kinds it can send. */
  channels: readonly ChannelKind[];
  /** `getMessage` reports per-message status. */
  messageStatus: boolean;
}

/** A message as a {@link Channel} receives it: rendered, addressed, with its idempotency key. */
export interface OutgoingMessage {
  /** The outbox id of the message. */
  id: string;
  /**
   * The message's idempotency key. Channels pass it to providers that deduplicate (an HTTP
   * header, an SMTP Message-ID) so that a retry — on this provider or, after failover, on
   * another — never becomes a second message where the provider can tell.
   */
  idempotencyKey: string;
  kind: ChannelKind;
  to: string;
  cc?: string[];
  bcc?: string[];
  from?: { address: string; name?: string };
  replyTo?: string;
  subject?: string;
  text: string;
  html?: string;
  /** Which attempt this is (1 for the first). */
  attempt: number;
}

/** What a channel returns when the provider accepted a message. */
export interface ChannelReceipt {
  /** The provider's id for the message (an SMTP queue id, an SMS provider's message id). */
  providerMessageId: string;
  /** The name of the channel that accepted it (a failover channel names the member used). */
  channel?: string;
}

/**
 * A way out: SMTP email, an SMS provider, a console channel for development. Implementations are
 * terse; the engine does retries, backoff, dead-lettering and status.
 *
 * `send` resolves once the provider has *accepted* the message. It throws a `ChannelError`
 * with `retryable: true` for a temporary failure (timeout, 5xx, 4xx SMTP reply) and
 * `retryable: false` for a permanent refusal (invalid recipient, 5xx SMTP reply to RCPT); anything
 * else thrown is treated as temporary. It must not log the message content or recipient.
 * The channel conformance kit in `@govblocks/messaging/testing` checks these rules.
 */
export interface Channel {
  readonly specificationVersion: 'messaging-channel/v1';
  /** A stable name for status and audit: `smtp`, `sms-acme`, `console`. */
  readonly name: string;
  readonly kind: ChannelKind;
  send(message: OutgoingMessage, options?: { signal?: AbortSignal }): Promise<ChannelReceipt>;
  /** Releases connections (SMTP pools). Optional. */
  close?(): Promise<void>;
}

/** A message a worker claimed: the message and the token that proves the claim. */
export interface ClaimedMessage {
  message: Message;
  /** Must be given back to `finish`; a claim taken over after its lease ran out is refused. */
  claimToken: string;
}

/** How a worker's attempt ended. */
export type AttemptOutcome =
  | { status: 'delivered'; deliveredBy: string; providerMessageId: string; at: Date }
  | { status: 'queued'; nextAttemptAt: Date; error: DeliveryError; at: Date }
  /** A rate limit held the message back: it is queued again and the attempt is given back. */
  | { status: 'throttled'; nextAttemptAt: Date; at: Date }
  | { status: 'failed' | 'dead-lettered'; error: DeliveryError; at: Date };

/** A template stored by a {@link MessagingStore}. */
export type StoredTemplate = Template;

/** A batch row. `released` is false while its recipients are still being written. */
export interface StoredBatch {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  accepted: number;
  released: boolean;
  createdAt: string;
}

/** A message to insert, with the hash of the request that made it (to detect key reuse). */
export interface NewMessage {
  message: Message;
  requestHash: string;
}

/**
 * The storage port of the engine: templates, the outbox, batches. Implementations: the memory
 * store (`memoryMessagingStore`) and the sql store (`sqlMessagingStore` in
 * `@govblocks/messaging/sql`). The store conformance kit (`describeMessagingStore`) runs on
 * both. Stores never decide policy (retries, backoff): they store and claim atomically.
 */
export interface MessagingStore {
  /** Inserts `template` unless (id, version) exists; returns false when it existed. */
  insertTemplate(template: StoredTemplate): Promise<boolean>;
  /** A template version, or the latest when `version` is absent; `undefined` when none. */
  getTemplate(id: string, version?: number): Promise<StoredTemplate | undefined>;

  /**
   * Inserts messages atomically, each unless its idempotency key exists. Returns, in input order,
   * the stored message for each input: the new one, or the one that already held the key, with
   * that one's request hash (so the engine can tell a replay from a mismatch).
   */
  insertMessages(
    messages: NewMessage[],
  ): Promise<Array<{ message: Message; requestHash: string; inserted: boolean }>>;
  getMessage(id: string): Promise<Message | undefined>;

  /** Creates a batch unless its key exists; returns the stored batch and whether it was new. */
  createBatch(batch: StoredBatch): Promise<{ batch: StoredBatch; created: boolean }>;
  getBatch(id: string): Promise<StoredBatch | undefined>;
  /** Sets `accepted` and makes the batch's messages claimable (before, `claim` skips them). */
  releaseBatch(id: string, accepted: number, now: Date): Promise<void>;
  /** Deletes an unreleased batch and its messages (an invalid recipient, or a crashed writer). */
  discardBatch(id: string): Promise<void>;
  /** Counts a batch's messages by status (`deferred`: queued with attempts > 0). */
  countBatch(id: string): Promise<BatchStatus['counts']>;

  /**
   * Atomically claims up to `limit` messages that are due: `queued` with `nextAttemptAt <= now`,
   * or `sending` whose lease ended (their worker died) — skipping those of unreleased batches. Each claimed message becomes `sending`,
   * its `attempts` grows by one and its lease ends at `now + leaseMs`. Two concurrent claims
   * never return the same message (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claim(input: { now: Date; limit: number; leaseMs: number }): Promise<ClaimedMessage[]>;
  /**
   * Records how an attempt ended. Returns false (and changes nothing) when the claim is no
   * longer held — its lease ran out and another worker took the message.
   */
  finish(input: { id: string; claimToken: string; outcome: AttemptOutcome }): Promise<boolean>;
  /** Messages whose status is one of `statuses` (tests and tooling; small outboxes). */
  countByStatus(): Promise<Record<MessageStatus, number>>;

  // ---- queue mode: a MessageQueue fans the outbox out to workers ------------------------------

  /**
   * Messages the relay must publish to the queue, soonest due first: released, `queued` or `sending`,
   * due (`nextAttemptAt <= now`), and either not published since they were queued, or published
   * before `staleBefore` and due since before `staleBefore` (the queue lost or gave up its message).
   * Each with how often it was published (the next publication's deduplication id derives from it).
   */
  pendingPublication(input: {
    now: Date;
    staleBefore: Date;
    limit: number;
  }): Promise<PendingPublication[]>;
  /**
   * Records publications at `at`, each only where the message's count still equals the given
   * one (two relays that published the same message record it once).
   */
  markPublished(items: readonly PendingPublication[], at: Date): Promise<void>;
  /** Marks a `queued` message unpublished, so the relay publishes it again once it is due. */
  unpublish(id: string): Promise<void>;
  /** `claim`, restricted to these ids (the ones the queue delivered); the others are left alone. */
  claimIds(input: {
    ids: readonly string[];
    now: Date;
    leaseMs: number;
  }): Promise<ClaimedMessage[]>;
}

/** A message the relay must publish, and how often it was published before. */
export interface PendingPublication {
  id: string;
  publications: number;
}

/**
 * One delivery of a message id by a {@link MessageQueue}. The worker settles it once: `ack`
 * when the message's outcome is recorded in the store, `retry` to have it delivered again later.
 * A delivery neither acked nor retried is delivered again when the queue's ack wait ends (its
 * worker died).
 */
export interface QueueDelivery {
  /** The outbox id of the message. */
  readonly messageId: string;
  /** 1 for the first delivery of this queue message, 2 for the first redelivery, … */
  readonly deliveryCount: number;
  /** Settles the delivery: never deliver this queue message again. */
  ack(): Promise<void>;
  /** Delivers it again after `delayMs` (a retry after backoff, a message another worker holds). */
  retry(delayMs: number): Promise<void>;
  /** Resets the ack wait: the attempt is still running. */
  working(): Promise<void>;
}

/** A message id to publish, with the id the queue deduplicates on. */
export interface QueuePublication {
  messageId: string;
  /** Two publications with the same id (within the queue's duplicate window) queue one message. */
  deduplicationId: string;
}

/**
 * A message broker that fans the outbox out to workers (NATS JetStream in
 * `@govblocks/messaging/nats`; `memoryMessageQueue` for tests). The outbox stays the source of
 * truth: the queue carries only message ids, the engine's relay publishes them, workers claim
 * each message in the store before sending and record the outcome there, so a redelivered id
 * whose message is already delivered is acknowledged without being sent again.
 * The queue conformance kit (`describeMessageQueue`) checks these rules.
 */
export interface MessageQueue {
  readonly specificationVersion: 'messaging-queue/v1';
  /**
   * Deliveries a queue message gets at most. On the last one the worker dead-letters the message
   * in the store unless its attempt ends it.
   */
  readonly maxDeliver: number;
  /** Publishes durably; resolves when the broker stored every publication. */
  publish(publications: readonly QueuePublication[]): Promise<void>;
  /**
   * Up to `max` deliveries: resolves as soon as some are there (or with none after `waitMs`).
   * Each delivery is invisible to other workers until it is settled or its ack wait ends.
   */
  fetch(options: { max: number; waitMs: number }): Promise<QueueDelivery[]>;
  /** Stops fetching; deliveries fetched but not handed out are released for redelivery. */
  close(): Promise<void>;
}
