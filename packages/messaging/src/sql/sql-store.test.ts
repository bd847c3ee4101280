import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../rate-limit.js';
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

  describe(`sqlRateLimiter on ${kind}`, () => {
    let db: TestDatabase;
    let limiter: RateLimiter;
    beforeEach(async () => {
      db = await database(kind);
      await db.resetSchema();
      limiter = await sqlRateLimiter(db.client);
    });

    it('never lets more than the quota through, even under concurrent workers', async () => {
      const now = new Date('2030-01-01T00:00:00.400Z');
      // Two limiters on the same database stand for two processes.
      const other = await sqlRateLimiter(db.client, { migrate: false });
      const decisions = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          (index % 2 ? limiter : other).take('provider', [{ limit: 10, windowMs: 1_000 }], now),
        ),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
      expect(decisions.find((decision) => !decision.allowed)).toEqual({
        allowed: false,
        retryAfterMs: 600,
      });
    });

    it('charges no window when another quota refuses', async () => {
      const now = new Date('2030-01-01T00:00:00.000Z');
      const limits = [
        { limit: 2, windowMs: 1_000 },
        { limit: 1, windowMs: 86_400_000 },
      ];
      expect((await limiter.take('p', limits, now)).allowed).toBe(true);
      expect((await limiter.take('p', limits, now)).allowed).toBe(false);
      // The per-second window still has one place left: the refused take was rolled back.
      expect((await limiter.take('p', [{ limit: 2, windowMs: 1_000 }], now)).allowed).toBe(true);
      expect((await limiter.take('p', [{ limit: 2, windowMs: 1_000 }], now)).allowed).toBe(false);
    });
  });
}
