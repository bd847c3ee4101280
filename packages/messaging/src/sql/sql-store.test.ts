import type { SqlClient } from '@govblocks/core/sql';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { Message } from '../schemas.js';
import { describeRateLimiter } from '../testing/rate-limiter-conformance.js';
import { describeMessagingStore } from '../testing/store-conformance.js';
import { sqlRateLimiter } from './sql-rate-limiter.js';
import { sqlMessagingStore } from './sql-store.js';

// One database per kind for the whole file (a PGlite costs seconds and hundreds of MB).
const databases = new Map<string, Promise<TestDatabase>>();
const database = (kind: 'pglite' | 'postgres') => {
  let db = databases.get(kind);
  if (!db) {
    db = openTestDatabase(kind);
    databases.set(kind, db);
  }
  return db;
};
afterAll(async () => {
  for (const db of databases.values()) await (await db).close();
});

for (const kind of testDatabaseKinds()) {
  describeMessagingStore(`sql on ${kind}`, {
    async create() {
      const db = await database(kind);
      await db.resetSchema();
      return sqlMessagingStore(db.client);
    },
  });

  describe(`sqlMessagingStore outcomes on ${kind}`, () => {
    it('records outcomes that end together in one UPDATE, refusing lost claims row by row', async () => {
      const db = await database(kind);
      await db.resetSchema();
      let updates = 0;
      const counting: SqlClient = {
        ...db.client,
        query: (text, params) => {
          if (/^\s*update messaging_messages/i.test(text)) updates += 1;
          return db.client.query(text, params);
        },
      } as SqlClient;
      const store = await sqlMessagingStore(counting);
      const now = new Date('2030-01-01T00:00:00.000Z');
      const messages = Array.from({ length: 6 }, (_, index) => ({
        message: {
          id: `m${index}`,
          idempotencyKey: `k${index}`,
          batchId: null,
          channel: 'sms' as const,
          to: '+15551234567',
          content: { text: `t${index}` },
          warnings: [],
          status: 'queued' as const,
          attempts: 0,
          nextAttemptAt: now.toISOString(),
          lastError: null,
          deliveredBy: null,
          providerMessageId: null,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          deliveredAt: null,
        },
        requestHash: `h${index}`,
      }));
      await store.insertMessages(messages);
      const claimed = await store.claim({ now, limit: 10, leaseMs: 1_000 });
      expect(claimed).toHaveLength(6);
      const token = claimed[0]?.claimToken as string;
      const at = new Date(now.getTime() + 10);
      const later = new Date(now.getTime() + 5_000);
      const error = { code: 'CHANNEL_UNAVAILABLE', message: 'x', at: at.toISOString() };
      updates = 0;
      const held = await Promise.all([
        store.finish({
          id: 'm0',
          claimToken: token,
          outcome: { status: 'delivered', at, deliveredBy: 'sms', providerMessageId: 'p0' },
        }),
        store.finish({
          id: 'm1',
          claimToken: token,
          outcome: { status: 'queued', at, error, nextAttemptAt: later },
        }),
        store.finish({ id: 'm2', claimToken: token, outcome: { status: 'failed', at, error } }),
        store.finish({
          id: 'm3',
          claimToken: token,
          outcome: { status: 'throttled', at, nextAttemptAt: later },
        }),
        store.finish({
          id: 'm4',
          claimToken: 'not-the-token',
          outcome: { status: 'delivered', at, deliveredBy: 'sms', providerMessageId: 'p4' },
        }),
        store.finish({
          id: 'm5',
          claimToken: token,
          outcome: { status: 'dead-lettered', at, error },
        }),
      ]);
      expect(held).toEqual([true, true, true, true, false, true]);
      expect(updates).toBe(1);
      const read = async (id: string) => (await store.getMessage(id)) as Message;
      expect(await read('m0')).toMatchObject({
        status: 'delivered',
        attempts: 1,
        deliveredBy: 'sms',
        providerMessageId: 'p0',
        deliveredAt: at.toISOString(),
        nextAttemptAt: null,
      });
      expect(await read('m1')).toMatchObject({
        status: 'queued',
        attempts: 1,
        lastError: error,
        nextAttemptAt: later.toISOString(),
      });
      expect(await read('m2')).toMatchObject({ status: 'failed', lastError: error });
      expect(await read('m3')).toMatchObject({
        status: 'queued',
        attempts: 0,
        lastError: null,
        nextAttemptAt: later.toISOString(),
      });
      expect(await read('m4')).toMatchObject({ status: 'sending', deliveredBy: null });
      expect(await read('m5')).toMatchObject({ status: 'dead-lettered', nextAttemptAt: null });
      // A finish repeated after the claim was used changes nothing.
      expect(
        await store.finish({
          id: 'm1',
          claimToken: token,
          outcome: { status: 'failed', at, error },
        }),
      ).toBe(false);
      expect(await read('m1')).toMatchObject({ status: 'queued' });
    });
  });

  describeRateLimiter(`sql on ${kind}`, {
    async create() {
      const db = await database(kind);
      await db.resetSchema();
      return sqlRateLimiter(db.client);
    },
    // Another limiter on the same database stands for another process.
    sibling: async () => sqlRateLimiter((await database(kind)).client, { migrate: false }),
  });
}
