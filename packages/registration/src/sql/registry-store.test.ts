import { manualClock } from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanRegistrationTables } from '../../test/clean-database.js';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { createRegistry } from '../registry/engine.js';
import {
  conformanceOfficer,
  conformanceRegistry,
  describeRegistryConformance,
} from '../testing/index.js';
import { createSqlRegistryStore } from './registry-store.js';

describe.each(testDatabaseKinds())('sql registry store on %s', (kind) => {
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
    const store = await createSqlRegistryStore(db.client);
    return createRegistry({ store, audit, auditReader: audit, clock });
  }

  describeRegistryConformance({ name: `sql on ${kind}`, setup: fresh });

  it('persists content as JSONB in the registry table and indexes the searchable fields', async () => {
    const registry = await fresh();
    const defined = await registry.defineRegistry(conformanceOfficer, conformanceRegistry);
    const record = await registry.create(
      conformanceOfficer,
      { registry: 'people', version: '1.0' },
      { ID: 'P1', FirstName: 'Ada', Score: 3 },
    );
    const { rows } = await db.client.query<{ content: unknown }>(
      `select content from registration_registry_${defined.id} where uuid = $1::uuid`,
      [record.uuid],
    );
    expect(rows[0]?.content).toEqual({ ID: 'P1', FirstName: 'Ada', Score: 3 });
    const indexes = await db.client.query<{ indexdef: string }>(
      'select indexdef from pg_indexes where schemaname = current_schema() and tablename = $1',
      [`registration_registry_${defined.id}`],
    );
    const definitions = indexes.rows.map((row) => row.indexdef).join('\n');
    expect(definitions).toContain("'FirstName'");
    expect(definitions).toContain("'Score'");
    expect(definitions).toContain('gin');
    // Dropping a searchable field drops its index.
    await registry.defineRegistry(conformanceOfficer, {
      ...conformanceRegistry,
      searchable: ['FirstName'],
    });
    const after = await db.client.query<{ indexdef: string }>(
      'select indexdef from pg_indexes where schemaname = current_schema() and tablename = $1',
      [`registration_registry_${defined.id}`],
    );
    expect(after.rows.map((row) => row.indexdef).join('\n')).not.toContain("'Score'");
  });

  it('uses the expression index for an equality filter', async () => {
    const registry = await fresh();
    const defined = await registry.defineRegistry(conformanceOfficer, conformanceRegistry);
    const table = `registration_registry_${defined.id}`;
    await db.client.query(
      `insert into ${table} (uuid, content, created_at, updated_at)
       select gen_random_uuid(), jsonb_build_object('ID', 'P' || i, 'FirstName', 'N' || (i % 500), 'Score', i), now(), now()
         from generate_series(1, 5000) i`,
    );
    await db.client.execute(`analyze ${table}`);
    const { rows } = await db.client.query<Record<string, string>>(
      `explain select content from ${table} where ((content ->> 'FirstName') collate "C") = 'N7' order by seq limit 10`,
    );
    expect(rows.map((row) => Object.values(row)[0]).join('\n')).toMatch(new RegExp(`${table}_f_`));
  });
});
