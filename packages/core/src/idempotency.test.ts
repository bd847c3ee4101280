import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.js';
import { hashRequest, memoryIdempotencyStore, runIdempotent } from './idempotency.js';

describe('runIdempotent (memory store)', () => {
  it('runs once per key and replays the first result', async () => {
    const store = memoryIdempotencyStore();
    let runs = 0;
    const call = () =>
      runIdempotent({
        store,
        scope: 's',
        key: 'k1',
        request: { a: 1 },
        run: async () => ({ n: ++runs }),
      });
    expect(await call()).toEqual({ value: { n: 1 }, replayed: false });
    expect(await call()).toEqual({ value: { n: 1 }, replayed: true });
    expect(runs).toBe(1);
  });

  it('refuses the same key with a different request (422)', async () => {
    const store = memoryIdempotencyStore();
    await runIdempotent({ store, scope: 's', key: 'k', request: { a: 1 }, run: async () => 1 });
    await expect(
      runIdempotent({ store, scope: 's', key: 'k', request: { a: 2 }, run: async () => 2 }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_MISMATCH',
      status: 422,
    });
  });

  it('refuses a concurrent request under the same key (409 with retry-after)', async () => {
    const store = memoryIdempotencyStore();
    let release!: () => void;
    const first = runIdempotent({
      store,
      scope: 's',
      key: 'k',
      request: {},
      run: () => new Promise<number>((resolve) => (release = () => resolve(1))),
    });
    await expect(
      runIdempotent({ store, scope: 's', key: 'k', request: {}, run: async () => 2 }),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_IN_FLIGHT',
      status: 409,
      retryAfterSeconds: expect.any(Number),
    });
    release();
    expect((await first).value).toBe(1);
  });

  it('releases the key when the command fails, so a retry runs', async () => {
    const store = memoryIdempotencyStore();
    await expect(
      runIdempotent({
        store,
        scope: 's',
        key: 'k',
        request: {},
        run: async () => Promise.reject(new Error('x')),
      }),
    ).rejects.toThrow('x');
    expect(
      (await runIdempotent({ store, scope: 's', key: 'k', request: {}, run: async () => 2 })).value,
    ).toBe(2);
  });

  it('lets a crashed claim be taken over after its lease, and forgets keys after their ttl', async () => {
    const store = memoryIdempotencyStore();
    const clock = manualClock();
    await store.begin({
      scope: 's',
      key: 'k',
      requestHash: 'h',
      now: clock.now(),
      ttlMs: 1000,
      leaseMs: 100,
    });
    clock.advance(101);
    expect(
      (
        await runIdempotent({
          store,
          clock,
          scope: 's',
          key: 'k',
          request: {},
          run: async () => 3,
          ttlMs: 1000,
        })
      ).value,
    ).toBe(3);
    clock.advance(1001);
    expect(await store.purgeExpired(clock.now())).toBe(1);
  });

  it('keeps scopes apart and validates keys', async () => {
    const store = memoryIdempotencyStore();
    await runIdempotent({ store, scope: 'a', key: 'k', request: 1, run: async () => 'a' });
    expect(
      (await runIdempotent({ store, scope: 'b', key: 'k', request: 2, run: async () => 'b' }))
        .value,
    ).toBe('b');
    await expect(
      runIdempotent({ store, scope: 'a', key: 'bad key', request: 1, run: async () => 1 }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('hashes equal requests equally regardless of key order', () => {
    expect(hashRequest({ a: 1, b: [1, 2] })).toBe(hashRequest({ b: [1, 2], a: 1 }));
    expect(hashRequest({ a: 1 })).not.toBe(hashRequest({ a: 2 }));
  });
});
