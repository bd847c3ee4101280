/**
 * `pnpm bench registration` — registry search on PostgreSQL against the equivalent raw SQL, and
 * application submit → approve throughput on PGlite and PostgreSQL.
 *
 * - Search (needs `DATABASE_URL`; skipped with a note otherwise): a registry of
 *   BENCH_REGISTRY_RECORDS records (default 20,000; set 1000000 for the full-size run) with
 *   `LastName` (text) and `Score` (integer) searchable. Subject: `registry.list` with an
 *   equality filter on `LastName`, and with a range on `Score`, first page of 10 with the total
 *   count. Baseline: the same SQL written by hand on the same postgres.js client. The audit
 *   sink is a no-op here, so the figure is the engine's own cost (parsing, validation, query
 *   building, mapping); target ratio ≥ 0.5.
 * - Throughput: create → submit → claim → approve (one-step workflow, registry record written on
 *   approval) one application at a time, for BENCH_THROUGHPUT_MS (default 4,000) per database,
 *   without and with an event sink (every event through the outbox).
 *
 * Other knobs: BENCH_TIME_MS (measuring time per task, default 1,000).
 */
import { randomBytes } from 'node:crypto';
import type { ActorContext, AuditSink } from '@govblocks/core';
import { createPgliteClient, createPostgresClient, type SqlClient } from '@govblocks/core/sql';
import {
  type BenchFile,
  type Comparison,
  defineBench,
  type Report,
} from '../../../tools/bench/harness.js';
import type { AuditReader } from '../src/audit/audit-reader.js';
import { createRegistrationService } from '../src/registration/engine.js';
import { createRegistry } from '../src/registry/engine.js';
import type { Registry } from '../src/registry/ports.js';
import { createSqlRegistrationStore } from '../src/sql/registration-store.js';
import { createSqlRegistryStore, recordTable } from '../src/sql/registry-store.js';

const url = process.env.DATABASE_URL;
const records = Number(process.env.BENCH_REGISTRY_RECORDS ?? 20_000);
const time = Number(process.env.BENCH_TIME_MS ?? 1_000);
const throughputMs = Number(process.env.BENCH_THROUGHPUT_MS ?? 4_000);
const ref = { registry: 'people', version: '1.0' };
const actor: ActorContext = {
  actor: { type: 'service', id: 'bench', roles: ['registration.admin', 'clerk'] },
};
const nullAudit: AuditSink & AuditReader = {
  record: async () => {},
  findBySubject: async () => [],
};

interface SearchFixture {
  admin: SqlClient;
  client: SqlClient;
  schema: string;
  registry: Registry;
  table: string;
}
let fixture: SearchFixture | undefined;
let turn = 0;

async function openFixture(): Promise<SearchFixture> {
  if (fixture) return fixture;
  const schema = `gb_bench_${randomBytes(5).toString('hex')}`;
  const admin = await createPostgresClient({ url: url!, max: 1 });
  await admin.execute(`create schema ${schema}`);
  const client = await createPostgresClient({ url: url!, schema, max: 4 });
  fixture = { admin, client, schema, registry: undefined as never, table: '' };
  const registry = createRegistry({
    store: await createSqlRegistryStore(client),
    audit: nullAudit,
    auditReader: nullAudit,
  });
  const defined = await registry.defineRegistry(actor, {
    name: ref.registry,
    version: ref.version,
    searchable: ['LastName', 'Score'],
    schema: {
      type: 'object',
      properties: {
        ID: { type: 'string' },
        FirstName: { type: 'string' },
        LastName: { type: 'string' },
        Score: { type: 'integer' },
      },
    },
  });
  const table = recordTable(defined.id);
  // Bulk load in SQL: the engine's create path is measured by the throughput figure instead.
  for (let start = 1; start <= records; start += 100_000) {
    const end = Math.min(records, start + 99_999);
    await client.query(
      `insert into ${table} (uuid, content, created_at, updated_at)
       select gen_random_uuid(),
              jsonb_build_object('ID', 'P' || i, 'FirstName', 'F' || (i % 200), 'LastName', 'L' || (i % 1000), 'Score', i % 100000),
              now(), now()
         from generate_series($1::int, $2::int) as i`,
      [start, end],
    );
  }
  await client.execute(`analyze ${table}`);
  fixture = { admin, client, schema, registry, table };
  return fixture;
}

async function openFixtureOrClose(): Promise<void> {
  try {
    await openFixture();
  } catch (error) {
    await closeFixture();
    throw error;
  }
}

async function closeFixture() {
  if (!fixture) return;
  const { admin, client, schema } = fixture;
  fixture = undefined;
  await client.close();
  await admin.execute(`drop schema if exists ${schema} cascade`);
  await admin.close();
}

function searchComparisons(): Array<Comparison | Report> {
  if (!url) {
    return [
      {
        name: 'registry search on PostgreSQL',
        run: async () => [{ label: 'skipped', value: 'set DATABASE_URL' }],
      },
    ];
  }
  const equality: Comparison = {
    name: `registry search, indexed equality (LastName), ${records.toLocaleString('en-US')} records, page of 10 + count`,
    setup: openFixtureOrClose,
    time,
    baseline: {
      name: 'raw SQL',
      fn: async () => {
        const { client, table } = fixture!;
        await client.query(
          `with matched as materialized (
             select uuid, seq, content, created_at, updated_at from ${table}
              where ((content ->> 'LastName') collate "C") = $1)
           select uuid::text as uuid, content, created_at, updated_at, count(*) over () as total
             from matched order by seq limit $2 offset $3`,
          [`L${turn++ % 1000}`, 10, 0],
        );
      },
    },
    subject: {
      name: 'registry.list',
      fn: async () => {
        await fixture!.registry.list(actor, ref, {
          filters: [{ field: 'LastName', op: 'eq', value: `L${turn++ % 1000}` }],
        });
      },
    },
    target: { ratio: 0.5 },
  };
  const range: Comparison = {
    name: `registry search, indexed range (Score), ${records.toLocaleString('en-US')} records, page of 10 + count`,
    time,
    setup: openFixtureOrClose,
    teardown: closeFixture,
    baseline: {
      name: 'raw SQL',
      fn: async () => {
        const { client, table } = fixture!;
        const low = (turn++ * 37) % 99_000;
        await client.query(
          `with matched as materialized (
             select uuid, seq, content, created_at, updated_at from ${table}
              where (case when jsonb_typeof(content -> 'Score') = 'number' then (content ->> 'Score')::numeric end) >= $1::numeric
                and (case when jsonb_typeof(content -> 'Score') = 'number' then (content ->> 'Score')::numeric end) < $2::numeric)
           select uuid::text as uuid, content, created_at, updated_at, count(*) over () as total
             from matched order by seq limit $3 offset $4`,
          [low, low + 100, 10, 0],
        );
      },
    },
    subject: {
      name: 'registry.list',
      fn: async () => {
        const low = (turn++ * 37) % 99_000;
        await fixture!.registry.list(actor, ref, {
          filters: [
            { field: 'Score', op: 'gte', value: low },
            { field: 'Score', op: 'lt', value: low + 100 },
          ],
        });
      },
    },
    target: { ratio: 0.5 },
  };
  return [equality, range];
}

async function throughput(client: SqlClient, withEvents = false): Promise<string> {
  const registry = createRegistry({
    store: await createSqlRegistryStore(client),
    audit: nullAudit,
    auditReader: nullAudit,
  });
  await registry.defineRegistry(actor, {
    name: 'permits',
    version: '1.0',
    schema: {
      type: 'object',
      properties: { holder: { type: 'string' }, applicationId: { type: 'string' } },
    },
  });
  const service = createRegistrationService({
    store: await createSqlRegistrationStore(client),
    registry,
    audit: nullAudit,
    // Every event through the outbox: written with the change, delivered and removed after it.
    ...(withEvents ? { events: { publish: async () => undefined } } : {}),
  });
  await service.defineService(actor, {
    key: 'permit',
    name: 'Permit',
    eForms: [
      {
        key: 'permit',
        name: 'Permit',
        schema: {
          type: 'object',
          properties: { holder: { type: 'string' } },
          required: ['holder'],
        },
      },
    ],
    workflow: [{ key: 'decide', name: 'Decide', role: 'clerk' }],
    registry: {
      registry: 'permits',
      version: '1.0',
      fields: { holder: '/holder', applicationId: '$applicationId' },
    },
  });
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < throughputMs) {
    const draft = await service.createApplication(actor, {
      service: 'permit',
      formData: { holder: `H${done}` },
    });
    await service.submit(actor, draft.id);
    const [task] = await service.listTasks(actor, { applicationId: draft.id, status: 'open' });
    await service.claimTask(actor, task!.id);
    await service.completeTask(actor, task!.id, { decision: 'approve', reason: 'ok' });
    done++;
  }
  const seconds = (performance.now() - started) / 1_000;
  return `${(done / seconds).toFixed(1)} applications/s (${done} in ${seconds.toFixed(1)} s)`;
}

const submitToApprove: Report = {
  name: 'application create → submit → claim → approve (registry record written), one at a time',
  async run() {
    const lines: Array<{ label: string; value: string }> = [];
    const pglite = await createPgliteClient();
    try {
      lines.push({ label: 'PGlite (in memory)', value: await throughput(pglite) });
      lines.push({
        label: 'PGlite, with an event sink (outbox)',
        value: await throughput(pglite, true),
      });
    } finally {
      await pglite.close();
    }
    if (url) {
      const schema = `gb_bench_${randomBytes(5).toString('hex')}`;
      const admin = await createPostgresClient({ url, max: 1 });
      await admin.execute(`create schema ${schema}`);
      const client = await createPostgresClient({ url, schema, max: 4 });
      try {
        lines.push({ label: 'PostgreSQL', value: await throughput(client) });
        lines.push({
          label: 'PostgreSQL, with an event sink (outbox)',
          value: await throughput(client, true),
        });
      } finally {
        await client.close();
        await admin.execute(`drop schema if exists ${schema} cascade`);
        await admin.close();
      }
    } else {
      lines.push({ label: 'PostgreSQL', value: 'skipped: set DATABASE_URL' });
    }
    return lines;
  },
};

const benches: BenchFile = defineBench(...searchComparisons(), submitToApprove);
export default benches;
