import { UnavailableError } from '../errors.js';

/**
 * The SQL port. govblocks speaks one SQL dialect, PostgreSQL's, through this tiny interface;
 * two clients satisfy it: PGlite (Postgres compiled to WebAssembly, in process — the embedded
 * default) and a PostgreSQL server (postgres.js). Block stores take a `SqlClient` and never
 * know which one they have.
 *
 * Value mapping, the same for both clients (the conformance suite in `@govblocks/core/testing`
 * checks it): `int2/int4/int8` → number (int8 beyond 2^53 is not used by govblocks),
 * `numeric` → string, `bool` → boolean, `timestamptz` → Date, `json/jsonb` → parsed value,
 * `bytea` → Uint8Array, `text/uuid` → string, SQL NULL → null.
 *
 * Parameters use `$1, $2…`. Pass JSON as a string and cast it (`$1::jsonb`); pass Uint8Array for
 * bytea and Date or ISO strings for timestamps.
 */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows returned or affected. */
  rowCount: number;
}

/** Runs statements. Both a client and a transaction handle are executors. */
export interface SqlExecutor {
  /** One statement with parameters. */
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
  /** A script of several statements, without parameters (migrations). */
  execute(script: string): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  /** Which client this is; stores may pick a faster statement where the engines differ. */
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction on one connection: committed when `fn` resolves, rolled back
   * when it throws (the error is re-thrown unchanged). Do not use the outer client inside `fn`.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Closes the connection(s). Further calls fail. */
  close(): Promise<void>;
}

export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

/** `BEGIN` clause for the isolation option. */
export function isolationClause(options?: TransactionOptions): string {
  return options?.isolation ? `set transaction isolation level ${options.isolation}` : '';
}

/** What a driver supplies to {@link defineSqlClient}. */
export interface SqlDriverParts {
  kind: SqlClient['kind'];
  /** Names the driver in the error raised after `close()`. */
  label: string;
  /** Runs statements outside a transaction. */
  base: SqlExecutor;
  /** Runs `fn` in one transaction, handing it an executor bound to that transaction. */
  begin<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Releases the driver's connection(s). */
  end(): Promise<void>;
}

/**
 * Builds a {@link SqlClient} from a driver's parts: every call after `close()` is refused with
 * `UNAVAILABLE`, and `close()` is idempotent. Both first-party clients are built this way.
 */
export function defineSqlClient(parts: SqlDriverParts): SqlClient {
  let closed = false;
  const guard = () => {
    if (closed) throw new UnavailableError(`[core/sql] the ${parts.label} client is closed`);
  };
  return {
    kind: parts.kind,
    query(text, params) {
      guard();
      return parts.base.query(text, params);
    },
    execute(script) {
      guard();
      return parts.base.execute(script);
    },
    transaction(fn, options) {
      guard();
      return parts.begin(fn, options);
    },
    async close() {
      if (closed) return;
      closed = true;
      await parts.end();
    },
  };
}
