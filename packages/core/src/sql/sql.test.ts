import { describe, expect, it } from 'vitest';
import { describeSqlClientConformance } from '../testing/sql-client-conformance.js';
import { openTestDatabase, testDatabaseKinds } from '../testing/test-database.js';
import { openDatabase } from './open-database.js';
import { createPgliteClient } from './pglite.js';

for (const kind of testDatabaseKinds()) {
  describeSqlClientConformance(kind, () => openTestDatabase(kind));
}

// A file-backed PGlite keeps its data across a reopen.
describeSqlClientConformance('pglite (file-backed)', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dataDir = await mkdtemp(join(tmpdir(), 'govblocks-pglite-'));
  const client = await createPgliteClient({ dataDir });
  return {
    client,
    resetSchema: () => client.execute('drop schema public cascade; create schema public;'),
    async close() {
      await client.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describe('file-backed PGlite', () => {
  it('keeps its data across a reopen', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'govblocks-pglite-'));
    try {
      const first = await openDatabase(`file://${dataDir}`);
      await first.execute('create table kept (note text)');
      await first.query('insert into kept values ($1)', ['still here']);
      await first.close();
      const second = await openDatabase(`file://${dataDir}`);
      expect((await second.query('select note from kept')).rows).toEqual([{ note: 'still here' }]);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown URL scheme without echoing credentials', async () => {
    await expect(openDatabase('mysql://user:secret@host/db')).rejects.toSatisfy(
      (error: Error) =>
        !error.message.includes('secret') && /unsupported database URL/.test(error.message),
    );
  });
});

describe('a closed client', () => {
  it('refuses every call with UNAVAILABLE, and closes only once', async () => {
    const client = await openDatabase('memory://');
    await client.close();
    await client.close();
    expect(() => client.query('select 1')).toThrow(
      expect.objectContaining({ code: 'UNAVAILABLE' }),
    );
    expect(() => client.transaction(async () => 1)).toThrow(/PGlite client is closed/);
  });
});

describe('PGlite single connection', () => {
  it('refuses a call on the client from inside its own open transaction instead of hanging', async () => {
    const client = await openDatabase('memory://');
    try {
      await client.execute('create table t (n int)');
      let later: Promise<unknown> | undefined;
      await expect(
        client.transaction(async (tx) => {
          await tx.query('insert into t values (1)');
          // What an audit log sharing this PGlite would do from inside the engine's transaction.
          await client.query('insert into t values (2)');
        }),
      ).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR', message: /would deadlock/ });
      await expect(
        client.transaction(async () => client.transaction(async () => 1)),
      ).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR' });
      await client.transaction(async (tx) => {
        await tx.query('insert into t values (3)');
        // Work started inside that runs after the commit may use the client.
        later = new Promise((resolve) => setTimeout(resolve, 20)).then(() =>
          client.query('insert into t values (4)'),
        );
      });
      await later;
      const { rows } = await client.query<{ n: number }>('select n from t order by n');
      expect(rows.map((row) => row.n)).toEqual([3, 4]);
    } finally {
      await client.close();
    }
  });
});
