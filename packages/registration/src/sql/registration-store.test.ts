import { manualClock } from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanRegistrationTables } from '../../test/clean-database.js';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { exactIdentifierDedup } from '../registration/dedup.js';
import { createRegistrationService } from '../registration/engine.js';
import { memoryFeeCollector } from '../registration/fee-collector.js';
import { createRegistry } from '../registry/engine.js';
import { describeRegistrationConformance } from '../testing/index.js';
import { createSqlDocumentStore, createSqlRegistrationStore } from './registration-store.js';
import { createSqlRegistryStore } from './registry-store.js';

describe.each(testDatabaseKinds())('sql registration store on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await db.resetSchema();
  });
  afterAll(() => db?.close());

  async function fresh() {
    await cleanRegistrationTables(db.client);
    const clock = manualClock();
    const audit = memoryAuditTrail({ clock });
    const registry = createRegistry({
      store: await createSqlRegistryStore(db.client),
      audit,
      auditReader: audit,
      clock,
    });
    const fees = memoryFeeCollector({ clock });
    const service = createRegistrationService({
      store: await createSqlRegistrationStore(db.client),
      registry,
      audit,
      clock,
      documents: await createSqlDocumentStore(db.client),
      dedup: [exactIdentifierDedup({ fields: ['/child/nationalId'] })],
      fees,
    });
    return { service, registry, fees };
  }

  describeRegistrationConformance({ name: `sql on ${kind}`, setup: fresh });

  it('keeps document bytes in bytea', async () => {
    await fresh();
    const documents = await createSqlDocumentStore(db.client, { migrate: false });
    await documents.put('d1', new Uint8Array([0, 255, 7]), {
      contentType: 'application/pdf',
      sha256: 'x',
    });
    expect([...((await documents.get('d1')) ?? [])]).toEqual([0, 255, 7]);
    const { rows } = await db.client.query<{ n: number }>(
      'select octet_length(content) as n from registration_documents',
    );
    expect(rows[0]?.n).toBe(3);
  });
});
