import { randomUUID } from 'node:crypto';
import { openTestDatabase, type TestDatabase } from '@govblocks/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { MessageQueue } from '../ports.js';
import { sqlMessagingStore } from '../sql/sql-store.js';
import { describeMessageQueue } from '../testing/queue-conformance.js';
import { type NatsConnection, natsMessageQueue } from './nats-message-queue.js';

const url = process.env.NATS_URL;

describe.skipIf(!url)('natsMessageQueue (NATS_URL)', () => {
  // Each test gets its own stream; each queue handle its own connection (a worker process).
  const connections = new Map<MessageQueue, NatsConnection>();
  const streams: string[] = [];
  let current: { stream: string; maxDeliver: number; ackWaitMs: number } | undefined;

  const open = async (setup: { stream: string; maxDeliver: number; ackWaitMs: number }) => {
    const connection = await connect({ servers: url });
    const queue = await natsMessageQueue({
      connection,
      stream: setup.stream,
      subject: `govblocks.test.${setup.stream}`,
      consumer: 'workers',
      maxDeliver: setup.maxDeliver,
      ackWaitMs: setup.ackWaitMs,
      prefetch: 32,
    });
    connections.set(queue, connection);
    return queue;
  };

  // The engine tests run on PostgreSQL when DATABASE_URL is set (the production pairing).
  let database: Promise<TestDatabase> | undefined;
  afterAll(async () => {
    await (await database)?.close();
  });

  describeMessageQueue(process.env.DATABASE_URL ? 'nats with sql on postgres' : 'nats', {
    ...(process.env.DATABASE_URL
      ? {
          async createStore() {
            database ??= openTestDatabase('postgres');
            const db = await database;
            await db.resetSchema();
            return sqlMessagingStore(db.client);
          },
        }
      : {}),
    async create(options) {
      current = { stream: `GOVBLOCKS_TEST_${randomUUID().replaceAll('-', '')}`, ...options };
      streams.push(current.stream);
      return open(current);
    },
    async connect() {
      if (!current) throw new Error('create first');
      return open(current);
    },
    async crash(queue) {
      // The process dies: its connection goes, nothing it fetched is acked or given back.
      await connections.get(queue)?.close();
      connections.delete(queue);
    },
    async close() {
      for (const connection of connections.values()) await connection.close();
      const connection = await connect({ servers: url });
      const manager = await jetstreamManager(connection);
      for (const stream of streams) await manager.streams.delete(stream).catch(() => false);
      await connection.close();
    },
  });

  it('a worker that closes loses nothing: what it held comes back to another worker', async () => {
    const setup = {
      stream: `GOVBLOCKS_TEST_${randomUUID().replaceAll('-', '')}`,
      maxDeliver: 5,
      ackWaitMs: 2_000,
    };
    streams.push(setup.stream);
    const first = await open(setup);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    await first.publish(ids.map((id) => ({ messageId: id, deduplicationId: id })));
    const [handedOut] = await first.fetch({ max: 1, waitMs: 2_000 });
    expect(handedOut?.deliveryCount).toBe(1);
    // The rest may sit in this worker's buffer: close() gives them back (at once, or after the
    // ack wait where the server still routes them to this worker's pull request).
    await first.close();
    const second = await open(setup);
    const received = new Map<string, number>();
    const started = Date.now();
    while (received.size < ids.length && Date.now() - started < 10_000) {
      for (const delivery of await second.fetch({ max: 10, waitMs: 1_000 })) {
        received.set(delivery.messageId, delivery.deliveryCount);
        await delivery.ack();
      }
    }
    expect([...received.keys()].sort()).toEqual(ids);
    // The one handed out and never settled came back after the ack wait.
    expect(received.get(handedOut?.messageId as string)).toBe(2);
    await second.close();
  }, 20_000);

  it('a fetch on a closed connection fails instead of waiting forever', async () => {
    const setup = {
      stream: `GOVBLOCKS_TEST_${randomUUID().replaceAll('-', '')}`,
      maxDeliver: 5,
      ackWaitMs: 5_000,
    };
    streams.push(setup.stream);
    const queue = await open(setup);
    await connections.get(queue)?.close();
    await expect(queue.fetch({ max: 1, waitMs: 1_000 })).rejects.toThrow();
  });
});
