/**
 * Messaging benchmarks (`pnpm bench messaging`).
 * - Queueing a batch through the engine (validation, rendering, idempotency keys, chunked
 *   inserts) vs a raw batched INSERT of the same rows, on PGlite and (with DATABASE_URL) PostgreSQL.
 * - Delivery throughput of the workers to the memory channel and to a local SMTP server.
 * Knobs: MESSAGING_BENCH_BATCH (default 10,000; the figure is 100,000),
 * MESSAGING_BENCH_DELIVERY (default 5,000), MESSAGING_BENCH_SMTP (default 1,000),
 * MESSAGING_BENCH_ONLY=queue|delivery|memory and MESSAGING_BENCH_DATABASES=pglite,postgres to
 * run a part (a 100,000 batch takes minutes: tinybench warms up before it measures).
 */
import { randomUUID } from 'node:crypto';
import { type ActorContext, hashRequest, memoryAuditSink } from '@govblocks/core';
import type { SqlClient } from '@govblocks/core/sql';
import {
  openTestDatabase,
  type TestDatabase,
  type TestDatabaseKind,
  testDatabaseKinds,
} from '@govblocks/core/testing';
import { type Comparison, defineBench, type Report } from '../../../tools/bench/harness.js';
import { memoryChannel } from '../src/channels/memory-channel.js';
import { smtpChannel } from '../src/channels/smtp-channel.js';
import {
  createMessagingService,
  type MessagingEngine,
} from '../src/engine/create-messaging-service.js';
import { memoryMessagingStore } from '../src/engine/memory-store.js';
import type { MessagingStore } from '../src/ports.js';
import { sqlMessagingStore } from '../src/sql/sql-store.js';
import { startLocalSmtpServer } from '../src/testing/local-smtp-server.js';

const batchSize = Number(process.env.MESSAGING_BENCH_BATCH ?? 10_000);
const deliverySize = Number(process.env.MESSAGING_BENCH_DELIVERY ?? 5_000);
const smtpSize = Number(process.env.MESSAGING_BENCH_SMTP ?? 1_000);
const context: ActorContext = { actor: { type: 'service', id: 'bench', roles: [] } };
const content = {
  subject: 'Your payment {{reference}}',
  text: 'Dear {{name}}, payment {{reference}} is on its way.',
};

function* recipients(count: number) {
  for (let index = 0; index < count; index++) {
    yield {
      to: `person${index}@example.org`,
      personalisation: { name: `Person ${index}`, reference: `REF-${index}` },
    };
  }
}

/** The same rows the engine writes, inserted with plain multi-row INSERTs of 1,000 rows. */
async function rawInsert(client: SqlClient, count: number): Promise<void> {
  const batchId = randomUUID();
  const now = new Date().toISOString();
  await client.query(
    'insert into messaging_batches (id, idempotency_key, request_hash, accepted, released, created_at) values ($1, $2, $3, $4, true, $5)',
    [batchId, `raw-${batchId}`, 'x', count, now],
  );
  for (let start = 0; start < count; start += 1_000) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let index = start; index < Math.min(count, start + 1_000); index++) {
      const body = {
        channel: 'email',
        to: `person${index}@example.org`,
        content: {
          subject: `Your payment REF-${index}`,
          text: `Dear Person ${index}, payment REF-${index} is on its way.`,
        },
        warnings: [],
      };
      const base = params.length;
      values.push(
        `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, 'queued', 0, $${base + 5}, $${base + 6}::jsonb, $${base + 5}, $${base + 5})`,
      );
      params.push(
        randomUUID(),
        `raw-${batchId}/${index}`,
        hashRequest({ index }),
        batchId,
        now,
        JSON.stringify(body),
      );
    }
    await client.query(
      `insert into messaging_messages (id, idempotency_key, request_hash, batch_id, status, attempts, next_attempt_at, body, created_at, updated_at) values ${values.join(',')}`,
      params,
    );
  }
}

function queueComparison(kind: TestDatabaseKind): Comparison {
  let db: TestDatabase;
  let engine: MessagingEngine;
  return {
    name: `queue a ${batchSize.toLocaleString('en-US')}-recipient batch on ${kind} (rows/s)`,
    async setup() {
      db = await openTestDatabase(kind);
      const store = await sqlMessagingStore(db.client);
      engine = createMessagingService({
        store,
        channels: [memoryChannel({ kind: 'email' })],
        audit: memoryAuditSink(),
      });
    },
    teardown: () => db.close(),
    time: 0,
    iterations: 2,
    baseline: {
      name: 'raw batched INSERT of the same rows',
      operations: batchSize,
      fn: () => rawInsert(db.client, batchSize),
    },
    subject: {
      name: 'engine.sendBatch (validate, render, keys, chunked insert)',
      operations: batchSize,
      fn: () =>
        engine.sendBatch(
          context,
          { idempotencyKey: randomUUID(), channel: 'email', content },
          recipients(batchSize),
        ),
    },
    target: { ratio: 0.5 },
  };
}

async function deliveryRate(
  store: MessagingStore,
  count: number,
  channelKind: 'memory' | 'smtp',
): Promise<string> {
  const smtp = channelKind === 'smtp' ? await startLocalSmtpServer() : undefined;
  const channel = smtp
    ? smtpChannel({
        host: smtp.host,
        port: smtp.port,
        from: { address: 'noreply@agency.example' },
        maxConnections: 10,
      })
    : memoryChannel({ kind: 'email', deduplicate: false });
  const engine = createMessagingService({ store, channels: [channel], audit: memoryAuditSink() });
  await engine.sendBatch(
    context,
    { idempotencyKey: randomUUID(), channel: 'email', content },
    recipients(count),
  );
  const started = performance.now();
  const workers = [1, 2].map(() => engine.startWorker({ batchSize: 50, pollIntervalMs: 5 }));
  let delivered = 0;
  while (delivered < count) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    delivered = (await store.countByStatus()).delivered;
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((worker) => worker.stop()));
  await channel.close?.();
  await smtp?.close();
  return `${Math.round(count / seconds).toLocaleString('en-US')} messages/s (${count.toLocaleString('en-US')} in ${seconds.toFixed(2)} s, 2 workers)`;
}

const delivery: Report = {
  name: 'delivery throughput (workers draining the outbox)',
  async run() {
    const lines: Array<{ label: string; value: string }> = [];
    lines.push({
      label: 'memory store → memory channel',
      value: await deliveryRate(memoryMessagingStore(), deliverySize, 'memory'),
    });
    for (const kind of testDatabaseKinds()) {
      const db = await openTestDatabase(kind);
      try {
        lines.push({
          label: `sql on ${kind} → memory channel`,
          value: await deliveryRate(await sqlMessagingStore(db.client), deliverySize, 'memory'),
        });
        await db.resetSchema();
        lines.push({
          label: `sql on ${kind} → SMTP (local smtp-server)`,
          value: await deliveryRate(await sqlMessagingStore(db.client), smtpSize, 'smtp'),
        });
      } finally {
        await db.close();
      }
    }
    return lines;
  },
};

const memory: Report = {
  name: `memory while queueing a ${batchSize.toLocaleString('en-US')}-recipient batch (PGlite; recipients streamed)`,
  async run() {
    const db = await openTestDatabase('pglite');
    try {
      const engine = createMessagingService({
        store: await sqlMessagingStore(db.client),
        channels: [memoryChannel({ kind: 'email' })],
        audit: memoryAuditSink(),
      });
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 10);
      const started = performance.now();
      await engine.sendBatch(
        context,
        { idempotencyKey: randomUUID(), channel: 'email', content },
        recipients(batchSize),
      );
      clearInterval(sampler);
      const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
      return [
        { label: 'JS heap before → peak while queueing', value: `${mib(before)} → ${mib(peak)}` },
        { label: 'process RSS after', value: mib(process.memoryUsage().rss) },
        { label: 'time', value: `${((performance.now() - started) / 1000).toFixed(1)} s` },
      ];
    } finally {
      await db.close();
    }
  },
};

const only = process.env.MESSAGING_BENCH_ONLY;
const kinds = testDatabaseKinds().filter(
  (kind) =>
    !process.env.MESSAGING_BENCH_DATABASES ||
    process.env.MESSAGING_BENCH_DATABASES.split(',').includes(kind),
);
export default defineBench(
  ...(only === undefined || only === 'queue' ? kinds.map(queueComparison) : []),
  ...(only === undefined || only === 'memory' ? [memory] : []),
  ...(only === undefined || only === 'delivery' ? [delivery] : []),
);
