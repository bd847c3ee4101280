import { ConfigurationError } from '@govblocks/core';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { wakeablePause } from '../pause.js';
import type { MessageQueue, QueueDelivery } from '../ports.js';

/** A connection from `@nats-io/transport-node`'s `connect()`. */
export type NatsConnection = Parameters<typeof jetstream>[0];

export interface NatsMessageQueueOptions {
  /** An open connection (`await connect({ servers: process.env.NATS_URL })`); the caller closes it. */
  connection: NatsConnection;
  /** The stream. Default `GOVBLOCKS_MESSAGING`. */
  stream?: string;
  /** The subject the relay publishes to. Default `govblocks.messaging.outbox`. */
  subject?: string;
  /** The durable pull consumer every worker shares. Default `govblocks-messaging-workers`. */
  consumer?: string;
  /** Deliveries per queue message at most (JetStream `max_deliver`). Default 20. */
  maxDeliver?: number;
  /**
   * JetStream `ack_wait`: a delivery neither acked nor retried within it goes to another worker.
   * Keep it at least the engine's `leaseMs`. Default 60 s.
   */
  ackWaitMs?: number;
  /** The stream's `duplicate_window` (deduplication by `Nats-Msg-Id`). Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Deliveries this worker keeps in hand ahead of `fetch` calls. Default 64. */
  prefetch?: number;
  /**
   * Creates the stream (work-queue retention, file storage) and the consumer when missing and
   * updates the consumer's ack wait and max deliveries. Default true; false when an operator
   * manages them.
   */
  setup?: boolean;
}

const ms = (value: number) => value * 1_000_000; // JetStream durations are nanoseconds

const isApiError = (error: unknown, code: number) =>
  error instanceof JetStreamApiError && error.code === code;

/**
 * A {@link MessageQueue} on NATS JetStream: the engine's relay publishes each outbox message id
 * with `Nats-Msg-Id` = its deduplication id (the message id; `id:n` for a republication), so a
 * relay that publishes twice within the stream's duplicate window queues one message. Workers
 * share one durable pull consumer with explicit acks: a delivery is acked once its outcome is in
 * the store, retried with a delayed `nak`, and delivered to another worker when `ackWaitMs`
 * passes without either (its worker died); after `maxDeliver` deliveries JetStream stops and the
 * engine has dead-lettered the message in the store.
 *
 * @example
 * import { connect } from '@nats-io/transport-node';
 * const connection = await connect({ servers: process.env.NATS_URL });
 * const queue = await natsMessageQueue({ connection });
 * const messaging = createMessagingService({ store, channels, audit, queue });
 * messaging.startWorker(); // relays and consumes
 */
export async function natsMessageQueue(options: NatsMessageQueueOptions): Promise<MessageQueue> {
  const stream = options.stream ?? 'GOVBLOCKS_MESSAGING';
  const subject = options.subject ?? 'govblocks.messaging.outbox';
  const durable = options.consumer ?? 'govblocks-messaging-workers';
  const maxDeliver = options.maxDeliver ?? 20;
  const ackWaitMs = options.ackWaitMs ?? 60_000;
  const duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
  const prefetch = options.prefetch ?? 64;
  for (const [name, value] of Object.entries({
    maxDeliver,
    ackWaitMs,
    duplicateWindowMs,
    prefetch,
  }))
    if (!Number.isInteger(value) || value < 1)
      throw new ConfigurationError(`[messaging/nats] ${name} must be a positive integer`);

  const connection = options.connection;
  if (options.setup ?? true) {
    const manager = await jetstreamManager(connection);
    try {
      await manager.streams.info(stream);
    } catch (error) {
      if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
      await manager.streams.add({
        name: stream,
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        duplicate_window: ms(duplicateWindowMs),
      });
    }
    const settings = { ack_wait: ms(ackWaitMs), max_deliver: maxDeliver };
    try {
      await manager.consumers.info(stream, durable);
      await manager.consumers.update(stream, durable, settings);
    } catch (error) {
      if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
      await manager.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subject,
        ...settings,
      });
    }
  }

  const client = jetstream(connection);
  // Deliveries arrive through one `consume()` per worker into a bounded buffer: a `fetch` then
  // answers as soon as something is there (a JetStream fetch would wait out its expiry for a
  // batch that is not full).
  const buffer: JsMsg[] = [];
  let messages: ConsumerMessages | undefined;
  let reading: Promise<void> | undefined;
  let closed = false;
  let arrived: (() => void) | undefined;
  let drained: (() => void) | undefined;

  const start = async () => {
    const consumer = await client.consumers.get(stream, durable);
    messages = await consumer.consume({ max_messages: prefetch });
    const source = messages;
    reading = (async () => {
      for await (const message of source) {
        buffer.push(message);
        arrived?.();
        while (buffer.length >= prefetch && !closed)
          await new Promise<void>((resolve) => {
            drained = resolve;
          });
        // After close() the iterator still hands over what it received, then ends.
      }
    })().catch((error: unknown) => {
      // The connection or the consumer went away: the next fetch says so (and starts again).
      failure = { error };
      started = undefined;
      arrived?.();
    });
  };
  let started: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  const toDelivery = (message: JsMsg): QueueDelivery => ({
    messageId: message.string(),
    deliveryCount: message.info.deliveryCount,
    async ack() {
      await message.ackAck();
    },
    async retry(delayMs) {
      message.nak(Math.max(0, Math.round(delayMs)));
    },
    async working() {
      message.working();
    },
  });

  return {
    specificationVersion: 'messaging-queue/v1',
    maxDeliver,
    async publish(publications) {
      await Promise.all(
        publications.map(({ messageId, deduplicationId }) =>
          client.publish(subject, messageId, { msgID: deduplicationId }),
        ),
      );
    },
    async fetch({ max, waitMs }) {
      if (closed) return [];
      if (failure) {
        const { error } = failure;
        failure = undefined;
        throw error;
      }
      started ??= start().catch((error: unknown) => {
        started = undefined; // try again on the next fetch
        throw error;
      });
      await started;
      if (buffer.length === 0) {
        const pause = wakeablePause(waitMs);
        arrived = pause.wake;
        await pause.done;
        arrived = undefined;
        // Let the rest of a burst land, so it is claimed in one round.
        if (buffer.length > 0 && buffer.length < max)
          await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const taken = buffer.splice(0, max);
      drained?.();
      return taken.map(toDelivery);
    },
    async close() {
      if (closed) return;
      closed = true;
      arrived?.();
      drained?.();
      // Stop receiving first (a nak before would be redelivered to this very consumer), then give
      // the deliveries in hand back. nats-server may still route them to this worker's pull
      // request until it expires; those come back after the ack wait instead.
      await messages?.close();
      await reading;
      for (const message of buffer.splice(0)) message.nak();
    },
  };
}
