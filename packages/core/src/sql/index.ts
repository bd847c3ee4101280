export type { QueryResult, SqlClient, SqlExecutor, TransactionOptions } from './sql-client.js';
export { createPgliteClient, wrapPglite, type PgliteClientOptions } from './pglite.js';
export { createPostgresClient, type PostgresClientOptions } from './postgres.js';
export { openDatabase } from './open-database.js';
export { migrate, type Migration, type MigrationSet } from './migrate.js';
