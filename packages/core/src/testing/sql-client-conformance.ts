import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../sql/migrate.js';
import type { SqlClient } from '../sql/sql-client.js';

/** What the SqlClient conformance suite needs: a client, and a way to empty its schema. */
export interface SqlClientUnderTest {
  client: SqlClient;
  /** Drops every table (and the migrations record) so each test starts empty. */
  resetSchema(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The behaviour every `SqlClient` must have: the shared value mapping, transactions that commit
 * or roll back whole, affected-row counts, and the migration runner's guarantees (once, in
 * order, locked against concurrent runners, refusing edited migrations, atomic per migration).
 * Run it for a new client in your own vitest file:
 *
 * @example
 * describeSqlClientConformance('my pg client', async () => {
 *   const client = await createMyClient(url);
 *   return { client, resetSchema: () => client.execute('drop schema public cascade; create schema public'), close: () => client.close() };
 * });
 */
export function describeSqlClientConformance(
  name: string,
  open: () => Promise<SqlClientUnderTest>,
): void {
  describe(`SqlClient conformance: ${name}`, () => {
    let db: SqlClientUnderTest;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(() => db?.close());
    beforeEach(() => db.resetSchema());

    it('maps values the same way on every client', async () => {
      const { rows } = await db.client.query<Record<string, unknown>>(
        `select 1::int4 as i4, 9007199254740991::int8 as i8, 12.50::numeric as n, true as b,
              'x'::text as t, '2025-01-02T03:04:05Z'::timestamptz as ts, '{"a":[1]}'::jsonb as j,
              '\\x0102'::bytea as bin, null::text as nothing, $1::jsonb as param`,
        [JSON.stringify({ k: 'v' })],
      );
      const row = rows[0]!;
      expect(row.i4).toBe(1);
      expect(row.i8).toBe(Number.MAX_SAFE_INTEGER);
      expect(row.n).toBe('12.50');
      expect(row.b).toBe(true);
      expect(row.t).toBe('x');
      expect(row.ts).toEqual(new Date('2025-01-02T03:04:05Z'));
      expect(row.j).toEqual({ a: [1] });
      expect([...(row.bin as Uint8Array)]).toEqual([1, 2]);
      expect(row.nothing).toBeNull();
      expect(row.param).toEqual({ k: 'v' });
    });

    it('commits a transaction and rolls back a failing one', async () => {
      await db.client.execute('create table t (id int primary key)');
      await db.client.transaction(async (tx) => {
        await tx.query('insert into t values ($1)', [1]);
      });
      await expect(
        db.client.transaction(async (tx) => {
          await tx.query('insert into t values ($1)', [2]);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows, rowCount } = await db.client.query('select id from t order by id');
      expect(rows).toEqual([{ id: 1 }]);
      expect(rowCount).toBe(1);
    });

    it('reports affected rows of writes', async () => {
      await db.client.execute('create table t (id int primary key)');
      const inserted = await db.client.query('insert into t select generate_series(1, 3)');
      expect(inserted.rowCount).toBe(3);
    });

    it('applies migrations once, in order, and refuses an edited one', async () => {
      const set = {
        namespace: 'demo',
        migrations: [
          { id: '0001_a', sql: 'create table a (id int);' },
          { id: '0002_b', sql: 'create table b (id int); insert into b values (1);' },
        ],
      };
      expect(await migrate(db.client, set)).toEqual(['0001_a', '0002_b']);
      expect(await migrate(db.client, set)).toEqual([]);
      const { rows } = await db.client.query('select count(*)::int as n from b');
      expect(rows[0]).toEqual({ n: 1 });
      await expect(
        migrate(db.client, {
          namespace: 'demo',
          migrations: [{ id: '0001_a', sql: 'create table a (x int);' }],
        }),
      ).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR' });
    });

    it('rolls back a failing migration entirely', async () => {
      const set = {
        namespace: 'bad',
        migrations: [{ id: '0001', sql: 'create table c (id int); select nope;' }],
      };
      await expect(migrate(db.client, set)).rejects.toThrow();
      const { rows } = await db.client.query("select to_regclass('c') as c");
      expect(rows[0]).toEqual({ c: null });
    });

    it('runs concurrent migrators exactly once', async () => {
      const set = {
        namespace: 'race',
        migrations: [{ id: '0001', sql: 'create table r (id int);' }],
      };
      const results = await Promise.all([
        migrate(db.client, set),
        migrate(db.client, set),
        migrate(db.client, set),
      ]);
      expect(results.flat()).toEqual(['0001']);
    });
  });
}
