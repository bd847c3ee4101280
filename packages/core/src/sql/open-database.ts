import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../errors.js';
import { createPgliteClient } from './pglite.js';
import { createPostgresClient } from './postgres.js';
import type { SqlClient } from './sql-client.js';

/**
 * Opens a database from a URL:
 * - nothing, `''` or `memory://` → embedded PGlite in memory;
 * - `file:///abs/dir` or `file://./rel/dir` → embedded PGlite stored in that folder;
 * - `postgres://…` or `postgresql://…` → a PostgreSQL server.
 *
 * The embedded store is for development and pilots (PGlite does not fsync); use PostgreSQL in
 * production.
 *
 * @example
 * const db = await openDatabase(process.env.DATABASE_URL);
 */
export async function openDatabase(
  url?: string,
  options: { max?: number; schema?: string } = {},
): Promise<SqlClient> {
  if (url === undefined || url === '' || url === 'memory://') return createPgliteClient();
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return createPostgresClient({ url, max: options.max, schema: options.schema });
  }
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    const dataDir = rest.startsWith('/') ? fileURLToPath(url) : rest;
    if (!dataDir) throw new ConfigurationError(`[core/sql] no folder in database URL '${url}'`);
    return createPgliteClient({ dataDir });
  }
  throw new ConfigurationError(
    `[core/sql] unsupported database URL scheme in '${url.replace(/\/\/[^@/]*@/, '//***@')}': use memory://, file://<dir> or postgres://`,
  );
}
