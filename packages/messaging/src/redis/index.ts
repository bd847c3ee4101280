export {
  type RedisRateLimiterOptions,
  type RedisScriptClient,
  redisRateLimiter,
} from './redis-rate-limiter.js';
