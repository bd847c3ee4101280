import { type Clock, ConfigurationError, systemClock } from '@govblocks/core';
import { ChannelError } from './errors.js';
import type { Channel } from './ports.js';

/** A quota: at most `limit` sends per `windowMs` (e.g. 10 per second, 50,000 per day). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** The answer of a {@link RateLimiter}. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Counts sends against quotas, shared by every worker that uses the same backing store (the
 * sql limiter in `@govblocks/messaging/sql` shares them across processes through PostgreSQL, the
 * Redis limiter in `@govblocks/messaging/redis` through Redis).
 * `take` is atomic over all `limits`: it either counts one send in every window, or none.
 * Fixed windows aligned to the epoch: a day quota resets at 00:00 UTC.
 */
export interface RateLimiter {
  take(key: string, limits: readonly RateLimit[], now: Date): Promise<RateDecision>;
}

/** Throws `CONFIGURATION_ERROR` unless every quota has a positive integer limit and window. */
export function checkRateLimits(limits: readonly RateLimit[]): void {
  for (const { limit, windowMs } of limits) {
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(windowMs) || windowMs < 1) {
      throw new ConfigurationError(
        '[messaging] a rate limit needs a positive integer limit and windowMs',
      );
    }
  }
}

/** Where a window starts and ends (fixed windows aligned to the epoch). */
export function rateWindow(now: Date, windowMs: number): { start: number; end: number } {
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { start, end: start + windowMs };
}

/** An in-process {@link RateLimiter} (one process; tests). */
export function memoryRateLimiter(): RateLimiter {
  const counts = new Map<string, number>();
  return {
    async take(key, limits, now) {
      checkRateLimits(limits);
      const windows = limits.map((limit) => {
        const { start, end } = rateWindow(now, limit.windowMs);
        const id = `${key}\u0000${limit.windowMs}\u0000${start}`;
        return { id, end, limit: limit.limit, count: counts.get(id) ?? 0 };
      });
      const full = windows.filter((window) => window.count >= window.limit);
      if (full.length > 0)
        return {
          allowed: false,
          retryAfterMs: Math.max(...full.map((window) => window.end - now.getTime())),
        };
      for (const window of windows) counts.set(window.id, window.count + 1);
      // Forget windows that ended (bounded memory).
      if (counts.size > 10_000)
        for (const [id] of counts)
          if (Number(id.split('\u0000')[2]) < now.getTime() - 86_400_000) counts.delete(id);
      return { allowed: true };
    },
  };
}

export interface RateLimitedChannelOptions {
  limiter: RateLimiter;
  /** The provider's quotas, e.g. `[{ limit: 10, windowMs: 1_000 }, { limit: 50_000, windowMs: 86_400_000 }]`. */
  limits: readonly RateLimit[];
  /** The key the quotas are counted under. Default: the channel's name. */
  key?: string;
  clock?: Clock;
}

/**
 * Wraps a channel so it never exceeds its provider's quotas: over a quota, `send` throws a
 * retryable `ChannelError` with `extensions.throttled` and `retryAfterMs` *before* calling the
 * provider. The engine requeues such a message for when the window ends without spending an
 * attempt, and `failoverChannel` moves on to the next provider without counting a failure.
 *
 * @example
 * const sms = rateLimitedChannel(httpSmsChannel({ url }), { limiter: await sqlRateLimiter(db),
 *   limits: [{ limit: 10, windowMs: 1_000 }, { limit: 50_000, windowMs: 86_400_000 }] });
 */
export function rateLimitedChannel(channel: Channel, options: RateLimitedChannelOptions): Channel {
  checkRateLimits(options.limits);
  const clock = options.clock ?? systemClock;
  const key = options.key ?? channel.name;
  return {
    specificationVersion: channel.specificationVersion,
    name: channel.name,
    kind: channel.kind,
    async send(message, sendOptions) {
      const decision = await options.limiter.take(key, options.limits, clock.now());
      if (!decision.allowed) {
        throw new ChannelError(channel.name, 'rate limit reached; held back', {
          retryable: true,
          extensions: { throttled: true, retryAfterMs: decision.retryAfterMs },
        });
      }
      return channel.send(message, sendOptions);
    },
    ...(channel.close ? { close: () => channel.close?.() ?? Promise.resolve() } : {}),
  };
}
