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
