import { ConfigurationError } from '@govblocks/core';
import type { MessageQueue, QueueDelivery } from '../ports.js';

export interface MemoryMessageQueueOptions {
  /** Deliveries per queue message at most. Default 20. */
  maxDeliver?: number;
  /** How long a delivery stays invisible before it is delivered again. Default 60 s. */
  ackWaitMs?: number;
  /** Publications with the same deduplication id within this window queue one message. Default 2 min. */
  duplicateWindowMs?: number;
}

export interface MemoryMessageQueue extends MessageQueue {
  /** Queue messages not acknowledged yet (tests). */
  pending(): number;
}

interface Entry {
  seq: number;
  messageId: string;
  deliveries: number;
  /** Deliverable from then on (a retry's delay, or the ack wait of a delivery in flight). */
  availableAt: number;
}

/**
 * An in-process {@link MessageQueue} with JetStream's semantics — deduplication window,
 * ack wait, retry with a delay, max deliveries — for tests and single-process demos. Nothing
 * survives a restart; several processes need a broker (`natsMessageQueue`).
 */
export function memoryMessageQueue(options: MemoryMessageQueueOptions = {}): MemoryMessageQueue {
  const maxDeliver = options.maxDeliver ?? 20;
  const ackWaitMs = options.ackWaitMs ?? 60_000;
  const windowMs = options.duplicateWindowMs ?? 120_000;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1)
    throw new ConfigurationError('[messaging] maxDeliver must be a positive integer');
  const entries = new Map<number, Entry>();
  const seen = new Map<string, number>(); // deduplication id → when published
  let seq = 0;
  let closed = false;

  const deliverable = (now: number) =>
    [...entries.values()].filter(
      (entry) => entry.availableAt <= now && entry.deliveries < maxDeliver,
    );

  return {
    specificationVersion: 'messaging-queue/v1',
    maxDeliver,
    async publish(publications) {
      const now = Date.now();
      for (const [id, at] of seen) if (at < now - windowMs) seen.delete(id);
      for (const { messageId, deduplicationId } of publications) {
        if (seen.has(deduplicationId)) continue;
        seen.set(deduplicationId, now);
        seq += 1;
        entries.set(seq, { seq, messageId, deliveries: 0, availableAt: now });
      }
    },
    async fetch({ max, waitMs }) {
      const until = Date.now() + waitMs;
      let ready = deliverable(Date.now());
      while (ready.length === 0 && !closed && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        ready = deliverable(Date.now());
      }
      if (closed) return [];
      const now = Date.now();
      return ready.slice(0, max).map((entry): QueueDelivery => {
        entry.deliveries += 1;
        entry.availableAt = now + ackWaitMs;
        const settled = () => !entries.has(entry.seq);
        return {
          messageId: entry.messageId,
          deliveryCount: entry.deliveries,
          async ack() {
            entries.delete(entry.seq);
          },
          async retry(delayMs) {
            if (!settled()) entry.availableAt = Date.now() + delayMs;
          },
          async working() {
            if (!settled()) entry.availableAt = Date.now() + ackWaitMs;
          },
        };
      });
    },
    async close() {
      closed = true;
    },
    pending: () => entries.size,
  };
}
