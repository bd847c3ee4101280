import type { ActorContext } from '@govblocks/core';
import type {
  DefineRegistryInput,
  FilterOperator,
  JsonObject,
  ListRecordsInput,
  PersonalDataUsage,
  PersonalDataUsageInput,
  RecordPage,
  RegistryInfo,
  RegistryRecord,
  RegistryRef,
  UpdateInput,
} from './schemas.js';

/** The version of the {@link Registry} port this package implements. */
export const registrySpecificationVersion = 'registry/v1' as const;

/** Identifies a registry by numeric id or by name and version. */
export type RegistrySelector = { id: number } | RegistryRef;

/**
 * The Digital Registries port: a set of registries, each defined by a JSON Schema and a version,
 * holding records identified by a uuid. It is what the GovStack Digital Registries BB API serves,
 * and the same interface whether the registries are in process (`createRegistry`) or remote
 * (`govstackRegistry`).
 *
 * Conventions for every method:
 * - `context` names who acts; every state change writes one audit event per record through the
 *   injected `AuditSink` (`registration` block, `registry.*` actions), and every read of a record
 *   by someone other than the person it is about writes a `registry.record.read` event — that
 *   is what {@link Registry.personalDataUsage} answers from.
 * - Bad input throws `VALIDATION_FAILED` (HTTP 400) with one entry per failing field (JSON
 *   pointer); record content failing the registry's JSON Schema likewise. Nothing is written.
 * - An unknown registry/version throws `REGISTRY_NOT_FOUND` (404).
 * - Writes are atomic: a bulk update either changes every matching record or none.
 */
export interface Registry {
  readonly specificationVersion: typeof registrySpecificationVersion;

  /**
   * Creates a registry, or changes the definition of an existing `name` + `version` (GovStack
   * `database/modify`). The JSON Schema is compiled first: an invalid one throws
   * `VALIDATION_FAILED` at `/schema`. `primaryKey`, `personalIdField` and `searchable` must name
   * properties of the schema. Existing records are not re-validated; their next write is.
   * Idempotent for an identical definition. Audit: `registry.schema.defined`.
   * @returns the stored definition with its numeric id.
   */
  defineRegistry(context: ActorContext, input: DefineRegistryInput): Promise<RegistryInfo>;

  /**
   * One registry's definition (GovStack `database/{id}`). Read-only, not audited.
   * @throws REGISTRY_NOT_FOUND
   */
  getRegistry(context: ActorContext, selector: RegistrySelector): Promise<RegistryInfo>;

  /** Every registry, ordered by id (GovStack `databases`). Read-only, not audited. */
  listRegistries(context: ActorContext): Promise<RegistryInfo[]>;

  /**
   * Deletes a registry and all its records. Audit: `registry.schema.deleted` with the number of
   * records removed.
   * @returns how many records were removed.
   * @throws REGISTRY_NOT_FOUND
   */
  deleteRegistry(
    context: ActorContext,
    selector: RegistrySelector,
  ): Promise<{ deletedRecords: number }>;

  /**
   * Creates a record with a new uuid. `content` is validated against the registry's schema.
   * Not idempotent (each call creates a record), unless `options.uuid` is given: the record then
   * gets that uuid, and a second call with the same uuid and equal content returns the existing
   * record (no new audit event); different content is `CONFLICT`. The registration engine uses
   * this to issue an approval's record exactly once. A remote registry whose API cannot choose
   * ids may ignore `uuid` (the record then has another). Audit: `registry.record.created`.
   */
  create(
    context: ActorContext,
    ref: RegistryRef,
    content: JsonObject,
    options?: { uuid?: string },
  ): Promise<RegistryRecord>;

  /**
   * The oldest record whose content contains `query` (JSON containment: every given field equal,
   * nested objects compared recursively). Audit: `registry.record.read` when read by another party.
   * @throws RECORD_NOT_FOUND when no record matches.
   */
  read(context: ActorContext, ref: RegistryRef, query: JsonObject): Promise<RegistryRecord>;

  /**
   * One record by uuid. Audit: `registry.record.read` when read by another party.
   * @throws RECORD_NOT_FOUND
   */
  get(context: ActorContext, ref: RegistryRef, uuid: string): Promise<RegistryRecord>;

  /** Whether any record contains `query`. Audit: a read of the first match, if any. */
  exists(context: ActorContext, ref: RegistryRef, query: JsonObject): Promise<boolean>;

  /**
   * Merges `write` into the oldest record matching `query` (top-level fields replaced) and
   * validates the result. Audit: `registry.record.updated`.
   * @throws RECORD_NOT_FOUND when nothing matches; VALIDATION_FAILED when the result is invalid.
   */
  update(context: ActorContext, ref: RegistryRef, input: UpdateInput): Promise<RegistryRecord>;

  /**
   * Merges `write` into every record matching `query`, all or none (each result validated
   * before anything is written). Audit: one `registry.record.updated` per record.
   * @returns how many records changed (0 when nothing matches — not an error).
   */
  updateEntries(
    context: ActorContext,
    ref: RegistryRef,
    input: UpdateInput,
  ): Promise<{ updated: number }>;

  /**
   * `update` when a record matches `query`, otherwise creates one from `query` merged with
   * `write`. Audit: `registry.record.updated` or `registry.record.created`.
   */
  updateOrCreate(
    context: ActorContext,
    ref: RegistryRef,
    input: UpdateInput,
  ): Promise<{ record: RegistryRecord; created: boolean }>;

  /**
   * Deletes the record whose uuid is `id`, or else the records whose primary key field equals
   * `id`. Idempotent: deleting what is not there returns `{ deleted: 0 }`.
   * Audit: `registry.record.deleted` per record.
   */
  delete(context: ActorContext, ref: RegistryRef, id: string): Promise<{ deleted: number }>;

  /**
   * One field of one record (GovStack `read-value/{field}.{ext}`). Audit: a read.
   * @throws RECORD_NOT_FOUND; FIELD_NOT_FOUND when the record has no such field.
   */
  readValue(context: ActorContext, ref: RegistryRef, uuid: string, field: string): Promise<unknown>;

  /**
   * Lists and searches records with filters and paging. Filters and ordering must name fields of
   * the schema (`VALIDATION_FAILED` otherwise). Audit: a read per returned record.
   */
  list(context: ActorContext, ref: RegistryRef, input?: ListRecordsInput): Promise<RecordPage>;

  /**
   * Who read or changed the records about a person, and why — answered from the audit events
   * the registry wrote (GovStack `MyPersonalDataUsage`). Reads by the person themselves are not
   * listed. Newest first. Read-only; not itself audited as a record read.
   */
  personalDataUsage(
    context: ActorContext,
    input: PersonalDataUsageInput,
  ): Promise<PersonalDataUsage[]>;
}

/** A field comparison as a store receives it: the field's JSON type is resolved. */
export interface StoreFilter {
  field: string;
  op: FilterOperator;
  value: string | number | boolean;
  /** How the store compares: numbers numerically, everything else as text. */
  kind: 'number' | 'text';
}

/** A query as the engine hands it to a store. */
export interface StoreQuery {
  match?: JsonObject;
  filters: StoreFilter[];
  search?: { text: string; fields: string[] };
  orderBy?: { field: string; direction: 'asc' | 'desc'; kind: 'number' | 'text' };
  offset: number;
  limit: number;
}

/** A registry definition as a store keeps it. */
export type StoredRegistry = RegistryInfo & { searchableKinds: Record<string, 'number' | 'text'> };

/**
 * Storage of registries and records. The engine ({@link Registry}) validates, audits and decides;
 * a store only persists and queries. Implementations: `memoryRegistryStore`, and
 * `sqlRegistryStore` in `@govblocks/registration/sql` (one PostgreSQL table per registry with
 * JSONB content and expression indexes on the searchable fields).
 *
 * Record order: creation order (`seq`) breaks every tie, so paging is stable.
 */
export interface RegistryStore {
  /** Runs `fn` atomically: on a throw, none of its writes remain. */
  transaction<T>(fn: (store: RegistryStoreTx) => Promise<T>): Promise<T>;
  /** Reads outside a transaction. */
  readonly read: RegistryStoreReads;
}

export interface RegistryStoreReads {
  getRegistry(selector: RegistrySelector): Promise<StoredRegistry | undefined>;
  listRegistries(): Promise<StoredRegistry[]>;
  getRecord(registryId: number, uuid: string): Promise<RegistryRecord | undefined>;
  /** Matching records of one page, and the total over all pages. */
  findRecords(
    registryId: number,
    query: StoreQuery,
  ): Promise<{ total: number; records: RegistryRecord[] }>;
}

export interface RegistryStoreTx extends RegistryStoreReads {
  /**
   * Inserts or replaces the definition of `name` + `version`, keeping the id of an existing one,
   * and creates whatever the store needs (tables, indexes).
   */
  saveRegistry(definition: Omit<StoredRegistry, 'id'>): Promise<StoredRegistry>;
  /** Removes a registry and its records; returns how many records went. */
  deleteRegistry(registryId: number): Promise<number>;
  /** Like `findRecords`, locking the matched records until the transaction ends. */
  findRecordsForUpdate(registryId: number, query: StoreQuery): Promise<RegistryRecord[]>;
  insertRecord(registryId: number, record: RegistryRecord): Promise<void>;
  /** Replaces content and `updatedAt` of existing records (by uuid). */
  updateRecords(registryId: number, records: readonly RegistryRecord[]): Promise<void>;
  deleteRecords(registryId: number, uuids: readonly string[]): Promise<void>;
}
