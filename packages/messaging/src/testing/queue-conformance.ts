import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryChannel } from '../channels/memory-channel.js';
import { createMessagingService } from '../engine/create-messaging-service.js';
import { memoryMessagingStore } from '../engine/memory-store.js';
import type {
  Channel,
  MessageQueue,
  MessagingStore,
  OutgoingMessage,
  QueueDelivery,
} from '../ports.js';
import { memoryRateLimiter, rateLimitedChannel } from '../rate-limit.js';

/** How the queue kit gets queues. */
export interface MessageQueueHarness {
  /** A new, empty queue (its own stream/consumer) with these settings. */
  create(options: { maxDeliver: number; ackWaitMs: number }): Promise<MessageQueue>;
  /** Another worker's handle on the queue `create` returned last (its own connection). */
  connect(): Promise<MessageQueue>;
  /** Kills a handle as a crashed process would: nothing it fetched is settled. */
  crash(queue: MessageQueue): Promise<void>;
  /** A fresh store for the engine tests (default: a memory store). */
  createStore?(): Promise<MessagingStore>;
  /** Called once after the suite. */
  close?(): Promise<void>;
}

const context: ActorContext = { actor: { type: 'service', id: 'queue-conformance', roles: [] } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
};
const never = () => new Promise<never>(() => {});

/**
 * The {@link MessageQueue} conformance kit: deduplication by id, ack, retry with a delay,
 * redelivery after the ack wait, max deliveries; then the engine over the queue — relay and
 * workers deliver every message once through temporary failures and a rate limit, the last
 * delivery dead-letters, and a worker killed mid-batch (some outcomes recorded but not acked,
 * some messages accepted by the provider but not recorded) loses nothing and sends nothing twice
 * at the channel. The memory queue and NATS JetStream run it.
 *
 * @example
 * describeMessageQueue('memory', { create: async (o) => (queue = memoryMessageQueue(o)),
 *   connect: async () => queue, crash: async () => {} });
 */
export function describeMessageQueue(name: string, harness: MessageQueueHarness): void {
  describe(`MessageQueue conformance: ${name}`, () => {
    afterAll(async () => {
      await harness.close?.();
    });

    const ids = (deliveries: QueueDelivery[]) => deliveries.map((d) => d.messageId).sort();

    it('delivers each publication once until acked, deduplicating by id', async () => {
      const queue = await harness.create({ maxDeliver: 5, ackWaitMs: 2_000 });
      await queue.publish([
        { messageId: 'a', deduplicationId: 'a' },
        { messageId: 'b', deduplicationId: 'b' },
        { messageId: 'a', deduplicationId: 'a' }, // the same publication again: dropped
      ]);
      await queue.publish([{ messageId: 'b', deduplicationId: 'b' }]);
      const first = await queue.fetch({ max: 10, waitMs: 1_000 });
      expect(ids(first)).toEqual(['a', 'b']);
      expect(first.map((d) => d.deliveryCount)).toEqual([1, 1]);
      await Promise.all(first.map((d) => d.ack()));
      // A republication under a new id is a new queue message.
      await queue.publish([{ messageId: 'a', deduplicationId: 'a:1' }]);
      const again = await queue.fetch({ max: 10, waitMs: 1_000 });
      expect(ids(again)).toEqual(['a']);
      await again[0]?.ack();
      expect(await queue.fetch({ max: 10, waitMs: 1_000 })).toEqual([]);
      await queue.close();
    });

    it('retries after the delay, and delivers again what was not settled within the ack wait', async () => {
      const queue = await harness.create({ maxDeliver: 5, ackWaitMs: 1_000 });
      await queue.publish([
        { messageId: 'retry', deduplicationId: 'retry' },
        { messageId: 'dropped', deduplicationId: 'dropped' },
      ]);
      const first = await queue.fetch({ max: 10, waitMs: 1_000 });
      expect(ids(first)).toEqual(['dropped', 'retry']);
      const started = Date.now();
      await first.find((d) => d.messageId === 'retry')?.retry(300);
      const retried = await queue.fetch({ max: 1, waitMs: 1_000 });
      expect(retried.map((d) => [d.messageId, d.deliveryCount])).toEqual([['retry', 2]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await retried[0]?.ack();
      // 'dropped' was never settled: back after the ack wait.
      const redelivered = await queue.fetch({ max: 10, waitMs: 3_000 });
      expect(redelivered.map((d) => [d.messageId, d.deliveryCount])).toEqual([['dropped', 2]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      await redelivered[0]?.ack();
      await queue.close();
    });

    it('stops after maxDeliver deliveries', async () => {
      const queue = await harness.create({ maxDeliver: 2, ackWaitMs: 1_000 });
      expect(queue.maxDeliver).toBe(2);
      await queue.publish([{ messageId: 'poison', deduplicationId: 'poison' }]);
      const first = await queue.fetch({ max: 1, waitMs: 1_000 });
      await first[0]?.retry(0);
      const second = await queue.fetch({ max: 1, waitMs: 1_000 });
      expect(second.map((d) => d.deliveryCount)).toEqual([2]);
      await second[0]?.retry(0);
      expect(await queue.fetch({ max: 1, waitMs: 1_200 })).toEqual([]);
      await queue.close();
    });

    it('the engine relays and delivers each message once, through retries and a rate limit', async () => {
      const queue = await harness.create({ maxDeliver: 10, ackWaitMs: 5_000 });
      const failedOnce = new Set<string>();
      const provider = memoryChannel({
        kind: 'email',
        // The first attempt of every third message fails temporarily.
        fail: (message) => {
          if (Number(message.idempotencyKey.split('/')[1]) % 3 !== 0) return undefined;
          if (failedOnce.has(message.id)) return undefined;
          failedOnce.add(message.id);
          return 'temporary';
        },
      });
      const store = (await harness.createStore?.()) ?? memoryMessagingStore();
      const limiter = memoryRateLimiter();
      let heldBack = 0;
      const engine = createMessagingService({
        store,
        channels: [
          rateLimitedChannel(provider, {
            limiter: {
              async take(key, limits, now) {
                const decision = await limiter.take(key, limits, now);
                if (!decision.allowed) heldBack += 1;
                return decision;
              },
            },
            limits: [{ limit: 12, windowMs: 400 }],
          }),
        ],
        audit: memoryAuditSink(),
        queue,
        retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
        leaseMs: 5_000,
      });
      const total = 30;
      const receipt = await engine.sendBatch(
        context,
        { idempotencyKey: 'q', channel: 'email', content: { subject: 's', text: 't' } },
        Array.from({ length: total }, (_, index) => ({ to: `p${index}@example.org` })),
      );
      const workers = [1, 2].map(() => engine.startWorker({ batchSize: 8, pollIntervalMs: 20 }));
      try {
        await until(
          async () =>
            (await engine.getBatchStatus(context, receipt.batchId)).counts.delivered === total,
        );
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
        await queue.close();
      }
      expect(provider.sent).toHaveLength(total);
      expect(new Set(provider.sent.map((message) => message.id)).size).toBe(total);
      expect(failedOnce.size).toBe(10);
      expect(heldBack).toBeGreaterThan(0); // went back to the relay, published again, delivered
      const counts = await store.countByStatus();
      expect(counts).toMatchObject({ delivered: total, queued: 0, sending: 0 });
    }, 30_000);

    it('dead-letters on the last delivery, and acks a redelivered message that is done', async () => {
      const queue = await harness.create({ maxDeliver: 3, ackWaitMs: 5_000 });
      const provider = memoryChannel({ kind: 'sms', fail: () => 'temporary' });
      const store = (await harness.createStore?.()) ?? memoryMessagingStore();
      const engine = createMessagingService({
        store,
        channels: [provider],
        audit: memoryAuditSink(),
        queue,
        retry: { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 10 },
      });
      const message = await engine.send(context, {
        idempotencyKey: 'poison',
        channel: 'sms',
        to: '+15551234567',
        content: { text: 'x' },
      });
      expect(await engine.relay()).toBe(1);
      expect(await engine.relay()).toBe(0); // published: not again
      for (let round = 0; round < 3; round++) await engine.processQueue({ max: 1, waitMs: 2_000 });
      const stored = await engine.getMessage(context, message.id);
      expect(stored).toMatchObject({ status: 'dead-lettered', attempts: 3 });
      expect(stored.lastError?.code).toBe('QUEUE_MAX_DELIVER');
      // A stray copy of a finished message is acknowledged without a send.
      await queue.publish([{ messageId: message.id, deduplicationId: `${message.id}:stray` }]);
      expect(await engine.processQueue({ max: 1, waitMs: 2_000 })).toMatchObject({ claimed: 0 });
      expect(await queue.fetch({ max: 1, waitMs: 1_000 })).toEqual([]);
      await queue.close();
    }, 30_000);

    it('a worker killed mid-batch loses nothing, and nothing is sent twice at the channel', async () => {
      const provider = memoryChannel({ kind: 'email' }); // deduplicates by idempotency key
      const calls = new Map<string, number>();
      const counted = (
        inner: Channel,
        onCall?: (message: OutgoingMessage, index: number) => Promise<void>,
      ) => {
        let index = 0;
        return {
          ...inner,
          async send(message: OutgoingMessage) {
            calls.set(message.id, (calls.get(message.id) ?? 0) + 1);
            index += 1;
            await onCall?.(message, index);
            return inner.send(message);
          },
        } satisfies Channel;
      };
      const store = (await harness.createStore?.()) ?? memoryMessagingStore();
      const total = 30;
      const setup = (channel: Channel, workerQueue: MessageQueue) =>
        createMessagingService({
          store,
          channels: [channel],
          audit: memoryAuditSink(),
          queue: workerQueue,
          leaseMs: 1_000,
        });
      // Worker A: sends 1–10 normally, but the acks of 6–10 never leave the process; 11–15
      // reach the provider and then the process dies before recording them; 16–30 die before
      // sending.
      const role = new Map<string, number>();
      const killed = counted(provider, async (message, index) => {
        role.set(message.id, index);
        if (index > 15) await never();
      });
      const afterProvider: Channel = {
        ...killed,
        async send(message) {
          const receipt = await killed.send(message);
          if ((role.get(message.id) ?? 0) > 10) await never();
          return receipt;
        },
      };
      const queueA = await harness.create({ maxDeliver: 10, ackWaitMs: 1_000 });
      const dropAcks: MessageQueue = {
        ...queueA,
        maxDeliver: queueA.maxDeliver,
        specificationVersion: queueA.specificationVersion,
        publish: (publications) => queueA.publish(publications),
        close: () => queueA.close(),
        fetch: async (options) =>
          (await queueA.fetch(options)).map((delivery) => ({
            messageId: delivery.messageId,
            deliveryCount: delivery.deliveryCount,
            retry: (delayMs: number) => delivery.retry(delayMs),
            working: () => delivery.working(),
            ack: () => ((role.get(delivery.messageId) ?? 0) > 5 ? never() : delivery.ack()),
          })),
      };
      const workerA = setup(afterProvider, dropAcks);
      const receipt = await workerA.sendBatch(
        context,
        { idempotencyKey: 'crash', channel: 'email', content: { subject: 's', text: 't' } },
        Array.from({ length: total }, (_, index) => ({ to: `p${index}@example.org` })),
      );
      expect(await workerA.relay()).toBe(total);
      void workerA.processQueue({ max: total, waitMs: 2_000 }); // never ends: it "dies"
      await until(async () => (await store.countByStatus()).delivered === 10);
      await until(async () => provider.sent.length === 15);
      await sleep(100); // the acks of 1–5 are on their way
      await harness.crash(queueA);

      // Worker B takes over from the queue's redeliveries.
      const queueB = await harness.connect();
      const callsBefore = new Map(calls);
      const workerB = setup(counted(provider), queueB);
      const worker = workerB.startWorker({ batchSize: 10, pollIntervalMs: 20, relay: false });
      try {
        await until(
          async () =>
            (await workerB.getBatchStatus(context, receipt.batchId)).counts.delivered === total,
        );
      } finally {
        await worker.stop();
        await queueB.close();
      }
      const byRole = (from: number, to: number) =>
        [...role].filter(([, index]) => index >= from && index <= to).map(([id]) => id);
      const sentByB = (id: string) => (calls.get(id) ?? 0) - (callsBefore.get(id) ?? 0);
      // Recorded before the crash: never sent again, acked or not.
      expect(byRole(1, 10).map(sentByB)).toEqual(Array(10).fill(0));
      // Accepted by the provider but not recorded: sent again with the same idempotency key,
      // which the provider recognised — one message each at the provider.
      expect(byRole(11, 30).map(sentByB)).toEqual(Array(20).fill(1));
      expect(provider.sent).toHaveLength(total);
      expect(new Set(provider.sent.map((message) => message.idempotencyKey)).size).toBe(total);
      expect(await store.countByStatus()).toMatchObject({ delivered: total, sending: 0 });
    }, 30_000);
  });
}
