import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { describeMessagingStore } from '../testing/store-conformance.js';
import { sqlMessagingStore } from './sql-store.js';

for (const kind of testDatabaseKinds()) {
  let db: TestDatabase | undefined;
  describeMessagingStore(`sql on ${kind}`, {
    async create() {
      db ??= await openTestDatabase(kind);
      await db.resetSchema();
      return sqlMessagingStore(db.client);
    },
    close: async () => db?.close(),
  });
}
