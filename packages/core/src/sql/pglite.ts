import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import {
  defineSqlClient,
  isolationClause,
  type QueryResult,
  type SqlClient,
  type SqlExecutor,
} from './sql-client.js';

/** int8 as number, numeric as string: the mapping both clients share. */
const parsers = { 20: (value: string) => Number(value), 1700: (value: string) => value };

export interface PgliteClientOptions {
  /** A folder for the data, or `undefined` for memory only. */
  dataDir?: string;
  /** Extra PGlite options (extensions, debug level). */
  pglite?: Omit<PGliteOptions, 'dataDir' | 'parsers'>;
}

function executor(db: Pick<PGlite, 'query' | 'exec'>): SqlExecutor {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await db.query<Row>(text, params as unknown[], { parsers });
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
    async execute(script: string) {
      await db.exec(script);
    },
  };
}

/**
 * Opens an embedded PostgreSQL (PGlite) — in memory, or in `dataDir`. PGlite does not fsync:
 * it is for development, tests and pilots; production runs PostgreSQL.
 */
export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ ...options.pglite, dataDir: options.dataDir, parsers });
  return wrapPglite(db);
}

/** Wraps an already-open PGlite instance (e.g. one shared by several components). */
export function wrapPglite(db: PGlite): SqlClient {
  return defineSqlClient({
    kind: 'pglite',
    label: 'PGlite',
    base: executor(db),
    begin: (fn, options) =>
      db.transaction(async (tx) => {
        const clause = isolationClause(options);
        if (clause) await tx.exec(clause);
        return fn(executor(tx));
      }),
    end: () => db.close(),
  });
}
