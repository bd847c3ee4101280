import { type Clock, systemClock } from '@govblocks/core';
import type { NonceReplayCache } from './ports.js';

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
