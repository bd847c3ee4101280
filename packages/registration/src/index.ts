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
export {
  type DedupField,
  exactIdentifierDedup,
  normalisedNameBirthDateDedup,
  normaliseName,
  phoneticKeys,
  phoneticNameBirthDateDedup,
  soundsAlike,
  valueAt,
  weightedFieldsDedup,
} from './registration/dedup.js';
export { filesystemDocumentStore, memoryDocumentStore } from './registration/document-stores.js';
export {
  approvalRecordUuid,
  type CreateRegistrationServiceOptions,
  createRegistrationService,
  type EventDelivery,
  type ReconcileResult,
  type RegistrationEngine,
} from './registration/engine.js';
export {
  type MemoryBill,
  type MemoryFeeCollector,
  memoryFeeCollector,
} from './registration/fee-collector.js';
export { memoryRegistrationStore } from './registration/memory-store.js';
export {
  type DedupStrategy,
  type DocumentStore,
  type FeeBill,
  type FeeCollector,
  type PaymentConfirmation,
  type PendingStep,
  type QueuedRegistrationEvent,
  type RegistrationEvent,
  type RegistrationEventSink,
  type RegistrationService,
  type RegistrationStore,
  type RegistrationStoreTx,
  registrationAdminRole,
  registrationOperationsRole,
  registrationPaymentsRole,
  registrationSpecificationVersion,
} from './registration/ports.js';
export {
  type Application,
  type ApplicationFilter,
  type ApplicationPayment,
  applicationFilterSchema,
  applicationPaymentSchema,
  applicationSchema,
  type CompleteTaskInput,
  type CreateApplicationInput,
  completeTaskInputSchema,
  createApplicationInputSchema,
  type DefineServiceInput,
  type DocumentRef,
  defineServiceInputSchema,
  type EForm,
  type EService,
  eServiceSchema,
  type Fee,
  type FeedbackInput,
  feedbackInputSchema,
  feeSchema,
  type HistoryEntry,
  type PaymentStep,
  paymentStepSchema,
  type ReviewStep,
  reviewStepSchema,
  type Task,
  type TaskFilter,
  taskFilterSchema,
  taskSchema,
  type UploadDocumentInput,
  uploadDocumentInputSchema,
  type WorkflowStep,
  workflowStepSchema,
} from './registration/schemas.js';
export {
  collectServiceMeasures,
  collectServiceMeasuresByPeriod,
  computeServiceMeasures,
  computeServiceMeasuresByPeriod,
  maximumStatisticsPeriods,
  type PeriodMeasures,
  type ServiceMeasures,
  type StatisticsFilter,
  type SuppressedCount,
  serviceMeasuresCsv,
  serviceMeasuresJsonSchema,
  statisticsFilterSchema,
} from './registration/statistics.js';
export {
  type ApplicationAction,
  type ApplicationStatus,
  applicationActions,
  applicationStatuses,
  isFinal,
  nextStatus,
  transitionTable,
} from './registration/transitions.js';
export { type CreateRegistryOptions, createRegistry } from './registry/engine.js';
export { memoryRegistryStore } from './registry/memory-store.js';
export {
  exportRegistryOpenData,
  type RegistryOpenData,
  type RegistryOpenDataInput,
  registryOpenDataInputSchema,
} from './registry/open-data.js';
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
