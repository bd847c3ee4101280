export { registrationMigrations } from './migrations.js';
export { createSqlDocumentStore, createSqlRegistrationStore } from './registration-store.js';
export {
  buildQuery,
  createSqlRegistryStore,
  fieldExpression,
  recordTable,
  type SqlRegistryStoreOptions,
} from './registry-store.js';
