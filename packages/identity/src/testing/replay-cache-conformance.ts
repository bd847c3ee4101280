import { type ManualClock, manualClock } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import type { NonceReplayCache } from '../ports.js';

/**
 * The behaviour every {@link NonceReplayCache} must have: a value is accepted once until it
 * expires, values are independent, and concurrent callers racing on one value get exactly one
 * acceptance. `create` receives a manual clock the cache must read time from (or, for a store
 * with its own clock, ignore — then expiry is tested with real, short lifetimes).
 *
 * @example
 * describeNonceReplayCacheConformance('memory', (clock) => memoryReplayCache({ clock }));
 */
export function describeNonceReplayCacheConformance(
  name: string,
  create: (clock: ManualClock) => Promise<NonceReplayCache> | NonceReplayCache,
): void {
  describe(`NonceReplayCache conformance: ${name}`, () => {
    const start = new Date('2026-01-01T00:00:00Z');

    it('accepts a value once and refuses its replay', async () => {
      const clock = manualClock(start);
      const cache = await create(clock);
      expect(await cache.remember('nonce-a', start.getTime() + 60_000)).toBe(true);
      expect(await cache.remember('nonce-a', start.getTime() + 60_000)).toBe(false);
    });

    it('keeps values independent', async () => {
      const clock = manualClock(start);
      const cache = await create(clock);
      expect(await cache.remember('nonce-a', start.getTime() + 60_000)).toBe(true);
      expect(await cache.remember('nonce-b', start.getTime() + 60_000)).toBe(true);
      expect(await cache.remember('NONCE-A', start.getTime() + 60_000)).toBe(true);
    });

    it('forgets a value after it expires', async () => {
      const clock = manualClock(start);
      const cache = await create(clock);
      expect(await cache.remember('nonce-a', start.getTime() + 1_000)).toBe(true);
      clock.advance(1_001);
      expect(await cache.remember('nonce-a', clock.now().getTime() + 1_000)).toBe(true);
    });

    it('lets exactly one of several concurrent callers win', async () => {
      const clock = manualClock(start);
      const cache = await create(clock);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => cache.remember('race', start.getTime() + 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
