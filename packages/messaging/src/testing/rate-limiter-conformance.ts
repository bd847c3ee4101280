import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../rate-limit.js';

/** How the rate limiter kit gets limiters. */
export interface RateLimiterHarness {
  /** A limiter with no counts (called before every test). */
  create(): Promise<RateLimiter>;
  /**
   * A second limiter sharing the backing store of the last `create()` — another worker process.
   * Without it the concurrency test runs both halves on the one limiter.
   */
  sibling?(): Promise<RateLimiter>;
  /** Called once after the suite (close connections). */
  close?(): Promise<void>;
}

const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);

/**
 * The {@link RateLimiter} conformance kit: fixed windows aligned to the epoch, `retryAfterMs` to
 * the end of the fullest refusing window, all-or-nothing over several quotas (per second and
 * per day), independent keys, no more than the quota under concurrent takes from two workers,
 * and a `ConfigurationError` for a malformed quota. The memory, sql and Redis limiters run it.
 *
 * @example
 * describeRateLimiter('memory', { create: async () => memoryRateLimiter() });
 */
export function describeRateLimiter(name: string, harness: RateLimiterHarness): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    let limiter: RateLimiter;
    beforeEach(async () => {
      limiter = await harness.create();
    });
    afterAll(async () => {
      await harness.close?.();
    });

    it('allows up to the limit per window and says when to come back', async () => {
      const limits = [{ limit: 3, windowMs: 1_000 }];
      const now = at(250);
      for (let index = 0; index < 3; index++)
        expect(await limiter.take('p', limits, now)).toEqual({ allowed: true });
      expect(await limiter.take('p', limits, now)).toEqual({ allowed: false, retryAfterMs: 750 });
      expect(await limiter.take('p', limits, at(999))).toEqual({
        allowed: false,
        retryAfterMs: 1,
      });
      // Another key has its own count; the next window starts afresh.
      expect(await limiter.take('other', limits, now)).toEqual({ allowed: true });
      expect(await limiter.take('p', limits, at(1_000))).toEqual({ allowed: true });
    });

    it('counts nothing when any quota is full (per-second and per-day together)', async () => {
      const limits = [
        { limit: 5, windowMs: 1_000 },
        { limit: 2, windowMs: 86_400_000 },
      ];
      expect((await limiter.take('p', limits, at(0))).allowed).toBe(true);
      expect((await limiter.take('p', limits, at(10))).allowed).toBe(true);
      // The day quota refuses, until 00:00 UTC.
      expect(await limiter.take('p', limits, at(20))).toEqual({
        allowed: false,
        retryAfterMs: 86_400_000 - 20,
      });
      expect(await limiter.take('p', limits, at(5_000))).toEqual({
        allowed: false,
        retryAfterMs: 86_400_000 - 5_000,
      });
      // The per-second window was not charged by the refused takes: 2 counted, 3 places left.
      const second = [{ limit: 5, windowMs: 1_000 }];
      for (let index = 0; index < 3; index++)
        expect((await limiter.take('p', second, at(30))).allowed).toBe(true);
      expect(await limiter.take('p', second, at(30))).toEqual({
        allowed: false,
        retryAfterMs: 970,
      });
      // A new day.
      expect((await limiter.take('p', limits, at(86_400_000))).allowed).toBe(true);
    });

    it('answers the longest wait when several quotas are full', async () => {
      const limits = [
        { limit: 1, windowMs: 1_000 },
        { limit: 1, windowMs: 60_000 },
      ];
      expect((await limiter.take('p', limits, at(100))).allowed).toBe(true);
      expect(await limiter.take('p', limits, at(200))).toEqual({
        allowed: false,
        retryAfterMs: 59_800,
      });
    });

    it('never lets more than the quota through under concurrent takes from two workers', async () => {
      const other = (await harness.sibling?.()) ?? limiter;
      const limits = [
        { limit: 10, windowMs: 1_000 },
        { limit: 25, windowMs: 86_400_000 },
      ];
      const decisions = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          (index % 2 ? limiter : other).take('provider', limits, at(400)),
        ),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
      expect(decisions.find((decision) => !decision.allowed)).toEqual({
        allowed: false,
        retryAfterMs: 600,
      });
      // The day window counted exactly the ten that went through.
      const next = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 ? limiter : other).take('provider', limits, at(1_400 + index)),
        ),
      );
      expect(next.filter((decision) => decision.allowed)).toHaveLength(10);
      const third = await Promise.all(
        Array.from({ length: 20 }, () => limiter.take('provider', limits, at(2_400))),
      );
      expect(third.filter((decision) => decision.allowed)).toHaveLength(5);
    });

    it('refuses a malformed quota with CONFIGURATION_ERROR', async () => {
      for (const limits of [
        [{ limit: 0, windowMs: 1_000 }],
        [{ limit: 1.5, windowMs: 1_000 }],
        [{ limit: 1, windowMs: 0 }],
      ]) {
        await expect(limiter.take('p', limits, at(0))).rejects.toMatchObject({
          code: 'CONFIGURATION_ERROR',
        });
      }
    });
  });
}
