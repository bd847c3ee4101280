export { messagingMigrations } from './migrations.js';
export { type SqlMessagingStoreOptions, sqlMessagingStore } from './sql-store.js';
