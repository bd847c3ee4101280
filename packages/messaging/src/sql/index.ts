export { messagingMigrations } from './migrations.js';
export { sqlRateLimiter } from './sql-rate-limiter.js';
export { type SqlMessagingStoreOptions, sqlMessagingStore } from './sql-store.js';
