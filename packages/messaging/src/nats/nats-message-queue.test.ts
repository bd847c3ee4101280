import { randomUUID } from 'node:crypto';
import { openTestDatabase, type TestDatabase } from '@govblocks/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe } from 'vitest';
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
});
