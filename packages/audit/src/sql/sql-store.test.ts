import { createPostgresClient, type SqlClient } from '@govblocks/core/sql';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeAuditStoreConformance } from '../testing/conformance.js';
import { sqlAuditStore, sqlSubjectKeyStore } from './sql-store.js';

describe.each(testDatabaseKinds())('sql audit store on %s', (kind) => {
  let db: TestDatabase;
  const extraClients: SqlClient[] = [];
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    for (const client of extraClients.splice(0)) await client.close();
    await db.close();
  });

  describeAuditStoreConformance({
    name: `sql (${kind})`,
    createStore: async () => {
      await db.resetSchema();
      return sqlAuditStore(db.client);
    },
    createSubjectKeys: () => sqlSubjectKeyStore(db.client),
    // On PostgreSQL each writer is its own connection pool, as separate processes would be;
    // PGlite is one in-process database, so writers share its client.
    openSharedStore: async () => {
      if (kind === 'pglite') return sqlAuditStore(db.client, { migrate: false });
      const client = await createPostgresClient({
        url: process.env.DATABASE_URL!,
        schema: db.schema,
        max: 2,
      });
      extraClients.push(client);
      return sqlAuditStore(client, { migrate: false });
    },
    concurrency: { writers: 4, appends: 50 },
  });
});
