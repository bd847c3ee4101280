export {
  idempotencyMigrations,
  type SqlIdempotencyStoreOptions,
  sqlIdempotencyStore,
} from './idempotency-store.js';
export { type Migration, type MigrationSet, migrate } from './migrate.js';
export { openDatabase } from './open-database.js';
export { createPgliteClient, type PgliteClientOptions, wrapPglite } from './pglite.js';
export { createPostgresClient, type PostgresClientOptions } from './postgres.js';
export type { QueryResult, SqlClient, SqlExecutor, TransactionOptions } from './sql-client.js';
