import { AsyncLocalStorage } from 'node:async_hooks';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { ConfigurationError } from '../errors.js';
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

/**
 * Wraps an already-open PGlite instance (e.g. one shared by several components).
 *
 * PGlite has a single connection: while a transaction is open, a query on the client itself
 * (not on the transaction's executor) waits for that transaction to end — from inside it, that
 * is forever. Typically an engine writes to a second component (an audit log, an outbox) that
 * shares the same PGlite from inside its own transaction. Such a call is refused at once with a
 * `ConfigurationError` instead of hanging; give that component its own database or pass it
 * the transaction's executor.
 */
export function wrapPglite(db: PGlite): SqlClient {
  const open = new AsyncLocalStorage<{ active: boolean }>();
  const refuseInsideTransaction = () => {
    if (open.getStore()?.active)
      throw new ConfigurationError(
        '[core/sql] this call would deadlock: it uses the PGlite client while a transaction on ' +
          'the same PGlite is open in this call chain, and PGlite has one connection. Use the ' +
          "transaction's executor, or give this component its own database.",
      );
  };
  const base = executor(db);
  return defineSqlClient({
    kind: 'pglite',
    label: 'PGlite',
    base: {
      query(text, params) {
        refuseInsideTransaction();
        return base.query(text, params);
      },
      execute(script) {
        refuseInsideTransaction();
        return base.execute(script);
      },
    },
    begin: (fn, options) => {
      refuseInsideTransaction();
      const marker = { active: true };
      return open.run(marker, () =>
        db
          .transaction(async (tx) => {
            const clause = isolationClause(options);
            if (clause) await tx.exec(clause);
            return fn(executor(tx));
          })
          // Work this transaction started may outlive it (a timer, a relay); after the end the
          // client is free again.
          .finally(() => {
            marker.active = false;
          }),
      );
    },
    end: () => db.close(),
  });
}
