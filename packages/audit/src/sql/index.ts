export { auditMigrations } from './migrations.js';
export { type SqlAuditStoreOptions, sqlAuditStore, sqlSubjectKeyStore } from './sql-store.js';
