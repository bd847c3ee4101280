import type { ActorContext, AuditEventInput, AuditSink, Clock, IdGenerator } from '@govblocks/core';
import {
  ConfigurationError,
  ConflictError,
  canonicalJson,
  isUuid,
  parse,
  systemClock,
  uuidv7Generator,
  ValidationError,
} from '@govblocks/core';
import type { AuditReader, RecordedAuditEvent } from '../audit/audit-reader.js';
import { RegistrationError } from '../errors.js';
import { createSchemaCompiler, type JsonSchema } from '../json-schema.js';
import {
  type Registry,
  type RegistrySelector,
  type RegistryStore,
  type RegistryStoreReads,
  registrySpecificationVersion,
  type StoredRegistry,
  type StoreFilter,
  type StoreQuery,
} from './ports.js';
import {
  defineRegistryInputSchema,
  type JsonObject,
  jsonObjectSchema,
  listRecordsInputSchema,
  type PersonalDataUsage,
  personalDataUsageInputSchema,
  type RegistryInfo,
  type RegistryRecord,
  type RegistryRef,
  registryRefSchema,
  updateInputSchema,
} from './schemas.js';

/** Dependencies of {@link createRegistry}. */
export interface CreateRegistryOptions {
  store: RegistryStore;
  /** Where every state change and every read by another party is recorded. */
  audit: AuditSink;
  /** Reads back what `audit` recorded; answers `personalDataUsage`. */
  auditReader: AuditReader;
  clock?: Clock;
  /** Record uuids. Default: UUIDv7 on `clock`. */
  ids?: IdGenerator;
  /**
   * How long reads (read, get, exists, readValue, list) may reuse a registry definition before
   * looking it up again, in ms. Default 1,000; 0 disables. Writes always read the definition
   * inside their transaction, so a schema change is enforced on writes at once; with several
   * instances, reads elsewhere see it within this time.
   */
  definitionCacheMs?: number;
}

const block = 'registration';
/** Most records one bulk update may change. */
const maxBulk = 100_000;
const usageActions = [
  'registry.record.read',
  'registry.record.created',
  'registry.record.updated',
  'registry.record.deleted',
];

type FieldKind = 'number' | 'text';

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> | undefined {
  const properties = schema.properties;
  return properties && typeof properties === 'object'
    ? (properties as Record<string, JsonSchema>)
    : undefined;
}

function kindOf(schema: JsonSchema, field: string): FieldKind {
  const type = propertiesOf(schema)?.[field]?.type;
  const types = Array.isArray(type) ? type : [type];
  return types.some((entry) => entry === 'number' || entry === 'integer') ? 'number' : 'text';
}

function strip(stored: StoredRegistry): RegistryInfo {
  const { searchableKinds: _kinds, ...info } = stored;
  return info;
}

/** Parses an Information Mediator client id `INSTANCE/CLASS/MEMBER/SUBSYSTEM`. */
function mediatorParts(clientId: string | undefined): { member?: string; subsystem?: string } {
  const parts = clientId?.split('/') ?? [];
  return parts.length === 4 ? { member: parts[2], subsystem: parts[3] } : {};
}

/**
 * Creates the in-process Digital Registries engine over a {@link RegistryStore}.
 *
 * @example
 * const audit = memoryAuditTrail();
 * const registry = createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit });
 * await registry.defineRegistry(admin, { name: 'births', version: '1.0', schema, personalIdField: 'childId' });
 * const record = await registry.create(clerk, { registry: 'births', version: '1.0' }, { childId: 'C1', name: 'Ada' });
 */
export function createRegistry(options: CreateRegistryOptions): Registry {
  if (!options?.store || !options.audit || !options.auditReader) {
    throw new ConfigurationError(
      '[registration/registry] createRegistry needs store, audit and auditReader',
    );
  }
  const { store, audit, auditReader } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Generator(clock);
  const compiler = createSchemaCompiler();

  const now = () => clock.now().toISOString();
  const cacheMs = options.definitionCacheMs ?? 1_000;
  const definitions = new Map<string, { until: number; value: StoredRegistry }>();

  /** A definition for a read: cached for `definitionCacheMs` (wall-clock time, not `clock`). */
  async function resolveForRead(ref: RegistryRef): Promise<StoredRegistry> {
    const key = `${ref?.registry}\u0000${ref?.version}`;
    const cached = definitions.get(key);
    if (cached && cached.until > performance.now()) return cached.value;
    const value = await resolve(store.read, ref);
    if (cacheMs > 0) {
      if (definitions.size > 1_000) definitions.clear();
      definitions.set(key, { until: performance.now() + cacheMs, value });
    }
    return value;
  }

  async function resolve(reads: RegistryStoreReads, ref: RegistryRef): Promise<StoredRegistry> {
    const parsed = parse(registryRefSchema, ref, '[registration/registry] registry reference');
    const found = await reads.getRegistry(parsed);
    if (!found) {
      throw new RegistrationError(
        'REGISTRY_NOT_FOUND',
        `[registration/registry] no registry '${parsed.registry}' version '${parsed.version}'`,
      );
    }
    return found;
  }

  async function resolveSelector(
    reads: RegistryStoreReads,
    selector: RegistrySelector,
  ): Promise<StoredRegistry> {
    if ('id' in selector) {
      if (!Number.isSafeInteger(selector.id) || selector.id < 1) {
        throw new ValidationError('Registry id must be a positive integer', [
          { pointer: '/id', detail: 'must be a positive integer' },
        ]);
      }
      const found = await reads.getRegistry({ id: selector.id });
      if (!found)
        throw new RegistrationError(
          'REGISTRY_NOT_FOUND',
          `[registration/registry] no registry with id ${selector.id}`,
        );
      return found;
    }
    return resolve(reads, selector);
  }

  function validator(definition: StoredRegistry) {
    return compiler.compile(definition.schema, `${definition.id}@${definition.modifiedAt}`);
  }

  function assertContent(definition: StoredRegistry, content: JsonObject, what: string) {
    validator(definition).assert(content, what);
  }

  function personOf(definition: StoredRegistry, content: JsonObject): string | undefined {
    if (!definition.personalIdField) return undefined;
    const value = content[definition.personalIdField];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  }

  function recordEvent(
    context: ActorContext,
    definition: StoredRegistry,
    record: RegistryRecord,
    action: string,
    details: Record<string, string | number | boolean | null> = {},
  ): AuditEventInput {
    const person = personOf(definition, record.content);
    return {
      block,
      action,
      actor: {
        type: context.actor.type,
        id: context.actor.id,
        ...(context.actor.onBehalfOf ? { onBehalfOf: context.actor.onBehalfOf } : {}),
        ...(context.actor.clientId ? { clientId: context.actor.clientId } : {}),
      },
      subject: person
        ? { type: 'person', id: person, personal: true }
        : { type: 'registry-record', id: record.uuid },
      outcome: 'success',
      time: now(),
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
      ...(context.requestId ? { requestId: context.requestId } : {}),
      details: {
        registry: definition.name,
        version: definition.version,
        ...(definition.code ? { code: definition.code } : {}),
        record: record.uuid,
        ...details,
      },
    };
  }

  /** Reads by the person the record is about are theirs to make; everyone else's are logged. */
  async function auditReads(
    context: ActorContext,
    definition: StoredRegistry,
    records: readonly RegistryRecord[],
  ) {
    for (const record of records) {
      const person = personOf(definition, record.content);
      if (
        person !== undefined &&
        (context.actor.id === person || context.actor.onBehalfOf === person)
      )
        continue;
      await audit.record(recordEvent(context, definition, record, 'registry.record.read'));
    }
  }

  function requireQuery(query: unknown, pointer: string): JsonObject {
    const parsed = parse(jsonObjectSchema, query, '[registration/registry] query');
    if (Object.keys(parsed).length === 0) {
      throw new ValidationError('The query must name at least one field', [
        { pointer, detail: 'must name at least one field' },
      ]);
    }
    return parsed;
  }

  function checkField(definition: StoredRegistry, field: string, pointer: string) {
    const properties = propertiesOf(definition.schema);
    if (properties && !Object.hasOwn(properties, field)) {
      throw new ValidationError(`Unknown field '${field}'`, [
        { pointer, detail: `'${field}' is not a field of this registry` },
      ]);
    }
  }

  function matchQuery(match: JsonObject, limit: number): StoreQuery {
    return { match, filters: [], offset: 0, limit };
  }

  const registry: Registry = {
    specificationVersion: registrySpecificationVersion,

    async defineRegistry(context, input) {
      const parsed = parse(
        defineRegistryInputSchema,
        input,
        '[registration/registry] registry definition',
      );
      if (parsed.schema.type !== undefined && parsed.schema.type !== 'object') {
        throw new ValidationError('A registry schema must describe an object', [
          { pointer: '/schema/type', detail: "must be 'object'" },
        ]);
      }
      compiler.compile(parsed.schema);
      const properties = propertiesOf(parsed.schema) ?? {};
      const named: Array<[string, string | undefined]> = [
        ['/primaryKey', parsed.primaryKey],
        ['/personalIdField', parsed.personalIdField],
        ...parsed.searchable.map((field, index): [string, string] => [
          `/searchable/${index}`,
          field,
        ]),
      ];
      const issues = named
        .filter(([, field]) => field !== undefined && !Object.hasOwn(properties, field))
        .map(([pointer, field]) => ({
          pointer,
          detail: `'${field}' is not a property of the schema`,
        }));
      if (issues.length > 0)
        throw new ValidationError('The registry definition names unknown fields', issues);
      const searchable = [...new Set(parsed.searchable)];
      const searchableKinds = Object.fromEntries(
        searchable.map((field) => [field, kindOf(parsed.schema, field)]),
      );
      return store.transaction(async (tx) => {
        const existing = await tx.getRegistry({ registry: parsed.name, version: parsed.version });
        const time = now();
        const saved = await tx.saveRegistry({
          ...parsed,
          searchable,
          searchableKinds,
          createdAt: existing?.createdAt ?? time,
          modifiedAt: time,
        });
        await audit.record({
          block,
          action: 'registry.schema.defined',
          actor: {
            type: context.actor.type,
            id: context.actor.id,
            ...(context.actor.clientId ? { clientId: context.actor.clientId } : {}),
          },
          subject: { type: 'registry', id: `${saved.name}/${saved.version}` },
          outcome: 'success',
          time,
          details: { registryId: saved.id, created: existing === undefined },
        });
        definitions.clear();
        return strip(saved);
      });
    },

    async getRegistry(_context, selector) {
      return strip(await resolveSelector(store.read, selector));
    },

    async listRegistries() {
      return (await store.read.listRegistries()).map(strip);
    },

    async deleteRegistry(context, selector) {
      return store.transaction(async (tx) => {
        const definition = await resolveSelector(tx, selector);
        const deletedRecords = await tx.deleteRegistry(definition.id);
        await audit.record({
          block,
          action: 'registry.schema.deleted',
          actor: {
            type: context.actor.type,
            id: context.actor.id,
            ...(context.actor.clientId ? { clientId: context.actor.clientId } : {}),
          },
          subject: { type: 'registry', id: `${definition.name}/${definition.version}` },
          outcome: 'success',
          time: now(),
          details: { registryId: definition.id, deletedRecords },
        });
        definitions.clear();
        return { deletedRecords };
      });
    },

    async create(context, ref, content, options) {
      const parsedContent = parse(
        jsonObjectSchema,
        content,
        '[registration/registry] record content',
      );
      const uuid = options?.uuid;
      if (uuid !== undefined && !isUuid(uuid)) {
        throw new ValidationError('[registration/registry] uuid must be a UUID', [
          { pointer: '/uuid', detail: 'not a UUID' },
        ]);
      }
      return store.transaction(async (tx) => {
        const definition = await resolve(tx, ref);
        assertContent(definition, parsedContent, '[registration/registry] record content');
        if (uuid !== undefined) {
          const existing = await tx.getRecord(definition.id, uuid.toLowerCase());
          if (existing) {
            if (canonicalJson(existing.content) === canonicalJson(parsedContent)) return existing;
            throw new ConflictError(
              '[registration/registry] a record with this uuid exists with other content',
            );
          }
        }
        const time = now();
        const record: RegistryRecord = {
          uuid: uuid?.toLowerCase() ?? ids(),
          registry: definition.name,
          version: definition.version,
          content: parsedContent,
          createdAt: time,
          updatedAt: time,
        };
        await tx.insertRecord(definition.id, record);
        await audit.record(recordEvent(context, definition, record, 'registry.record.created'));
        return record;
      });
    },

    async read(context, ref, query) {
      const match = requireQuery(query, '/query');
      const definition = await resolveForRead(ref);
      const { records } = await store.read.findRecords(definition.id, matchQuery(match, 1));
      const record = records[0];
      if (!record)
        throw new RegistrationError('RECORD_NOT_FOUND', '[registration/registry] no record found');
      await auditReads(context, definition, [record]);
      return record;
    },

    async get(context, ref, uuid) {
      const definition = await resolveForRead(ref);
      const record = isUuid(uuid) ? await store.read.getRecord(definition.id, uuid) : undefined;
      if (!record)
        throw new RegistrationError('RECORD_NOT_FOUND', '[registration/registry] no record found');
      await auditReads(context, definition, [record]);
      return record;
    },

    async exists(context, ref, query) {
      const match = requireQuery(query, '/query');
      const definition = await resolveForRead(ref);
      const { records } = await store.read.findRecords(definition.id, matchQuery(match, 1));
      await auditReads(context, definition, records);
      return records.length > 0;
    },

    async update(context, ref, input) {
      const parsed = parse(updateInputSchema, input, '[registration/registry] update');
      const match = requireQuery(parsed.query, '/query');
      return store.transaction(async (tx) => {
        const definition = await resolve(tx, ref);
        const [found] = await tx.findRecordsForUpdate(definition.id, matchQuery(match, 1));
        if (!found)
          throw new RegistrationError(
            'RECORD_NOT_FOUND',
            '[registration/registry] no record matches the query',
          );
        const updated: RegistryRecord = {
          ...found,
          content: { ...found.content, ...parsed.write },
          updatedAt: now(),
        };
        assertContent(definition, updated.content, '[registration/registry] updated record');
        await tx.updateRecords(definition.id, [updated]);
        await audit.record(recordEvent(context, definition, updated, 'registry.record.updated'));
        return updated;
      });
    },

    async updateEntries(context, ref, input) {
      const parsed = parse(updateInputSchema, input, '[registration/registry] update entries');
      const match = requireQuery(parsed.query, '/query');
      return store.transaction(async (tx) => {
        const definition = await resolve(tx, ref);
        const found = await tx.findRecordsForUpdate(definition.id, matchQuery(match, maxBulk));
        const time = now();
        const updated = found.map((record) => ({
          ...record,
          content: { ...record.content, ...parsed.write },
          updatedAt: time,
        }));
        // Validate every result before writing any: all or none.
        const compiled = validator(definition);
        updated.forEach((record, index) => {
          const issues = compiled.check(record.content);
          if (issues.length > 0) {
            throw new ValidationError(
              `[registration/registry] update would make record ${index + 1} of ${updated.length} invalid`,
              issues,
            );
          }
        });
        if (updated.length > 0) await tx.updateRecords(definition.id, updated);
        for (const record of updated)
          await audit.record(recordEvent(context, definition, record, 'registry.record.updated'));
        return { updated: updated.length };
      });
    },

    async updateOrCreate(context, ref, input) {
      const parsed = parse(updateInputSchema, input, '[registration/registry] update or create');
      const match = requireQuery(parsed.query, '/query');
      return store.transaction(async (tx) => {
        const definition = await resolve(tx, ref);
        const [found] = await tx.findRecordsForUpdate(definition.id, matchQuery(match, 1));
        const time = now();
        if (found) {
          const updated: RegistryRecord = {
            ...found,
            content: { ...found.content, ...parsed.write },
            updatedAt: time,
          };
          assertContent(definition, updated.content, '[registration/registry] updated record');
          await tx.updateRecords(definition.id, [updated]);
          await audit.record(recordEvent(context, definition, updated, 'registry.record.updated'));
          return { record: updated, created: false };
        }
        const record: RegistryRecord = {
          uuid: ids(),
          registry: definition.name,
          version: definition.version,
          content: { ...match, ...parsed.write },
          createdAt: time,
          updatedAt: time,
        };
        assertContent(definition, record.content, '[registration/registry] new record');
        await tx.insertRecord(definition.id, record);
        await audit.record(recordEvent(context, definition, record, 'registry.record.created'));
        return { record, created: true };
      });
    },

    async delete(context, ref, id) {
      if (typeof id !== 'string' || id.length === 0 || id.length > 512) {
        throw new ValidationError('A record id is required', [
          { pointer: '/id', detail: 'must be a non-empty string' },
        ]);
      }
      return store.transaction(async (tx) => {
        const definition = await resolve(tx, ref);
        let doomed: RegistryRecord[] = [];
        const byUuid = isUuid(id) ? await tx.getRecord(definition.id, id) : undefined;
        if (byUuid) doomed = [byUuid];
        else if (definition.primaryKey) {
          doomed = await tx.findRecordsForUpdate(
            definition.id,
            matchQuery({ [definition.primaryKey]: id }, maxBulk),
          );
        }
        if (doomed.length === 0) return { deleted: 0 };
        await tx.deleteRecords(
          definition.id,
          doomed.map((record) => record.uuid),
        );
        for (const record of doomed)
          await audit.record(recordEvent(context, definition, record, 'registry.record.deleted'));
        return { deleted: doomed.length };
      });
    },

    async readValue(context, ref, uuid, field) {
      const record = await registry.get(context, ref, uuid);
      if (!Object.hasOwn(record.content, field)) {
        throw new RegistrationError(
          'FIELD_NOT_FOUND',
          `[registration/registry] the record has no field '${field}'`,
        );
      }
      return record.content[field];
    },

    async list(context, ref, input = {}) {
      const parsed = parse(listRecordsInputSchema, input, '[registration/registry] list');
      const definition = await resolveForRead(ref);
      const filters: StoreFilter[] = parsed.filters.map((filter, index) => {
        checkField(definition, filter.field, `/filters/${index}/field`);
        const kind = kindOf(definition.schema, filter.field);
        if (kind === 'number') {
          const value = typeof filter.value === 'number' ? filter.value : Number(filter.value);
          if (typeof filter.value === 'boolean' || !Number.isFinite(value) || filter.value === '') {
            throw new ValidationError('A numeric field is compared with a number', [
              { pointer: `/filters/${index}/value`, detail: 'must be a number' },
            ]);
          }
          if (filter.op === 'prefix' || filter.op === 'contains') {
            throw new ValidationError(`'${filter.op}' applies to text fields`, [
              { pointer: `/filters/${index}/op`, detail: 'not applicable to a number' },
            ]);
          }
          return { field: filter.field, op: filter.op, value, kind };
        }
        return { field: filter.field, op: filter.op, value: String(filter.value), kind };
      });
      let search: StoreQuery['search'];
      if (parsed.search !== undefined) {
        const fields =
          parsed.searchFields ??
          (definition.searchable.length > 0
            ? definition.searchable
            : Object.keys(propertiesOf(definition.schema) ?? {})
          ).filter((field) => kindOf(definition.schema, field) === 'text');
        fields.forEach((field, index) => {
          checkField(definition, field, `/searchFields/${index}`);
        });
        search = { text: parsed.search, fields };
      }
      let orderBy: StoreQuery['orderBy'];
      if (parsed.orderBy) {
        checkField(definition, parsed.orderBy.field, '/orderBy/field');
        orderBy = { ...parsed.orderBy, kind: kindOf(definition.schema, parsed.orderBy.field) };
      }
      const { total, records } = await store.read.findRecords(definition.id, {
        ...(parsed.match ? { match: parsed.match } : {}),
        filters,
        ...(search ? { search } : {}),
        ...(orderBy ? { orderBy } : {}),
        offset: (parsed.page - 1) * parsed.pageSize,
        limit: parsed.pageSize,
      });
      await auditReads(context, definition, records);
      return { count: total, page: parsed.page, pageSize: parsed.pageSize, results: records };
    },

    async personalDataUsage(context, input) {
      const parsed = parse(
        personalDataUsageInputSchema,
        input,
        '[registration/registry] personal data usage',
      );
      const events = await auditReader.findBySubject({
        subjectId: parsed.personId,
        block,
        actions: usageActions,
        limit: parsed.limit * 2,
      });
      const usage: PersonalDataUsage[] = [];
      for (const event of events) {
        if (usage.length >= parsed.limit) break;
        if (event.actor.id === parsed.personId || event.actor.onBehalfOf === parsed.personId)
          continue;
        const details = event.details ?? {};
        if (
          parsed.registry !== undefined &&
          details.registry !== parsed.registry &&
          details.code !== parsed.registry
        )
          continue;
        usage.push(toUsage(event));
      }
      void context;
      return usage;
    },
  };
  return registry;
}

function toUsage(event: RecordedAuditEvent): PersonalDataUsage {
  const details = event.details ?? {};
  const { member, subsystem } = mediatorParts(event.actor.clientId);
  return {
    id: event.id,
    action: event.action.replace('registry.record.', ''),
    readerId: event.actor.id,
    readerType: event.actor.type,
    ...(member ? { readerInstitutionId: member } : {}),
    ...(subsystem ? { readerApplicationName: subsystem } : {}),
    ...(event.purpose ? { purpose: event.purpose } : {}),
    time: event.time,
    ...(typeof details.registry === 'string' ? { registry: details.registry } : {}),
    ...(typeof details.version === 'string' ? { version: details.version } : {}),
    references: typeof details.record === 'string' ? [details.record] : [],
  };
}
