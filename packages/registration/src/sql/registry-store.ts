import { createHash } from 'node:crypto';
import type { SqlClient, SqlExecutor } from '@govblocks/core/sql';
import { migrate } from '@govblocks/core/sql';
import type {
  RegistryStore,
  RegistryStoreTx,
  StoredRegistry,
  StoreFilter,
  StoreQuery,
} from '../registry/ports.js';
import type { RegistryRecord } from '../registry/schemas.js';
import { registrationMigrations } from './migrations.js';

/** A quoted SQL string literal. Field names come from a validated schema; quotes are doubled. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The SQL expression of a field, exactly as the expression indexes are written, so that the
 * planner can use them: text compares in the "C" collation (code point order, like the memory
 * store); numbers compare as numeric, and a non-number value is NULL rather than an error.
 */
export function fieldExpression(field: string, kind: 'number' | 'text'): string {
  const name = literal(field);
  return kind === 'number'
    ? `(case when jsonb_typeof(content -> ${name}) = 'number' then (content ->> ${name})::numeric end)`
    : `((content ->> ${name}) collate "C")`;
}

/** The table of one registry's records. */
export function recordTable(registryId: number): string {
  if (!Number.isSafeInteger(registryId) || registryId < 1) throw new Error('bad registry id');
  return `registration_registry_${registryId}`;
}

function indexName(registryId: number, field: string, kind: string): string {
  const digest = createHash('sha256').update(`${kind}:${field}`).digest('hex').slice(0, 16);
  return `registration_registry_${registryId}_f_${digest}`;
}

interface RegistryRow {
  id: number;
  definition: Omit<StoredRegistry, 'id' | 'createdAt' | 'modifiedAt'>;
  created_at: Date;
  modified_at: Date;
}

interface RecordRow {
  uuid: string;
  content: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  total?: number;
}

function toRegistry(row: RegistryRow): StoredRegistry {
  return {
    ...row.definition,
    id: row.id,
    createdAt: row.created_at.toISOString(),
    modifiedAt: row.modified_at.toISOString(),
  };
}

function toRecord(
  definition: Pick<StoredRegistry, 'name' | 'version'>,
  row: RecordRow,
): RegistryRecord {
  return {
    uuid: row.uuid,
    registry: definition.name,
    version: definition.version,
    content: row.content,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const operators: Record<Exclude<StoreFilter['op'], 'prefix' | 'contains'>, string> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/** Builds the WHERE and ORDER BY of a store query; parameters are appended to `params`. */
export function buildQuery(query: StoreQuery, params: unknown[]): { where: string; order: string } {
  const conditions: string[] = [];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.match && Object.keys(query.match).length > 0) {
    conditions.push(`content @> ${add(JSON.stringify(query.match))}::jsonb`);
  }
  for (const filter of query.filters) {
    const expression = fieldExpression(filter.field, filter.kind);
    if (filter.op === 'prefix')
      conditions.push(`starts_with(${expression}, ${add(String(filter.value))})`);
    else if (filter.op === 'contains') {
      conditions.push(
        `strpos(lower(content ->> ${literal(filter.field)}), lower(${add(String(filter.value))})) > 0`,
      );
    } else {
      const parameter = add(filter.kind === 'number' ? filter.value : String(filter.value));
      conditions.push(
        `${expression} ${operators[filter.op]} ${parameter}${filter.kind === 'number' ? '::numeric' : ''}`,
      );
    }
  }
  if (query.search && query.search.fields.length > 0) {
    const needle = add(query.search.text);
    conditions.push(
      `(${query.search.fields.map((field) => `strpos(lower(content ->> ${literal(field)}), lower(${needle})) > 0`).join(' or ')})`,
    );
  } else if (query.search) {
    conditions.push('false');
  }
  const order = query.orderBy
    ? `${fieldExpression(query.orderBy.field, query.orderBy.kind)} ${query.orderBy.direction} nulls last, seq`
    : 'seq';
  return { where: conditions.length > 0 ? conditions.join(' and ') : 'true', order };
}

/** Name and version of a registry id never change (a redefinition keeps the id), so they are cached. */
type NameCache = Map<number, Pick<StoredRegistry, 'name' | 'version'>>;

function operations(executor: SqlExecutor, names: NameCache): RegistryStoreTx {
  async function definitionOf(
    registryId: number,
  ): Promise<Pick<StoredRegistry, 'name' | 'version'> | undefined> {
    const cached = names.get(registryId);
    if (cached) return cached;
    const found = await fullDefinition(registryId);
    if (found) names.set(registryId, { name: found.name, version: found.version });
    return found;
  }

  async function fullDefinition(registryId: number): Promise<StoredRegistry | undefined> {
    const { rows } = await executor.query<RegistryRow>(
      'select id, definition, created_at, modified_at from registration_registries where id = $1',
      [registryId],
    );
    return rows[0] ? toRegistry(rows[0]) : undefined;
  }

  async function ensureTable(registry: StoredRegistry): Promise<void> {
    const table = recordTable(registry.id);
    await executor.execute(`
      create table if not exists ${table} (
        uuid uuid primary key,
        seq bigint generated always as identity,
        content jsonb not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      create unique index if not exists ${table}_seq on ${table} (seq);
      create index if not exists ${table}_content on ${table} using gin (content jsonb_path_ops);`);
    const wanted = new Map(
      Object.entries(registry.searchableKinds).map(([field, kind]) => [
        indexName(registry.id, field, kind),
        { field, kind },
      ]),
    );
    const { rows } = await executor.query<{ indexname: string }>(
      'select indexname from pg_indexes where schemaname = current_schema() and tablename = $1',
      [table],
    );
    const existing = new Set(rows.map((row) => row.indexname));
    for (const name of existing) {
      if (name.startsWith(`${table}_f_`) && !wanted.has(name))
        await executor.execute(`drop index if exists ${name}`);
    }
    for (const [name, { field, kind }] of wanted) {
      if (!existing.has(name)) {
        await executor.execute(
          `create index if not exists ${name} on ${table} ((${fieldExpression(field, kind)}), seq)`,
        );
      }
    }
  }

  const self: RegistryStoreTx = {
    async getRegistry(selector) {
      if ('id' in selector) return fullDefinition(selector.id);
      const { rows } = await executor.query<RegistryRow>(
        'select id, definition, created_at, modified_at from registration_registries where name = $1 and version = $2',
        [selector.registry, selector.version],
      );
      return rows[0] ? toRegistry(rows[0]) : undefined;
    },
    async listRegistries() {
      const { rows } = await executor.query<RegistryRow>(
        'select id, definition, created_at, modified_at from registration_registries order by id',
      );
      return rows.map(toRegistry);
    },
    async getRecord(registryId, uuid) {
      const definition = await definitionOf(registryId);
      if (!definition) return undefined;
      const { rows } = await executor.query<RecordRow>(
        `select uuid::text as uuid, content, created_at, updated_at from ${recordTable(registryId)} where uuid = $1::uuid`,
        [uuid],
      );
      return rows[0] ? toRecord(definition, rows[0]) : undefined;
    },
    async findRecords(registryId, query) {
      const definition = await definitionOf(registryId);
      if (!definition) return { total: 0, records: [] };
      const params: unknown[] = [];
      const { where, order } = buildQuery(query, params);
      const table = recordTable(registryId);
      params.push(query.limit, query.offset);
      // Filtering first (materialised) lets the planner pick the filters' own index even for a
      // generic prepared plan; ordering and the count then work on the matches only.
      const { rows } = await executor.query<RecordRow>(
        `with matched as materialized (
           select uuid, seq, content, created_at, updated_at from ${table} where ${where})
         select uuid::text as uuid, content, created_at, updated_at, count(*) over () as total
           from matched order by ${order} limit $${params.length - 1} offset $${params.length}`,
        params,
      );
      let total = rows[0]?.total ?? 0;
      if (rows.length === 0 && query.offset > 0) {
        const counted = await executor.query<{ total: number }>(
          `select count(*) as total from ${table} where ${where}`,
          params.slice(0, -2),
        );
        total = counted.rows[0]?.total ?? 0;
      }
      return { total: Number(total), records: rows.map((row) => toRecord(definition, row)) };
    },
    async findRecordsForUpdate(registryId, query) {
      const definition = await definitionOf(registryId);
      if (!definition) return [];
      const params: unknown[] = [];
      const { where, order } = buildQuery(query, params);
      params.push(query.limit, query.offset);
      const { rows } = await executor.query<RecordRow>(
        `select uuid::text as uuid, content, created_at, updated_at from ${recordTable(registryId)}
          where ${where} order by ${order} limit $${params.length - 1} offset $${params.length} for update`,
        params,
      );
      return rows.map((row) => toRecord(definition, row));
    },
    async saveRegistry(definition) {
      const { createdAt, modifiedAt, ...rest } = definition;
      const { rows } = await executor.query<RegistryRow>(
        `insert into registration_registries (name, version, definition, created_at, modified_at)
         values ($1, $2, $3::jsonb, $4, $5)
         on conflict (name, version) do update set definition = excluded.definition, modified_at = excluded.modified_at
         returning id, definition, created_at, modified_at`,
        [definition.name, definition.version, JSON.stringify(rest), createdAt, modifiedAt],
      );
      const saved = toRegistry(rows[0]!);
      await ensureTable(saved);
      return saved;
    },
    async deleteRegistry(registryId) {
      const table = recordTable(registryId);
      const { rows } = await executor.query<{ total: number }>(
        `select count(*) as total from ${table}`,
      );
      await executor.execute(`drop table if exists ${table}`);
      names.delete(registryId);
      await executor.query('delete from registration_registries where id = $1', [registryId]);
      return Number(rows[0]?.total ?? 0);
    },
    async insertRecord(registryId, record) {
      await executor.query(
        `insert into ${recordTable(registryId)} (uuid, content, created_at, updated_at) values ($1::uuid, $2::jsonb, $3, $4)`,
        [record.uuid, JSON.stringify(record.content), record.createdAt, record.updatedAt],
      );
    },
    async updateRecords(registryId, records) {
      if (records.length === 0) return;
      await executor.query(
        `update ${recordTable(registryId)} as target
            set content = source.content, updated_at = source.updated_at
           from jsonb_to_recordset($1::jsonb) as source(uuid uuid, content jsonb, updated_at timestamptz)
          where target.uuid = source.uuid`,
        [
          JSON.stringify(
            records.map((record) => ({
              uuid: record.uuid,
              content: record.content,
              updated_at: record.updatedAt,
            })),
          ),
        ],
      );
    },
    async deleteRecords(registryId, uuids) {
      if (uuids.length === 0) return;
      await executor.query(`delete from ${recordTable(registryId)} where uuid = any($1::uuid[])`, [
        uuids,
      ]);
    },
  };
  return self;
}

export interface SqlRegistryStoreOptions {
  /** Apply the package's migrations first (default true). */
  migrate?: boolean;
}

/**
 * A {@link RegistryStore} on PostgreSQL (or PGlite): a catalogue table plus one table per
 * registry with the record content as JSONB, a GIN index for containment queries (`read`,
 * `exists`, `update`) and a B-tree expression index per searchable field for filters, ranges and
 * ordering. The embedded PGlite is for development and pilots; use PostgreSQL in production.
 *
 * @example
 * const store = await createSqlRegistryStore(await openDatabase(process.env.DATABASE_URL));
 */
export async function createSqlRegistryStore(
  client: SqlClient,
  options: SqlRegistryStoreOptions = {},
): Promise<RegistryStore> {
  if (options.migrate !== false) await migrate(client, registrationMigrations);
  const names: NameCache = new Map();
  return {
    read: operations(client, names),
    transaction: (fn) => client.transaction((tx) => fn(operations(tx, names))),
  };
}
