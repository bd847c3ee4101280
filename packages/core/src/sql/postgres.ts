import type { Options, Sql, TransactionSql } from 'postgres';
import {
  defineSqlClient,
  isolationClause,
  type QueryResult,
  type SqlClient,
  type SqlExecutor,
} from './sql-client.js';

export interface PostgresClientOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Pool size. Default 10. */
  max?: number;
  /** Schema to work in (sets `search_path`); the server default when absent. */
  schema?: string;
  /** Extra postgres.js options. */
  postgres?: Omit<Options<Record<string, never>>, 'types' | 'max'>;
}

function executor(sql: Sql | TransactionSql): SqlExecutor {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await sql.unsafe(text, params as never[], { prepare: true });
      return { rows: result as unknown as Row[], rowCount: result.count ?? result.length };
    },
    async execute(script: string) {
      await sql.unsafe(script);
    },
  };
}

/**
 * Connects to a PostgreSQL server with postgres.js (chosen over `pg` for throughput: see
 * `pnpm bench` in core). Use this in production; many app instances can share one database.
 */
export async function createPostgresClient(options: PostgresClientOptions): Promise<SqlClient> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(options.url, {
    onnotice: () => {},
    ...options.postgres,
    max: options.max ?? 10,
    ...(options.schema ? { connection: { search_path: options.schema } } : {}),
    types: {
      // int8 → number (the mapping both clients share); numeric stays a string.
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
      // JSON parameters arrive as JSON text (the contract both clients share); values from
      // other callers are stringified once.
      json: {
        to: 3802,
        from: [114, 3802],
        serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
        parse: (value: string) => JSON.parse(value),
      },
    },
  });
  return defineSqlClient({
    kind: 'postgres',
    label: 'PostgreSQL',
    base: executor(sql),
    async begin(fn, options) {
      const result = await sql.begin(async (tx) => {
        const clause = isolationClause(options);
        if (clause) await tx.unsafe(clause);
        return fn(executor(tx));
      });
      return result as Awaited<ReturnType<typeof fn>>;
    },
    end: () => sql.end({ timeout: 5 }),
  });
}
