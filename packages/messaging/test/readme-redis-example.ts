import { memoryAuditSink } from '@govblocks/core';
import {
  createMessagingService,
  memoryChannel,
  memoryMessagingStore,
  rateLimitedChannel,
} from '@govblocks/messaging';
import { redisRateLimiter } from '@govblocks/messaging/redis';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const provider = memoryChannel({ kind: 'sms' }); // in production: httpSmsChannel({ … })
const sms = rateLimitedChannel(provider, {
  limiter: redisRateLimiter(redis), // one count for every worker process on this Redis
  key: 'sms-demo',
  limits: [
    { limit: 2, windowMs: 60_000 }, // the provider's quotas: 2 a minute (a demo), 50,000 a day
    { limit: 50_000, windowMs: 86_400_000 },
  ],
});
const messaging = createMessagingService({
  store: memoryMessagingStore(),
  channels: [sms],
  audit: memoryAuditSink(),
});
const context = { actor: { type: 'service' as const, id: 'clinic', roles: [] } };
for (const to of ['+15551234567', '+15557654321', '+15550001111'])
  await messaging.send(context, {
    idempotencyKey: `reminder-${to}-${Date.now()}`,
    channel: 'sms',
    to,
    content: { text: 'Your appointment is tomorrow.' },
  });
const result = await messaging.processDue();
console.log(result.delivered, 'sent,', result.throttled, 'held back'); // 2 sent, 1 held back
await redis.quit();

export { result };
