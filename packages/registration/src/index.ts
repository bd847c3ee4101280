/** The name of this block, as it appears in audit events and CLI commands. */
export const blockName = 'registration' as const;

export {
  type AuditReader,
  type AuditSubjectQuery,
  type MemoryAuditTrail,
  memoryAuditTrail,
  type RecordedAuditEvent,
} from './audit/audit-reader.js';
export { hasCode, RegistrationError, type RegistrationErrorCode } from './errors.js';
export {
  ajvFieldErrors,
  type CompiledSchema,
  createSchemaCompiler,
  type JsonSchema,
  type SchemaCompiler,
} from './json-schema.js';
export { type CreateRegistryOptions, createRegistry } from './registry/engine.js';
export { memoryRegistryStore } from './registry/memory-store.js';
export {
  type Registry,
  type RegistrySelector,
  type RegistryStore,
  type RegistryStoreReads,
  type RegistryStoreTx,
  registrySpecificationVersion,
  type StoredRegistry,
  type StoreFilter,
  type StoreQuery,
} from './registry/ports.js';
export { jsonContains } from './registry/query-match.js';
export {
  type DefineRegistryInput,
  defineRegistryInputSchema,
  type FieldFilter,
  type FilterOperator,
  type JsonObject,
  type ListRecordsInput,
  listRecordsInputSchema,
  type PersonalDataUsage,
  type PersonalDataUsageInput,
  personalDataUsageInputSchema,
  personalDataUsageSchema,
  type RecordPage,
  type RegistryInfo,
  type RegistryRecord,
  type RegistryRef,
  registryInfoSchema,
  registryRecordSchema,
  registryRefSchema,
  type UpdateInput,
  updateInputSchema,
} from './registry/schemas.js';
