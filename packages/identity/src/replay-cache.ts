import { type Clock, systemClock } from '@govblocks/core';

/**
 * Remembers one-time values (ID token nonces, KB-JWT nonces) until they expire, so that a value
 * accepted once is refused the second time. Share one cache between all instances of an
 * application (a memory cache protects one process only).
 */
export interface NonceReplayCache {
  /**
   * Records `value` until `expiresAtMs` (epoch ms).
   *
   * @returns `true` when the value was not seen before (and is now remembered), `false` when it
   *   is a replay. Not idempotent by design. No audit.
   */
  remember(value: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * An in-process {@link NonceReplayCache}, bounded in size (oldest entries are evicted first).
 *
 * @example
 * const replayCache = memoryReplayCache({ maxEntries: 100_000 });
 */
export function memoryReplayCache(
  options: { clock?: Clock; maxEntries?: number } = {},
): NonceReplayCache {
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 100_000;
  const seen = new Map<string, number>();
  return {
    async remember(value, expiresAtMs) {
      const now = clock.now().getTime();
      const existing = seen.get(value);
      if (existing !== undefined && existing > now) return false;
      if (seen.size >= maxEntries) {
        for (const [key, expiry] of seen) {
          if (expiry <= now || seen.size >= maxEntries) seen.delete(key);
          if (seen.size < maxEntries && expiry > now) break;
        }
      }
      seen.set(value, expiresAtMs);
      return true;
    },
  };
}
