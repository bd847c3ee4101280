export { registrationMigrations } from './migrations.js';
export {
  buildQuery,
  createSqlRegistryStore,
  fieldExpression,
  recordTable,
  type SqlRegistryStoreOptions,
} from './registry-store.js';
