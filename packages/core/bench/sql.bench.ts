/**
 * `pnpm bench core/bench/sql` — the figures behind core's choice of PostgreSQL client, and the
 * cost of core's SqlClient wrappers.
 *
 * - postgres.js vs `pg` on the local PostgreSQL (`DATABASE_URL`; skipped with a note when unset):
 *   a parameterised SELECT one at a time, the same with 16 in parallel over a 10-connection
 *   pool, and a batched INSERT of 500 rows (one statement with 1,000 parameters, and one with two
 *   arrays through `unnest`). Ratio > 1 means
 *   postgres.js is faster. Both use prepared statements.
 * - core's SqlClient over postgres.js vs bare postgres.js (the wrapper's overhead).
 * - core's SqlClient over PGlite vs bare PGlite (the wrapper's per-query overhead).
 *
 * Scale: BENCH_TIME_MS (measuring time per task, default 1,000).
 */
import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Sql } from 'postgres';
import {
  type BenchFile,
  type Comparison,
  defineBench,
  type Report,
} from '../../../tools/bench/harness.js';
import { wrapPglite } from '../src/sql/pglite.js';
import { createPostgresClient } from '../src/sql/postgres.js';
import type { SqlClient } from '../src/sql/sql-client.js';

const time = Number(process.env.BENCH_TIME_MS ?? 1_000);
const url = process.env.DATABASE_URL;
const batchRows = 500;
const selectText = 'select $1::int4 + 1 as n, $2::text as label';

function batchStatement(table: string): { text: string; params: unknown[] } {
  const values: string[] = [];
  const params: unknown[] = [];
  for (let index = 0; index < batchRows; index++) {
    values.push(`($${index * 2 + 1}::int4, $${index * 2 + 2}::text)`);
    params.push(index, `row-${index}`);
  }
  return { text: `insert into ${table} (id, label) values ${values.join(', ')}`, params };
}

interface Servers {
  pool: pg.Pool;
  sql: Sql;
  client: SqlClient;
  schema: string;
}

async function openServers(): Promise<Servers> {
  const { default: postgres } = await import('postgres');
  const { default: pgModule } = await import('pg');
  const schema = `gb_bench_${randomBytes(5).toString('hex')}`;
  const sql = postgres(url!, { max: 10, onnotice: () => {} });
  await sql.unsafe(`create schema ${schema}; create table ${schema}.rows (id int4, label text)`);
  const pool = new pgModule.Pool({ connectionString: url, max: 10 });
  const client = await createPostgresClient({ url: url!, max: 10 });
  return { pool, sql, client, schema };
}

async function closeServers(servers: Servers | undefined) {
  if (!servers) return;
  await servers.sql.unsafe(`drop schema if exists ${servers.schema} cascade`);
  await Promise.all([servers.pool.end(), servers.sql.end({ timeout: 5 }), servers.client.close()]);
}

function serverComparisons(): Array<Comparison | Report> {
  if (!url) {
    return [
      {
        name: 'postgres.js vs pg',
        run: async () => [
          {
            label: 'skipped',
            value: 'DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)',
          },
        ],
      },
    ];
  }
  let servers: Servers | undefined;
  let counter = 0;
  const setup = async () => {
    servers = await openServers();
  };
  const teardown = async () => {
    await closeServers(servers);
    servers = undefined;
  };
  const pgSelect = () =>
    servers!.pool.query({ name: 'bench_select', text: selectText, values: [++counter, 'x'] });
  const postgresSelect = () => servers!.sql.unsafe(selectText, [++counter, 'x'], { prepare: true });
  const parallel = (fn: () => Promise<unknown>) => () =>
    Promise.all(Array.from({ length: 16 }, fn));
  const unnestText = () =>
    `insert into ${servers!.schema}.rows (id, label) select * from unnest($1::int4[], $2::text[])`;
  const unnestParams = [
    Array.from({ length: batchRows }, (_, index) => index),
    Array.from({ length: batchRows }, (_, index) => `row-${index}`),
  ];
  let insertText = '';
  let insertParams: unknown[] = [];
  return [
    {
      name: 'PostgreSQL: parameterised SELECT, sequential (postgres.js ÷ pg)',
      baseline: { name: 'pg', fn: pgSelect },
      subject: { name: 'postgres.js', fn: postgresSelect },
      setup,
      teardown,
      time,
    },
    {
      name: 'PostgreSQL: parameterised SELECT, 16 in parallel on 10 connections (postgres.js ÷ pg)',
      baseline: { name: 'pg', fn: parallel(pgSelect), operations: 16 },
      subject: { name: 'postgres.js', fn: parallel(postgresSelect), operations: 16 },
      setup,
      teardown,
      time,
    },
    {
      name: `PostgreSQL: batched INSERT of ${batchRows} rows in one statement (postgres.js ÷ pg), rows/s`,
      baseline: {
        name: 'pg',
        fn: () =>
          servers!.pool.query({ name: 'bench_insert', text: insertText, values: insertParams }),
        operations: batchRows,
      },
      subject: {
        name: 'postgres.js',
        fn: () => servers!.sql.unsafe(insertText, insertParams as never[], { prepare: true }),
        operations: batchRows,
      },
      setup: async () => {
        await setup();
        ({ text: insertText, params: insertParams } = batchStatement(`${servers!.schema}.rows`));
      },
      teardown,
      time,
    },
    {
      name: `PostgreSQL: batched INSERT of ${batchRows} rows as two arrays through unnest (postgres.js ÷ pg), rows/s`,
      baseline: {
        name: 'pg',
        fn: () =>
          servers!.pool.query({ name: 'bench_unnest', text: unnestText(), values: unnestParams }),
        operations: batchRows,
      },
      subject: {
        name: 'postgres.js',
        fn: () => servers!.sql.unsafe(unnestText(), unnestParams as never[], { prepare: true }),
        operations: batchRows,
      },
      setup,
      teardown,
      time,
    },
    {
      name: 'PostgreSQL: core SqlClient wrapper overhead on a SELECT (SqlClient ÷ bare postgres.js)',
      baseline: { name: 'bare postgres.js', fn: postgresSelect },
      subject: {
        name: 'createPostgresClient',
        fn: () => servers!.client.query(selectText, [++counter, 'x']),
      },
      setup,
      teardown,
      time,
    },
  ];
}

function pgliteComparisons(): Comparison[] {
  let db: PGlite | undefined;
  let client: SqlClient | undefined;
  let counter = 0;
  // The same parsers the wrapper installs, so both sides do the same value mapping.
  const parsers = { 20: (value: string) => Number(value), 1700: (value: string) => value };
  return [
    {
      name: 'PGlite: core SqlClient wrapper overhead on a SELECT (SqlClient ÷ bare PGlite)',
      baseline: {
        name: 'bare PGlite',
        fn: () => db!.query(selectText, [++counter, 'x'], { parsers }),
      },
      subject: { name: 'wrapPglite', fn: () => client!.query(selectText, [++counter, 'x']) },
      setup: async () => {
        const { PGlite } = await import('@electric-sql/pglite');
        db = await PGlite.create({ parsers });
        client = wrapPglite(db);
      },
      teardown: async () => {
        await db?.close();
      },
      time,
    },
  ];
}

/** Ops/s of `fn` over `ms` milliseconds, awaiting each call. */
async function throughput(
  fn: () => Promise<unknown>,
  ms: number,
  operations: number,
): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < ms) {
    await fn();
    done += operations;
  }
  return (done * 1000) / (performance.now() - started);
}

/**
 * The load on a shared 2-core machine swings by 2× within seconds, so one long run per client
 * can favour either. This report alternates short rounds (order flipped each round) and gives
 * the median ratio and its range: the figure to pick a client by.
 */
function interleavedReport(): Report[] {
  if (!url) return [];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 8);
  const roundMs = Math.max(100, Math.round(time / 4));
  return [
    {
      name: `PostgreSQL client pick: postgres.js ÷ pg, median of ${rounds} interleaved rounds of ${roundMs} ms`,
      run: async () => {
        const servers = await openServers();
        try {
          let counter = 0;
          const { text, params } = batchStatement(`${servers.schema}.rows`);
          const workloads = [
            {
              label: 'SELECT sequential',
              operations: 1,
              pg: () =>
                servers.pool.query({
                  name: 'r_select',
                  text: selectText,
                  values: [++counter, 'x'],
                }),
              postgres: () => servers.sql.unsafe(selectText, [++counter, 'x'], { prepare: true }),
            },
            {
              label: 'SELECT 16 parallel',
              operations: 16,
              pg: () =>
                Promise.all(
                  Array.from({ length: 16 }, () =>
                    servers.pool.query({
                      name: 'r_select',
                      text: selectText,
                      values: [++counter, 'x'],
                    }),
                  ),
                ),
              postgres: () =>
                Promise.all(
                  Array.from({ length: 16 }, () =>
                    servers.sql.unsafe(selectText, [++counter, 'x'], { prepare: true }),
                  ),
                ),
            },
            {
              label: `INSERT ${batchRows} rows per statement (rows/s)`,
              operations: batchRows,
              pg: () => servers.pool.query({ name: 'r_insert', text, values: params }),
              postgres: () => servers.sql.unsafe(text, params as never[], { prepare: true }),
            },
          ];
          const lines: Array<{ label: string; value: string }> = [];
          for (const workload of workloads) {
            const ratios: number[] = [];
            for (let round = 0; round < rounds; round++) {
              const first = round % 2 === 0 ? workload.pg : workload.postgres;
              const second = round % 2 === 0 ? workload.postgres : workload.pg;
              const a = await throughput(first, roundMs, workload.operations);
              const b = await throughput(second, roundMs, workload.operations);
              ratios.push(round % 2 === 0 ? b / a : a / b);
            }
            ratios.sort((x, y) => x - y);
            const median =
              (ratios[Math.floor((rounds - 1) / 2)]! + ratios[Math.ceil((rounds - 1) / 2)]!) / 2;
            lines.push({
              label: workload.label,
              value: `ratio ${median.toFixed(2)} (range ${ratios[0]!.toFixed(2)}–${ratios[rounds - 1]!.toFixed(2)})`,
            });
          }
          return lines;
        } finally {
          await closeServers(servers);
        }
      },
    },
  ];
}

const file: BenchFile = defineBench(
  ...serverComparisons(),
  ...interleavedReport(),
  ...pgliteComparisons(),
);
export default file;
