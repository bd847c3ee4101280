import { randomBytes } from 'node:crypto';
import { createPgliteClient } from '../sql/pglite.js';
import { createPostgresClient } from '../sql/postgres.js';
import type { SqlClient } from '../sql/sql-client.js';

/** Which databases a test file should run against: PGlite always, PostgreSQL when `DATABASE_URL` is set. */
export type TestDatabaseKind = 'pglite' | 'postgres';

export function testDatabaseKinds(env: NodeJS.ProcessEnv = process.env): TestDatabaseKind[] {
  return env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A database for one test file: share it across the file's tests and reset between them. */
export interface TestDatabase {
  kind: TestDatabaseKind;
  client: SqlClient;
  /** The schema the tests work in (`public` on PGlite, a fresh `gb_test_…` on PostgreSQL). */
  schema: string;
  /** Drops and recreates the schema: every table (and the migrations record) is gone. */
  resetSchema(): Promise<void>;
  /** Closes the client; on PostgreSQL also drops the schema. */
  close(): Promise<void>;
}

/**
 * Opens a database for a test file. PGlite: a fresh in-memory instance (~1.7 s to start, so
 * share one per file). PostgreSQL: a fresh schema in `DATABASE_URL`, so test files running in
 * parallel never see each other's tables.
 *
 * @example
 * describe.each(testDatabaseKinds())('consent store on %s', (kind) => {
 *   let db: TestDatabase;
 *   beforeAll(async () => { db = await openTestDatabase(kind); });
 *   afterAll(() => db.close());
 * });
 */
export async function openTestDatabase(
  kind: TestDatabaseKind,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const client = await createPgliteClient();
    return {
      kind,
      client,
      schema: 'public',
      resetSchema: () => client.execute('drop schema public cascade; create schema public;'),
      close: () => client.close(),
    };
  }
  const url = env.DATABASE_URL;
  if (!url) throw new Error('openTestDatabase("postgres") needs DATABASE_URL');
  const schema = `gb_test_${randomBytes(6).toString('hex')}`;
  const admin = await createPostgresClient({ url, max: 1 });
  await admin.execute(`create schema ${schema}`);
  await admin.close();
  const client = await createPostgresClient({ url, schema, max: 10 });
  return {
    kind,
    client,
    schema,
    resetSchema: () => client.execute(`drop schema ${schema} cascade; create schema ${schema};`),
    async close() {
      await client.execute(`drop schema if exists ${schema} cascade`);
      await client.close();
    },
  };
}
