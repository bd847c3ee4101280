import { randomBytes } from 'node:crypto';
import { createPostgresClient, type SqlClient } from '@govblocks/core/sql';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../bundle/bundle.js';
import { createNoteSigner, createNoteVerifier, generateNoteKey } from '../checkpoint/keys.js';
import { createAuditLog } from '../engine/audit-log.js';
import { createAuditSink } from '../engine/audit-sink.js';
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
    concurrency: { writers: 6, appends: 100 },
  });

  it('an audit of the tables locates a row changed, deleted or reordered behind the back of the log', async () => {
    await db.resetSchema();
    const keys = generateNoteKey('sql.example/audit');
    const store = await sqlAuditStore(db.client);
    const log = createAuditLog({
      store,
      origin: 'sql.example/audit',
      signer: createNoteSigner(keys.signerKey),
    });
    const sink = createAuditSink({ log, pseudonymKey: randomBytes(32) });
    await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        sink.record({
          block: 'payments',
          action: 'payment.sent',
          actor: { type: 'service', id: `w${n}` },
          outcome: 'success',
        }),
      ),
    );
    const checkpoint = await log.checkpoint();
    const options = {
      checkpoint,
      keys: [createNoteVerifier(keys.verifierKey)],
      origin: 'sql.example/audit',
      pageSize: 8,
    };
    expect(await verifyStore(store, options)).toMatchObject({ ok: true, size: 30 });

    await db.client.query(
      `update audit_leaves set leaf = replace(leaf, '"w17"', '"w99"') where idx = 17`,
    );
    expect(await verifyStore(store, options)).toMatchObject({ ok: false, index: 17 });
    await db.client.query(
      `update audit_leaves set leaf = replace(leaf, '"w99"', '"w17"') where idx = 17`,
    );

    await db.client.query('delete from audit_leaves where idx = 23');
    expect(await verifyStore(store, options)).toMatchObject({ ok: false, index: 23 });

    await db.client.query('delete from audit_leaves where idx = 29');
    expect(await verifyStore(store, options)).toMatchObject({ ok: false, index: 23 });

    // Two rows renumbered (moved with their hashes): the stored subtree hashes locate the pair.
    await db.client.query('update audit_leaves set idx = -1 where idx = 10');
    await db.client.query('update audit_leaves set idx = 10 where idx = 11');
    await db.client.query('update audit_leaves set idx = 11 where idx = -1');
    expect(await verifyStore(store, options)).toMatchObject({ ok: false, index: 10 });

    // Two entries' contents swapped (their stored hashes left in place).
    await db.client.query(
      `update audit_leaves a set leaf = b.leaf from audit_leaves b where (a.idx, b.idx) in ((4, 5), (5, 4))`,
    );
    expect(await verifyStore(store, options)).toMatchObject({ ok: false, index: 4 });
  });
});
