import { memoryAuditSink } from '@govblocks/core';
import { createPostgresClient, type SqlClient } from '@govblocks/core/sql';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { createConsentService } from '../engine/consent-service.js';
import { describeConsentConformance } from '../testing/conformance.js';
import { describeConsentOutboxConformance } from '../testing/outbox.js';
import { sqlConsentStore } from './sql-store.js';

for (const kind of testDatabaseKinds()) {
  describe(`sql store on ${kind}`, () => {
    let db: TestDatabase;
    // On PostgreSQL the sibling instance has its own connection pool, as a second app server would.
    let siblingClient: SqlClient;
    beforeAll(async () => {
      db = await openTestDatabase(kind);
      await sqlConsentStore(db.client);
      siblingClient =
        kind === 'postgres'
          ? await createPostgresClient({
              url: process.env.DATABASE_URL as string,
              schema: db.schema,
              max: 2,
            })
          : db.client;
    });
    afterAll(async () => {
      if (siblingClient !== db?.client) await siblingClient?.close();
      await db?.close();
    });

    describeConsentConformance({
      name: `engine on the sql store (${kind})`,
      async setup() {
        await db.client.execute(
          'truncate consent_objects, consent_records, consent_revisions, consent_signatures, consent_outbox',
        );
        const store = await sqlConsentStore(db.client, { migrate: false });
        // A second instance over the same database, as a second app server would be.
        const siblingStore = await sqlConsentStore(siblingClient, { migrate: false });
        const audit = memoryAuditSink();
        return {
          service: createConsentService({ store, audit }),
          sibling: createConsentService({ store: siblingStore, audit: memoryAuditSink() }),
          auditEvents: () => audit.events,
          readRecord: (id) => store.getRecord(id),
        };
      },
    });

    describeConsentOutboxConformance(kind, async () => {
      await db.client.execute(
        'truncate consent_objects, consent_records, consent_revisions, consent_signatures, consent_outbox',
      );
      return sqlConsentStore(db.client, { migrate: false });
    });
  });
}
