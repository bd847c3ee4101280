import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRateLimiter } from '../testing/rate-limiter-conformance.js';
import { redisRateLimiter } from './redis-rate-limiter.js';

const url = process.env.REDIS_URL;

describe.skipIf(!url)('redisRateLimiter (REDIS_URL)', () => {
  // Two connections stand for two worker processes; each test gets its own key prefix.
  const clients: Redis[] = [];
  const connect = () => {
    const client = new Redis(url as string, { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  const first = connect();
  const second = connect();
  let prefix = '';
  afterAll(async () => {
    const keys = await first.keys('govblocks-test:*');
    if (keys.length > 0) await first.del(...keys);
    await Promise.all(clients.map((client) => client.quit()));
  });

  describeRateLimiter('redis', {
    async create() {
      prefix = `govblocks-test:${randomUUID()}:`;
      return redisRateLimiter(first, { prefix });
    },
    async sibling() {
      return redisRateLimiter(second, { prefix });
    },
  });

  it('sends its script whole when the server has not cached it, and window keys expire', async () => {
    let evalshas = 0;
    let evals = 0;
    // A server that lost its script cache (restart, SCRIPT FLUSH) answers NOSCRIPT once.
    const forgetful = {
      evalsha: (...args: Parameters<Redis['evalsha']>) => {
        evalshas += 1;
        if (evalshas === 1)
          return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
        return first.evalsha(...args);
      },
      eval: (...args: Parameters<Redis['eval']>) => {
        evals += 1;
        return first.eval(...args);
      },
    };
    const limiter = redisRateLimiter(forgetful, { prefix: `govblocks-test:${randomUUID()}:` });
    const now = new Date();
    expect(await limiter.take('k', [{ limit: 1, windowMs: 1_000 }], now)).toEqual({
      allowed: true,
    });
    expect((await limiter.take('k', [{ limit: 1, windowMs: 1_000 }], now)).allowed).toBe(false);
    expect({ evalshas, evals }).toEqual({ evalshas: 2, evals: 1 });
    const keys = await first.keys('govblocks-test:*{k}:1000:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await first.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2_000);
    }
  });
});
