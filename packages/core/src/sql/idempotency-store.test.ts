import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import {
  hashRequest,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  type IdempotencyStore,
  memoryIdempotencyStore,
  runIdempotent,
} from '../idempotency.js';
import {
  openTestDatabase,
  type TestDatabase,
  testDatabaseKinds,
} from '../testing/test-database.js';
import { idempotencyMigrations, sqlIdempotencyStore } from './idempotency-store.js';
import { migrate } from './migrate.js';

const ttlMs = 60 * 60 * 1000;
const leaseMs = 30 * 1000;

/** The behaviour every IdempotencyStore shares. `fresh` gives an empty store for each test. */
function idempotencyStoreBehaviour(name: string, fresh: () => Promise<IdempotencyStore>) {
  describe(`IdempotencyStore behaviour: ${name}`, () => {
    let store: IdempotencyStore;
    const clock = manualClock();
    const scope = 'test.scope';
    const begin = (key: string, requestHash: string, input: { scope?: string } = {}) =>
      store.begin({
        scope: input.scope ?? scope,
        key,
        requestHash,
        now: clock.now(),
        ttlMs,
        leaseMs,
      });

    beforeEach(async () => {
      clock.set('2025-01-01T00:00:00Z');
      store = await fresh();
    });

    it('starts a new key, then replays its stored response for the same request', async () => {
      expect(await begin('k1', 'h1')).toEqual({ status: 'started' });
      const response = { id: 'p-1', nested: { amounts: [1, 2], none: null }, text: 'é' };
      await store.complete({ scope, key: 'k1', response, now: clock.now(), ttlMs });
      expect(await begin('k1', 'h1')).toEqual({ status: 'replay', response });
    });

    it('stores a null response', async () => {
      await begin('k1', 'h1');
      await store.complete({ scope, key: 'k1', response: null, now: clock.now(), ttlMs });
      expect(await begin('k1', 'h1')).toEqual({ status: 'replay', response: null });
    });

    it('refuses the same key with a different request, in flight or completed', async () => {
      await begin('k1', 'h1');
      expect(await begin('k1', 'h2')).toEqual({ status: 'mismatch' });
      await store.complete({ scope, key: 'k1', response: 1, now: clock.now(), ttlMs });
      expect(await begin('k1', 'h2')).toEqual({ status: 'mismatch' });
    });

    it('reports a claim in flight with the seconds left on its lease', async () => {
      await begin('k1', 'h1');
      clock.advance(10_500);
      expect(await begin('k1', 'h1')).toEqual({ status: 'in_flight', retryAfterSeconds: 20 });
    });

    it('lets a claim whose lease ran out be taken over', async () => {
      await begin('k1', 'h1');
      clock.advance(leaseMs);
      expect(await begin('k1', 'h1')).toEqual({ status: 'started' });
      expect(await begin('k1', 'h1')).toMatchObject({ status: 'in_flight' });
    });

    it('frees a released key, but never a completed one', async () => {
      await begin('k1', 'h1');
      await store.release({ scope, key: 'k1' });
      expect(await begin('k1', 'h2')).toEqual({ status: 'started' });
      await store.complete({ scope, key: 'k1', response: 'done', now: clock.now(), ttlMs });
      await store.release({ scope, key: 'k1' });
      expect(await begin('k1', 'h2')).toEqual({ status: 'replay', response: 'done' });
    });

    it('forgets completed keys after their time, and purges only those', async () => {
      await begin('old', 'h1');
      await store.complete({ scope, key: 'old', response: 1, now: clock.now(), ttlMs });
      clock.advance(ttlMs / 2);
      await begin('young', 'h1');
      await store.complete({ scope, key: 'young', response: 2, now: clock.now(), ttlMs });
      await begin('pending', 'h1');
      clock.advance(ttlMs / 2);
      expect(await store.purgeExpired(clock.now())).toBe(1);
      expect(await begin('young', 'h1')).toEqual({ status: 'replay', response: 2 });
      expect(await begin('old', 'h9')).toEqual({ status: 'started' });
    });

    it('lets a key past its time be used again without a purge', async () => {
      await begin('k1', 'h1');
      await store.complete({ scope, key: 'k1', response: 1, now: clock.now(), ttlMs });
      clock.advance(ttlMs);
      expect(await begin('k1', 'h2')).toEqual({ status: 'started' });
    });

    it('keeps scopes apart', async () => {
      await begin('k1', 'h1', { scope: 'a' });
      expect(await begin('k1', 'h2', { scope: 'b' })).toEqual({ status: 'started' });
    });

    it('grants a key to exactly one of many concurrent callers', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => begin('race', 'h1')));
      expect(results.filter((result) => result.status === 'started')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'in_flight')).toHaveLength(7);
    });

    it('runs a command once through runIdempotent, with typed errors for misuse', async () => {
      let runs = 0;
      const run = async () => ({ id: `r-${++runs}` });
      const options = { store, scope, key: 'cmd-1', request: { amount: 5 }, run, clock };
      expect(await runIdempotent(options)).toEqual({ value: { id: 'r-1' }, replayed: false });
      expect(await runIdempotent(options)).toEqual({ value: { id: 'r-1' }, replayed: true });
      expect(runs).toBe(1);
      await expect(runIdempotent({ ...options, request: { amount: 6 } })).rejects.toBeInstanceOf(
        IdempotencyMismatchError,
      );
      await expect(
        runIdempotent({
          ...options,
          key: 'cmd-2',
          run: async () => {
            await expect(runIdempotent({ ...options, key: 'cmd-2' })).rejects.toBeInstanceOf(
              IdempotencyInFlightError,
            );
            throw new Error('failed');
          },
        }),
      ).rejects.toThrow('failed');
      // The failure released the key: a retry runs.
      expect(await runIdempotent({ ...options, key: 'cmd-2' })).toEqual({
        value: { id: 'r-2' },
        replayed: false,
      });
      expect(hashRequest({ a: 1, b: 2 })).toBe(hashRequest({ b: 2, a: 1 }));
    });
  });
}

idempotencyStoreBehaviour('memory', async () => memoryIdempotencyStore());

describe.each(testDatabaseKinds())('sqlIdempotencyStore on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(() => db?.close());

  idempotencyStoreBehaviour(`sql (${kind})`, async () => {
    // Emptying the table is much cheaper than a new schema per test (PGlite is slow at DDL).
    await migrate(db.client, idempotencyMigrations);
    await db.client.execute('truncate govblocks_idempotency');
    return sqlIdempotencyStore(db.client);
  });

  it('creates its table through the core migration namespace, once', async () => {
    await db.resetSchema();
    const store = sqlIdempotencyStore(db.client);
    await store.purgeExpired(new Date());
    await sqlIdempotencyStore(db.client).purgeExpired(new Date());
    const { rows } = await db.client.query<{ namespace: string; id: string }>(
      'select namespace, id from govblocks_migrations',
    );
    expect(rows).toEqual([{ namespace: 'core', id: '0001_idempotency' }]);
  });
});
