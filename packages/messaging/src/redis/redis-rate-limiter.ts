import { createHash } from 'node:crypto';
import { checkRateLimits, type RateLimiter, rateWindow } from '../rate-limit.js';

/**
 * What the Redis limiter needs of a client: `EVALSHA` and `EVAL`. An ioredis `Redis` or
 * `Cluster` fits as it is (tested with ioredis 6); another client needs a two-line adapter.
 */
export interface RedisScriptClient {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: Array<string | number>): Promise<unknown>;
}

export interface RedisRateLimiterOptions {
  /** Prefix of the window keys. Default `govblocks:messaging:rate:`. */
  prefix?: string;
}

/**
 * One round trip, atomic (Redis runs a script alone): if any window is full, return the
 * (1-based) positions of the full ones and count nothing; otherwise count one send in every
 * window, giving a new window key a time to live past its end.
 * KEYS: the window keys. ARGV: the limits, then the times to live (ms), in KEYS order.
 */
const takeScript = `
local n = #KEYS
local full = {}
for i = 1, n do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[i]) then full[#full + 1] = i end
end
if #full > 0 then return full end
for i = 1, n do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
end
return full
`;
const takeSha = createHash('sha1').update(takeScript).digest('hex');

/**
 * A {@link RateLimiter} kept in Redis, shared by every worker and process that uses the same
 * Redis: per-second, per-day (any) quotas counted in fixed windows aligned to the epoch (a day
 * quota resets at 00:00 UTC), exactly like the memory and sql limiters. Each `take` is one Lua
 * script, so it is atomic over all its quotas: concurrent workers never let more through than a
 * quota allows, and a refused take charges no window. Window keys expire by themselves a second
 * after their window ends. The keys of one `key` share a hash tag (`{key}`), so the limiter works
 * on Redis Cluster too.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const limiter = redisRateLimiter(new Redis(process.env.REDIS_URL));
 * const sms = rateLimitedChannel(httpSmsChannel({ url }), { limiter,
 *   limits: [{ limit: 10, windowMs: 1_000 }, { limit: 50_000, windowMs: 86_400_000 }] });
 */
export function redisRateLimiter(
  redis: RedisScriptClient,
  options: RedisRateLimiterOptions = {},
): RateLimiter {
  const prefix = options.prefix ?? 'govblocks:messaging:rate:';
  return {
    async take(key, limits, now) {
      checkRateLimits(limits);
      const windows = limits.map(({ limit, windowMs }) => {
        const { start, end } = rateWindow(now, windowMs);
        return {
          key: `${prefix}{${key}}:${windowMs}:${start}`,
          limit,
          end,
          ttl: end - now.getTime() + 1_000,
        };
      });
      const args = [
        ...windows.map((window) => window.key),
        ...windows.map((window) => window.limit),
        ...windows.map((window) => window.ttl),
      ];
      let result: unknown;
      try {
        result = await redis.evalsha(takeSha, windows.length, ...args);
      } catch (error) {
        // The server does not have the script cached yet (or it was flushed): send it whole.
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        result = await redis.eval(takeScript, windows.length, ...args);
      }
      const full = (result as number[]).map((position) => windows[position - 1]);
      if (full.length === 0) return { allowed: true };
      return {
        allowed: false,
        retryAfterMs: Math.max(...full.map((window) => (window?.end ?? 0) - now.getTime())),
      };
    },
  };
}
