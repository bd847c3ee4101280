import { createHmac, randomBytes } from 'node:crypto';
import {
  type ActorContext,
  type AuditEventInput,
  type AuditSink,
  type Clock,
  ConfigurationError,
  ConflictError,
  hashRequest,
  IdempotencyMismatchError,
  type IdGenerator,
  isGovBlocksError,
  parse,
  systemClock,
  uuidv7Generator,
  ValidationError,
} from '@govblocks/core';
import { ChannelError, MessagingError } from '../errors.js';
import { wakeablePause } from '../pause.js';
import type {
  AttemptOutcome,
  Channel,
  ClaimedMessage,
  MessageQueue,
  MessagingService,
  MessagingStore,
  OutgoingMessage,
  QueueDelivery,
} from '../ports.js';
import {
  type AuditSubject,
  type BatchReceipt,
  type BatchRecipient,
  type BatchSpec,
  type BatchStatus,
  batchRecipientSchema,
  batchSpecSchema,
  type ChannelKind,
  type DeliveryError,
  type Message,
  type Preview,
  previewInputSchema,
  sendInputSchema,
  type Template,
  templateInputSchema,
} from '../schemas.js';
import { type CallbackOptions, sendCallback } from './callbacks.js';
import {
  checkRecipient,
  pickLanguage,
  type Rendered,
  renderContent,
  templateNotFound,
} from './render.js';

/** Retry policy of the workers. */
export interface RetryPolicy {
  /** Attempts before a message is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Delay before the 2nd attempt; doubles each time. Default 1,000 ms. */
  baseDelayMs?: number;
  /** Cap of the delay. Default 15 minutes. */
  maxDelayMs?: number;
}

export interface MessagingServiceOptions {
  store: MessagingStore;
  /** One channel per kind (wrap several providers of a kind in `failoverChannel`). */
  channels: readonly Channel[];
  audit: AuditSink;
  clock?: Clock;
  ids?: IdGenerator;
  /**
   * Key of the HMAC that pseudonymises recipients in audit events. Use a stable secret in
   * production so that events about one person link up; default: random per process.
   */
  pseudonymisationKey?: string | Uint8Array;
  retry?: RetryPolicy;
  /** Random numbers in [0, 1) for backoff jitter (inject for deterministic tests). */
  random?: () => number;
  /** How long a worker holds a claimed message before others may take it over. Default 60 s. */
  leaseMs?: number;
  /** Recipients written per statement in `sendBatch`. Default 1,000. */
  batchChunkSize?: number;
  /** Signed status callbacks to each message's `callbackUrl`. */
  callbacks?: CallbackOptions;
  /**
   * Queue mode: a message broker fans the outbox out to the workers (`natsMessageQueue` from
   * `@govblocks/messaging/nats`). The outbox stays the source of truth; `startWorker` then relays
   * queued messages to the queue and consumes from it instead of polling the store.
   */
  queue?: MessageQueue;
  /**
   * Queue mode: a message due this long without a worker taking it is published again (its
   * queue message was lost, or the queue gave up on it). Keep it longer than the queue's
   * duplicate window and ack wait. Default 10 minutes.
   */
  republishAfterMs?: number;
  /** Called for worker-side problems that cannot be thrown (audit or callback failures). Never gets personal data. */
  onWorkerError?: (
    error: unknown,
    context: { messageId: string; stage: 'audit' | 'callback' | 'finish' | 'queue' },
  ) => void;
}

/** Counts of one `processDue` round. */
export interface ProcessResult {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
  deadLettered: number;
  /** Claims lost because a lease ran out while the attempt ran. */
  lost: number;
  /** Messages a rate limit held back (queued again, no attempt spent). */
  throttled: number;
}

/** A running worker loop. */
export interface Worker {
  /** Stops claiming; resolves when the attempts in flight have finished. */
  stop(): Promise<void>;
  readonly stopped: boolean;
}

export interface WorkerOptions {
  /** Messages claimed (and sent concurrently) per round. Default 10. */
  batchSize?: number;
  /** Pause when nothing is due (queue mode: between relay rounds that found nothing). Default 250 ms. */
  pollIntervalMs?: number;
  /** Queue mode: also run the relay in this worker. Default true. */
  relay?: boolean;
}

/** The engine: the {@link MessagingService} port plus the workers that drain the outbox. */
export interface MessagingEngine extends MessagingService {
  /** Claims due messages once and attempts each; resolves when all attempts ended. */
  processDue(options?: { limit?: number }): Promise<ProcessResult>;
  /**
   * Runs `processDue` in a loop until stopped — in queue mode, `processQueue` and `relay` in two
   * loops. Several workers (and processes) may share a store and a queue.
   */
  startWorker(options?: WorkerOptions): Worker;
  /**
   * Queue mode: publishes one round of messages that need a queue message (new ones, ones a rate
   * limit sent back, and ones due for `republishAfterMs` without a worker taking them); returns
   * how many. Throws `CONFIGURATION_ERROR` without a queue.
   */
  relay(options?: { limit?: number }): Promise<number>;
  /**
   * Queue mode: fetches up to `max` deliveries (waiting up to `waitMs`), claims their messages in
   * the store and attempts each. A delivery is acknowledged once its outcome is recorded (or its
   * message turns out to be done already — nothing is sent twice), retried after the backoff on
   * a temporary failure, and left to the queue's ack wait when the claim was lost. On the queue's
   * last delivery a temporary failure dead-letters the message (`QUEUE_MAX_DELIVER`).
   */
  processQueue(options?: { max?: number; waitMs?: number }): Promise<ProcessResult>;
}

const specificationVersion = 'messaging/v1' as const;

/**
 * Creates the messaging engine over a store and channels.
 *
 * Workers (`processDue`, `startWorker`) claim due messages with a lease, hand each to the
 * channel of its kind, and record the outcome only while they still hold the claim:
 * accepted → `delivered`; a temporary failure → `queued` again after an exponential backoff
 * with jitter (half the ceiling plus a random part), until `retry.maxAttempts`, then
 * `dead-lettered` with the last error; a permanent refusal → `failed`; a rate limit
 * (`rateLimitedChannel`) → queued again for the next window without spending an attempt.
 * Audit events (actor `system/messaging-worker`, subject the pseudonymised recipient):
 * `messaging.message.delivered`, `.deferred`, `.failed`, `.dead-lettered`, each with the
 * message id, attempt and error code. The transient `sending` state is not audited.
 *
 * @example
 * const messaging = createMessagingService({
 *   store: memoryMessagingStore(), channels: [consoleChannel({ kind: 'email' })], audit: memoryAuditSink(),
 * });
 * await messaging.send(context, { idempotencyKey: 'k1', channel: 'email', to: 'ada@example.org',
 *   content: { subject: 'Hi {{name}}', text: 'Hello {{name}}' }, personalisation: { name: 'Ada' } });
 * await messaging.processDue();
 */
export function createMessagingService(options: MessagingServiceOptions): MessagingEngine {
  const { store, audit } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Generator(clock);
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? 60_000;
  const chunkSize = options.batchChunkSize ?? 1_000;
  const maxAttempts = options.retry?.maxAttempts ?? 5;
  const baseDelayMs = options.retry?.baseDelayMs ?? 1_000;
  const maxDelayMs = options.retry?.maxDelayMs ?? 15 * 60_000;
  const pseudonymKey = options.pseudonymisationKey ?? randomBytes(32);
  const queue = options.queue;
  const staleAfterMs = options.republishAfterMs ?? 10 * 60_000;
  if (queue && queue.specificationVersion !== 'messaging-queue/v1')
    throw new ConfigurationError('[messaging] the queue implements an unknown version');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new ConfigurationError('[messaging] retry.maxAttempts must be a positive integer');
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new ConfigurationError('[messaging] batchChunkSize must be a positive integer');

  const channels = new Map<ChannelKind, Channel>();
  for (const channel of options.channels) {
    if (channel.specificationVersion !== 'messaging-channel/v1') {
      throw new MessagingError(
        'UNSUPPORTED_SPECIFICATION_VERSION',
        `[messaging] channel '${channel.name}' implements an unknown version`,
        { status: 500 },
      );
    }
    if (channels.has(channel.kind)) {
      throw new ConfigurationError(
        `[messaging] two ${channel.kind} channels given: wrap them in failoverChannel()`,
      );
    }
    channels.set(channel.kind, channel);
  }

  const pseudonym = (recipient: string) =>
    `hmac-sha256:${createHmac('sha256', pseudonymKey).update(recipient.trim().toLowerCase()).digest('hex').slice(0, 32)}`;

  /**
   * Whose trail a message's events go to: the caller's audit subject, or else the pseudonymised
   * recipient. With a caller's subject the recipient still appears only pseudonymised (details).
   */
  const subjectOf = (
    to: string,
    auditSubject: AuditSubject | undefined,
    details: NonNullable<AuditEventInput['details']>,
  ): AuditEventInput['subject'] => {
    if (!auditSubject) return { type: 'recipient', id: pseudonym(to), personal: true };
    details.recipient = pseudonym(to);
    return {
      type: auditSubject.type,
      id: auditSubject.id,
      personal: auditSubject.personal ?? true,
    };
  };

  const actorOf = (context: ActorContext): AuditEventInput['actor'] => {
    const actor: AuditEventInput['actor'] = { type: context.actor.type, id: context.actor.id };
    if (context.actor.onBehalfOf) actor.onBehalfOf = context.actor.onBehalfOf;
    if (context.actor.clientId) actor.clientId = context.actor.clientId;
    return actor;
  };
  const workerActor: AuditEventInput['actor'] = { type: 'system', id: 'messaging-worker' };

  const event = (
    action: string,
    actor: AuditEventInput['actor'],
    context: Pick<ActorContext, 'requestId' | 'correlationId'> | undefined,
    subject: AuditEventInput['subject'],
    details: AuditEventInput['details'],
    outcome: AuditEventInput['outcome'] = 'success',
  ): AuditEventInput => {
    const result: AuditEventInput = {
      block: 'messaging',
      action,
      actor,
      outcome,
      time: clock.now().toISOString(),
    };
    if (subject) result.subject = subject;
    if (details) result.details = details;
    if (context?.requestId) result.requestId = context.requestId;
    if (context?.correlationId) result.correlationId = context.correlationId;
    return result;
  };

  const requireChannel = (kind: ChannelKind) => {
    if (!channels.has(kind)) {
      throw new MessagingError(
        'CHANNEL_NOT_CONFIGURED',
        `[messaging] no ${kind} channel is configured`,
        { status: 422 },
      );
    }
  };

  async function loadTemplate(id: string, version?: number): Promise<Template> {
    return (await store.getTemplate(id, version)) ?? templateNotFound(id, version);
  }

  /** Resolves a spec (template or content) once; recipients then render against it. */
  async function resolveSource(spec: {
    channel: ChannelKind;
    template?: { id: string; version?: number; language?: string } | undefined;
    content?: { subject?: string; text: string; html?: string } | undefined;
  }) {
    if (spec.template) {
      const template = await loadTemplate(spec.template.id, spec.template.version);
      if (template.channel !== spec.channel) {
        throw new ValidationError(
          `[messaging] template '${template.id}' is for ${template.channel}, not ${spec.channel}`,
          [{ pointer: '/template', detail: `template is for ${template.channel}` }],
        );
      }
      const { language, content } = pickLanguage(template, spec.template.language);
      return { content, template: { id: template.id, version: template.version, language } };
    }
    return {
      content: spec.content as { subject?: string; text: string; html?: string },
      template: undefined,
    };
  }

  const iso = () => clock.now().toISOString();

  function newMessage(
    spec: { channel: ChannelKind; from?: Message['from']; replyTo?: string; callbackUrl?: string },
    recipient: {
      to: string;
      cc?: string[];
      bcc?: string[];
      reference?: string;
      auditSubject?: AuditSubject;
    },
    idempotencyKey: string,
    rendered: Rendered,
    batchId: string | null,
    now: string,
    nextAttemptAt: string,
  ): Message {
    const message: Message = {
      id: ids(),
      idempotencyKey,
      batchId,
      channel: spec.channel,
      to: recipient.to,
      content: rendered.content,
      warnings: rendered.warnings,
      status: 'queued',
      attempts: 0,
      nextAttemptAt,
      lastError: null,
      deliveredBy: null,
      providerMessageId: null,
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
    };
    if (recipient.cc?.length) message.cc = recipient.cc;
    if (recipient.bcc?.length) message.bcc = recipient.bcc;
    if (spec.from) message.from = spec.from;
    if (spec.replyTo) message.replyTo = spec.replyTo;
    if (rendered.template) message.template = rendered.template;
    if (rendered.sms) message.sms = rendered.sms;
    if (spec.callbackUrl) message.callbackUrl = spec.callbackUrl;
    if (recipient.reference) message.reference = recipient.reference;
    if (recipient.auditSubject) message.auditSubject = recipient.auditSubject;
    return message;
  }

  const notFound = (what: 'MESSAGE_NOT_FOUND' | 'BATCH_NOT_FOUND'): never => {
    throw new MessagingError(
      what,
      `[messaging] ${what === 'MESSAGE_NOT_FOUND' ? 'message' : 'batch'} not found`,
      { status: 404 },
    );
  };

  // ---- workers -------------------------------------------------------------------------------

  const backoff = (attempt: number) => {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": at least half the ceiling, so retries never bunch up at zero.
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  };

  const describeError = (
    error: unknown,
    channelName: string,
  ): { error: DeliveryError; retryable: boolean } => {
    const at = iso();
    if (ChannelError.is(error)) {
      return {
        error: { code: error.code, message: error.message, channel: error.channel, at },
        retryable: error.retryable,
      };
    }
    if (isGovBlocksError(error))
      return {
        error: { code: error.code, message: error.message, channel: channelName, at },
        retryable: true,
      };
    // Not ours: keep only the class name — provider messages may echo addresses.
    const name = error instanceof Error ? error.name : typeof error;
    return {
      error: {
        code: 'ADAPTER_ERROR',
        message: `[${channelName}] send threw ${name}`,
        channel: channelName,
        at,
      },
      retryable: true,
    };
  };

  /**
   * Sends one claimed message and records the outcome (then audit, callback). Returns the outcome
   * and whether it was recorded (false: the claim was lost). `lastDelivery` (queue mode): the
   * queue will not deliver it again, so a temporary failure dead-letters it.
   */
  async function attempt(
    claimed: ClaimedMessage,
    result: ProcessResult,
    queueDelivery: { last: boolean; count: number } | undefined = undefined,
  ): Promise<{ outcome: AttemptOutcome; held: boolean }> {
    const { message, claimToken } = claimed;
    const channel = channels.get(message.channel);
    let outcome: AttemptOutcome;
    if (!channel) {
      const at = clock.now();
      outcome = {
        status: 'dead-lettered',
        at,
        error: {
          code: 'CHANNEL_NOT_CONFIGURED',
          message: `[messaging] no ${message.channel} channel`,
          at: at.toISOString(),
        },
      };
    } else {
      const outgoing: OutgoingMessage = {
        id: message.id,
        idempotencyKey: message.idempotencyKey,
        kind: message.channel,
        to: message.to,
        text: message.content.text,
        attempt: message.attempts,
      };
      if (message.cc) outgoing.cc = message.cc;
      if (message.bcc) outgoing.bcc = message.bcc;
      if (message.from) outgoing.from = message.from;
      if (message.replyTo) outgoing.replyTo = message.replyTo;
      if (message.content.subject !== undefined) outgoing.subject = message.content.subject;
      if (message.content.html !== undefined) outgoing.html = message.content.html;
      try {
        const receipt = await channel.send(outgoing);
        outcome = {
          status: 'delivered',
          at: clock.now(),
          deliveredBy: receipt.channel ?? channel.name,
          providerMessageId: receipt.providerMessageId,
        };
      } catch (error) {
        const described = describeError(error, channel.name);
        const at = clock.now();
        const extensions = ChannelError.is(error) ? error.extensions : {};
        if (extensions.throttled === true) {
          // A rate limit, not a failure: requeue without spending an attempt.
          const wait =
            Number(extensions.retryAfterMs) > 0 ? Number(extensions.retryAfterMs) : 1_000;
          outcome = { status: 'throttled', at, nextAttemptAt: new Date(at.getTime() + wait) };
        } else if (!described.retryable) outcome = { status: 'failed', at, error: described.error };
        else if (message.attempts >= maxAttempts)
          outcome = { status: 'dead-lettered', at, error: described.error };
        else if (queueDelivery?.last)
          outcome = {
            status: 'dead-lettered',
            at,
            error: {
              ...described.error,
              code: 'QUEUE_MAX_DELIVER',
              message: `[messaging] the queue gave up after ${queueDelivery.count} deliveries; last error ${described.error.code}`,
            },
          };
        else
          outcome = {
            status: 'queued',
            at,
            error: described.error,
            nextAttemptAt: new Date(at.getTime() + backoff(message.attempts)),
          };
      }
    }
    let held: boolean;
    try {
      held = await store.finish({ id: message.id, claimToken, outcome });
    } catch (error) {
      options.onWorkerError?.(error, { messageId: message.id, stage: 'finish' });
      result.lost += 1;
      return { outcome, held: false };
    }
    if (!held) {
      result.lost += 1;
      return { outcome, held };
    }
    if (outcome.status === 'throttled') {
      result.throttled += 1;
      return { outcome, held }; // no status change worth an audit event: queued as it was
    }
    if (outcome.status === 'delivered') result.delivered += 1;
    else if (outcome.status === 'queued') result.retried += 1;
    else if (outcome.status === 'failed') result.failed += 1;
    else result.deadLettered += 1;

    const action =
      outcome.status === 'queued'
        ? 'messaging.message.deferred'
        : `messaging.message.${outcome.status}`;
    const details: NonNullable<AuditEventInput['details']> = {
      messageId: message.id,
      channel: message.channel,
      attempt: message.attempts,
    };
    if (message.batchId) details.batchId = message.batchId;
    if (outcome.status === 'delivered') details.deliveredBy = outcome.deliveredBy;
    else details.errorCode = outcome.error.code;
    try {
      await audit.record(
        event(
          action,
          workerActor,
          undefined,
          subjectOf(message.to, message.auditSubject, details),
          details,
          outcome.status === 'delivered' ? 'success' : 'failure',
        ),
      );
    } catch (error) {
      options.onWorkerError?.(error, { messageId: message.id, stage: 'audit' });
    }
    if (message.callbackUrl && options.callbacks && outcome.status !== 'queued') {
      try {
        await sendCallback(
          options.callbacks,
          message.callbackUrl,
          {
            messageId: message.id,
            batchId: message.batchId,
            reference: message.reference ?? null,
            status: outcome.status,
            attempts: message.attempts,
            at: outcome.at.toISOString(),
            errorCode: outcome.status === 'delivered' ? null : outcome.error.code,
          },
          clock,
        );
      } catch (error) {
        options.onWorkerError?.(error, { messageId: message.id, stage: 'callback' });
      }
    }
    return { outcome, held };
  }

  const emptyResult = (): ProcessResult => ({
    claimed: 0,
    delivered: 0,
    retried: 0,
    failed: 0,
    deadLettered: 0,
    lost: 0,
    throttled: 0,
  });

  async function processDue(processOptions: { limit?: number } = {}): Promise<ProcessResult> {
    const result = emptyResult();
    const claimed = await store.claim({
      now: clock.now(),
      limit: processOptions.limit ?? 10,
      leaseMs,
    });
    result.claimed = claimed.length;
    await Promise.all(claimed.map((item) => attempt(item, result)));
    return result;
  }

  // ---- queue mode ----------------------------------------------------------------------------

  const requireQueue = (): MessageQueue => {
    if (!queue) throw new ConfigurationError('[messaging] no queue is configured');
    return queue;
  };

  async function relay(relayOptions: { limit?: number } = {}): Promise<number> {
    const target = requireQueue();
    const now = clock.now();
    const pending = await store.pendingPublication({
      now,
      staleBefore: new Date(now.getTime() - staleAfterMs),
      limit: relayOptions.limit ?? 500,
    });
    if (pending.length === 0) return 0;
    // The first publication's deduplication id is the message id; a republication (the queue
    // lost it, or a rate limit sent it back) gets the next number, so the queue takes it.
    await target.publish(
      pending.map((item) => ({
        messageId: item.id,
        deduplicationId: item.publications === 0 ? item.id : `${item.id}:${item.publications}`,
      })),
    );
    await store.markPublished(pending, now);
    return pending.length;
  }

  async function processQueue(
    queueOptions: { max?: number; waitMs?: number } = {},
  ): Promise<ProcessResult> {
    const source = requireQueue();
    const result = emptyResult();
    const deliveries = await source.fetch({
      max: queueOptions.max ?? 10,
      waitMs: queueOptions.waitMs ?? 1_000,
    });
    if (deliveries.length === 0) return result;
    const byId = new Map<string, QueueDelivery>();
    for (const delivery of deliveries) {
      // The same message twice in one round (a republication): one delivery is enough.
      if (byId.has(delivery.messageId)) await delivery.ack();
      else byId.set(delivery.messageId, delivery);
    }
    const now = clock.now();
    const claimed = await store.claimIds({ ids: [...byId.keys()], now, leaseMs });
    result.claimed = claimed.length;
    const claimedIds = new Set(claimed.map((item) => item.message.id));
    const settle = async (delivery: QueueDelivery, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        // Unsettled, the queue delivers it again when its ack wait ends.
        options.onWorkerError?.(error, { messageId: delivery.messageId, stage: 'queue' });
      }
    };
    await Promise.all([
      ...[...byId.values()]
        .filter((delivery) => !claimedIds.has(delivery.messageId))
        .map((delivery) =>
          settle(delivery, async () => {
            // Not claimable: done already (a redelivery of a recorded outcome), unknown, held by
            // another worker's live claim, or not due yet.
            const message = await store.getMessage(delivery.messageId);
            if (!message || (message.status !== 'queued' && message.status !== 'sending'))
              return delivery.ack();
            const due = message.nextAttemptAt ? Date.parse(message.nextAttemptAt) : now.getTime();
            return delivery.retry(Math.max(due - clock.now().getTime(), 50));
          }),
        ),
      ...claimed.map((item) => {
        const delivery = byId.get(item.message.id) as QueueDelivery;
        return settle(delivery, async () => {
          const { outcome, held } = await attempt(item, result, {
            last: delivery.deliveryCount >= source.maxDeliver,
            count: delivery.deliveryCount,
          });
          if (!held) return; // another worker took it over: its delivery settles it
          if (outcome.status === 'queued')
            return delivery.retry(
              Math.max(outcome.nextAttemptAt.getTime() - clock.now().getTime(), 0),
            );
          if (outcome.status === 'throttled') {
            // A quota is not a failure: spend no delivery; the relay publishes it again when due.
            await store.unpublish(item.message.id);
          }
          return delivery.ack();
        });
      }),
    ]);
    return result;
  }

  function loop(round: () => Promise<boolean>, pollIntervalMs: number) {
    let stopped = false;
    let wake: (() => void) | undefined;
    const running = (async () => {
      while (!stopped) {
        let busy = false;
        try {
          busy = await round();
        } catch (error) {
          options.onWorkerError?.(error, { messageId: '-', stage: 'finish' });
        }
        if (!busy && !stopped) {
          const pause = wakeablePause(pollIntervalMs);
          wake = pause.wake;
          await pause.done;
          wake = undefined;
        }
      }
    })();
    return async () => {
      stopped = true;
      wake?.();
      await running;
    };
  }

  function startWorker(workerOptions: WorkerOptions = {}): Worker {
    const batchSize = workerOptions.batchSize ?? 10;
    const pollIntervalMs = workerOptions.pollIntervalMs ?? 250;
    let stopped = false;
    const loops = queue
      ? [
          loop(
            async () => (await processQueue({ max: batchSize, waitMs: 1_000 })).claimed > 0,
            pollIntervalMs,
          ),
          ...(workerOptions.relay === false
            ? []
            : [loop(async () => (await relay()) > 0, pollIntervalMs)]),
        ]
      : [loop(async () => (await processDue({ limit: batchSize })).claimed > 0, pollIntervalMs)];
    return {
      get stopped() {
        return stopped;
      },
      async stop() {
        stopped = true;
        await Promise.all(loops.map((stop) => stop()));
      },
    };
  }

  // ---- the port ------------------------------------------------------------------------------

  return {
    specificationVersion,
    capabilities: { templates: true, channels: [...channels.keys()], messageStatus: true },
    processDue,
    relay,
    processQueue,
    startWorker,

    async defineTemplate(context, input) {
      const parsed = parse(templateInputSchema, input, '[messaging] template');
      for (let tries = 0; tries < 5; tries++) {
        const latest = await store.getTemplate(parsed.id);
        if (latest) {
          const same =
            hashRequest({
              channel: latest.channel,
              defaultLanguage: latest.defaultLanguage,
              languages: latest.languages,
              description: latest.description ?? null,
            }) ===
            hashRequest({
              channel: parsed.channel,
              defaultLanguage: parsed.defaultLanguage,
              languages: parsed.languages,
              description: parsed.description ?? null,
            });
          if (same) return latest;
        }
        const template: Template = {
          ...parsed,
          version: (latest?.version ?? 0) + 1,
          createdAt: iso(),
        };
        if (await store.insertTemplate(template)) {
          await audit.record(
            event(
              'messaging.template.defined',
              actorOf(context),
              context,
              { type: 'message-template', id: template.id },
              {
                version: template.version,
                channel: template.channel,
                languages: Object.keys(template.languages).join(','),
              },
            ),
          );
          return template;
        }
        // Someone else stored this version concurrently: look again.
      }
      throw new ConflictError('[messaging] template version conflict; try again');
    },

    async getTemplate(_context, reference) {
      return loadTemplate(reference.id, reference.version);
    },

    async preview(_context, input): Promise<Preview> {
      const parsed = parse(previewInputSchema, input, '[messaging] preview');
      const source = await resolveSource(parsed);
      const rendered = renderContent(
        parsed.channel,
        source.content,
        parsed.personalisation,
        source.template,
      );
      const preview: Preview = {
        channel: parsed.channel,
        content: rendered.content,
        warnings: rendered.warnings,
      };
      if (rendered.template) preview.template = rendered.template;
      if (rendered.sms) preview.sms = rendered.sms;
      return preview;
    },

    async send(context, input) {
      const parsed = parse(sendInputSchema, input, '[messaging] send');
      requireChannel(parsed.channel);
      checkRecipient(parsed.channel, parsed.to);
      const source = await resolveSource(parsed);
      const rendered = renderContent(
        parsed.channel,
        source.content,
        parsed.personalisation,
        source.template,
      );
      const { idempotencyKey, ...request } = parsed;
      const requestHash = hashRequest(request);
      const now = iso();
      const message = newMessage(parsed, parsed, idempotencyKey, rendered, null, now, now);
      const [stored] = await store.insertMessages([{ message, requestHash }]);
      if (!stored)
        throw new MessagingError('MESSAGE_NOT_FOUND', '[messaging] store returned nothing', {
          status: 500,
        });
      if (!stored.inserted) {
        if (stored.requestHash !== requestHash) throw new IdempotencyMismatchError();
        return stored.message;
      }
      const details: NonNullable<AuditEventInput['details']> = {
        messageId: message.id,
        channel: message.channel,
        template: message.template ? `${message.template.id}@${message.template.version}` : null,
      };
      await audit.record(
        event(
          'messaging.message.queued',
          actorOf(context),
          context,
          subjectOf(parsed.to, parsed.auditSubject, details),
          details,
        ),
      );
      return stored.message;
    },

    async sendBatch(
      context,
      spec: BatchSpec,
      recipients: Iterable<BatchRecipient> | AsyncIterable<BatchRecipient>,
    ): Promise<BatchReceipt> {
      const parsed = parse(batchSpecSchema, spec, '[messaging] batch');
      requireChannel(parsed.channel);
      const source = await resolveSource(parsed);
      const { idempotencyKey, ...request } = parsed;
      const requestHash = hashRequest(request);
      const now = iso();
      const { batch, created } = await store.createBatch({
        id: ids(),
        idempotencyKey,
        requestHash,
        accepted: 0,
        released: false,
        createdAt: now,
      });
      if (!created) {
        if (batch.requestHash !== requestHash) throw new IdempotencyMismatchError();
        if (batch.released)
          return {
            batchId: batch.id,
            idempotencyKey,
            accepted: batch.accepted,
            createdAt: batch.createdAt,
          };
        // A writer died half-way (or is still writing: then its release fails harmlessly).
        throw new ConflictError('[messaging] this batch is still being written; retry later', {
          code: 'CONFLICT',
          extensions: { retryAfter: 5 },
        });
      }
      // The store keeps the messages of an unreleased batch away from workers, so nothing is
      // delivered until every recipient is written.
      let position = 0;
      let accepted = 0;
      let chunk: Array<{ message: Message; requestHash: string }> = [];
      // One chunk is inserted while the next is built (at most two chunks in memory), so the
      // database and the CPU work overlap.
      let inFlight: Promise<void> = Promise.resolve();
      let insertError: { error: unknown } | undefined;
      const flush = async () => {
        await inFlight;
        if (insertError) throw insertError.error;
        if (chunk.length === 0) return;
        const pending = chunk;
        chunk = [];
        inFlight = store.insertMessages(pending).then(
          (results) => {
            for (const item of results) if (item.inserted) accepted += 1;
          },
          (error: unknown) => {
            insertError = { error };
          },
        );
      };
      try {
        for await (const raw of recipients as AsyncIterable<BatchRecipient>) {
          const recipient = parse(
            batchRecipientSchema,
            raw,
            `[messaging] batch recipient #${position}`,
          );
          checkRecipient(parsed.channel, recipient.to, `/recipients/${position}/to`);
          const personalisation = { ...parsed.personalisation, ...recipient.personalisation };
          const rendered = renderContent(
            parsed.channel,
            source.content,
            personalisation,
            source.template,
            position,
          );
          const key = recipient.idempotencyKey ?? `${idempotencyKey}/${position}`;
          const message = newMessage(parsed, recipient, key, rendered, batch.id, now, now);
          chunk.push({ message, requestHash: hashRequest({ batch: requestHash, recipient }) });
          position += 1;
          if (chunk.length >= chunkSize) await flush();
        }
        await flush();
        await flush(); // waits for the last chunk
      } catch (error) {
        await inFlight;
        await store.discardBatch(batch.id);
        throw error;
      }
      await store.releaseBatch(batch.id, accepted, clock.now());
      await audit.record(
        event(
          'messaging.batch.queued',
          actorOf(context),
          context,
          { type: 'message-batch', id: batch.id },
          {
            recipients: position,
            accepted,
            channel: parsed.channel,
            template: source.template ? `${source.template.id}@${source.template.version}` : null,
          },
        ),
      );
      return { batchId: batch.id, idempotencyKey, accepted, createdAt: now };
    },

    async getMessage(_context, id) {
      return (await store.getMessage(id)) ?? notFound('MESSAGE_NOT_FOUND');
    },

    async getBatchStatus(_context, batchId): Promise<BatchStatus> {
      const batch = await store.getBatch(batchId);
      if (!batch?.released) return notFound('BATCH_NOT_FOUND');
      const counts = await store.countBatch(batchId);
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      return { batchId, total, counts };
    },
  };
}
