/**
 * Reliability: a channel failing 30% of attempts at random, a worker stopped mid-batch and
 * another that "crashes" holding claimed messages. Every message must end delivered exactly
 * once — counted at a real SMTP server on loopback — or dead-lettered with its error.
 * Size: 10,000 messages on memory and PostgreSQL, 2,000 on PGlite; MESSAGING_RELIABILITY_SIZE
 * sets all. MESSAGING_RELIABILITY_STORES=memory,pglite,postgres picks the stores.
 */
import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpChannel } from '../src/channels/smtp-channel.js';
import { createMessagingService } from '../src/engine/create-messaging-service.js';
import { memoryMessagingStore } from '../src/engine/memory-store.js';
import { ChannelError } from '../src/errors.js';
import type { Channel, MessagingStore } from '../src/ports.js';
import { sqlMessagingStore } from '../src/sql/sql-store.js';
import { type LocalSmtpServer, startLocalSmtpServer } from '../src/testing/local-smtp-server.js';

// The 10,000 on memory and PostgreSQL; 2,000 on PGlite, which runs in this process and
// shares its one thread with the SMTP server (10,000 there takes minutes). MESSAGING_RELIABILITY_SIZE
// sets every store's size.
const sizeFor = (kind: string) =>
  Number(process.env.MESSAGING_RELIABILITY_SIZE ?? (kind === 'pglite' ? 2_000 : 10_000));
const context: ActorContext = { actor: { type: 'service', id: 'reliability', roles: [] } };

/** Fails 30% of attempts (before anything is sent), at random. */
function flaky(channel: Channel, rate: number): Channel & { failures: number } {
  const wrapped = {
    specificationVersion: channel.specificationVersion,
    name: channel.name,
    kind: channel.kind,
    failures: 0,
    async send(message: Parameters<Channel['send']>[0]) {
      if (Math.random() < rate) {
        wrapped.failures += 1;
        throw new ChannelError(channel.name, 'simulated outage', { retryable: true });
      }
      return channel.send(message);
    },
    close: () => channel.close?.() ?? Promise.resolve(),
  };
  return wrapped;
}

const stores: Array<{
  name: string;
  kind: string;
  open: () => Promise<{ store: MessagingStore; close: () => Promise<void> }>;
}> = [
  {
    name: 'memory',
    kind: 'memory',
    open: async () => ({ store: memoryMessagingStore(), close: async () => {} }),
  },
  ...testDatabaseKinds().map((kind) => ({
    name: `sql on ${kind}`,
    kind,
    open: async () => {
      const db: TestDatabase = await openTestDatabase(kind);
      return { store: await sqlMessagingStore(db.client), close: () => db.close() };
    },
  })),
];

const only = process.env.MESSAGING_RELIABILITY_STORES?.split(',');
describe.each(stores.filter((store) => !only || only.includes(store.kind)))(
  'reliability on $name',
  ({ open, kind }) => {
    const size = sizeFor(kind);
    let smtp: LocalSmtpServer;
    let store: MessagingStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      smtp = await startLocalSmtpServer();
      ({ store, close } = await open());
    });
    afterAll(async () => {
      await smtp.close();
      await close();
    });

    it(
      `${size} emails: each delivered exactly once or dead-lettered`,
      async () => {
        const channel = flaky(
          smtpChannel({
            host: smtp.host,
            port: smtp.port,
            from: { address: 'noreply@agency.example' },
            timeoutMs: 1_000,
            maxConnections: 10,
          }),
          0.3,
        );
        const engine = createMessagingService({
          store,
          channels: [channel],
          audit: memoryAuditSink(),
          retry: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 50 },
          leaseMs: 1_500,
          batchChunkSize: 500,
        });
        const recipients = function* () {
          for (let index = 0; index < size; index++)
            yield { to: `person${index}@example.org`, personalisation: { n: index } };
        };
        const receipt = await engine.sendBatch(
          context,
          {
            idempotencyKey: `reliability-${Date.now()}`,
            channel: 'email',
            content: { subject: 'Notice {{n}}', text: 'Message {{n}}' },
          },
          recipients(),
        );
        expect(receipt.accepted).toBe(size);

        // A worker that crashes: it claims messages and never finishes them (their lease runs out).
        const crashed = await store.claim({ now: new Date(), limit: 25, leaseMs: 1_500 });
        expect(crashed).toHaveLength(25);

        const workers = [1, 2, 3].map(() =>
          engine.startWorker({ batchSize: 20, pollIntervalMs: 20 }),
        );
        // Stop one worker mid-batch.
        while (smtp.received.length < size / 4)
          await new Promise((resolve) => setTimeout(resolve, 10));
        await workers[0]!.stop();

        const deadline = Date.now() + Math.max(120_000, size * 25);
        let status = await engine.getBatchStatus(context, receipt.batchId);
        while (
          status.counts.delivered + status.counts['dead-lettered'] + status.counts.failed < size &&
          Date.now() < deadline
        ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          status = await engine.getBatchStatus(context, receipt.batchId);
        }
        await Promise.all(workers.map((worker) => worker.stop()));
        await channel.close?.();

        const ids = smtp.received.map(
          (mail) => /^x-govblocks-message-id:\s*(\S+)/im.exec(mail.raw)?.[1],
        );
        const unique = new Set(ids);
        expect(ids.every((id) => id !== undefined)).toBe(true);
        expect(unique.size).toBe(ids.length); // nothing duplicated
        expect(status.counts.delivered).toBe(unique.size); // every delivery counted at the server
        expect(status.counts.delivered + status.counts['dead-lettered']).toBe(size); // nothing lost
        expect(status.counts.failed).toBe(0);
        expect(channel.failures).toBeGreaterThan(size * 0.2);
        // The crashed worker's messages were taken over and delivered (or dead-lettered).
        for (const claim of crashed) {
          const message = await engine.getMessage(context, claim.message.id);
          expect(['delivered', 'dead-lettered']).toContain(message.status);
          if (message.status === 'dead-lettered')
            expect(message.lastError?.code).toBe('CHANNEL_UNAVAILABLE');
        }
        console.info(
          `[reliability] ${size} messages: ${status.counts.delivered} delivered once, ${status.counts['dead-lettered']} dead-lettered, ${channel.failures} injected failures`,
        );
      },
      Math.max(180_000, size * 30),
    );
  },
);
