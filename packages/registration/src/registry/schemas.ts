import { z } from 'zod';

/** A registry's name as it appears in the URL (`data/{registryName}/{version}`). */
export const registryNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u, 'letters, digits, space, `_`, `.` and `-`');

/** A registry version: `1.0`, `111`, `2024-01`. */
export const registryVersionSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, `.`, `_` and `-`');

/** Which registry (and version) a call is about. */
export const registryRefSchema = z.strictObject({
  registry: registryNameSchema,
  version: registryVersionSchema,
});
export type RegistryRef = z.infer<typeof registryRefSchema>;

/** A top-level field of a registry's records. */
export const fieldNameSchema = z.string().min(1).max(128);

/** A JSON object (record content, query content). */
export const jsonObjectSchema = z.record(z.string(), z.unknown());
export type JsonObject = Record<string, unknown>;

/**
 * Creates or changes a registry (the GovStack "database schema"). Records are validated against
 * `schema` on every write.
 */
export const defineRegistryInputSchema = z.strictObject({
  name: registryNameSchema,
  version: registryVersionSchema,
  /** JSON Schema of one record (its `content`). Must describe an object. */
  schema: jsonObjectSchema,
  /**
   * The field whose value identifies a record in the registry's own numbering (GovStack's
   * `primaryKey`, e.g. `ID`). Deletion by id accepts either the record uuid or this value.
   */
  primaryKey: fieldNameSchema.optional(),
  /**
   * The field holding the identifier of the person a record is about. Reads and changes by
   * anyone else are reported by `personalDataUsage` for that person.
   */
  personalIdField: fieldNameSchema.optional(),
  /** Fields that can be filtered and sorted efficiently (the sql store indexes them). */
  searchable: z.array(fieldNameSchema).max(32).default([]),
  /** Short code of the registry group (GovStack `code`, also `DatabaseID` in personal data usage). */
  code: z.string().min(1).max(64).optional(),
  description: z.string().max(2_000).optional(),
  institution: z.string().max(256).optional(),
  groupName: z.string().max(256).optional(),
  catalogName: z.string().max(256).optional(),
});
export type DefineRegistryInput = z.input<typeof defineRegistryInputSchema>;

/** A registry as stored: the definition plus its numeric id and times. */
export const registryInfoSchema = z.object({
  /** Numeric id (GovStack `database/{id}`), assigned on first definition, kept on changes. */
  id: z.number().int().positive(),
  name: z.string(),
  version: z.string(),
  schema: jsonObjectSchema,
  primaryKey: z.string().optional(),
  personalIdField: z.string().optional(),
  searchable: z.array(z.string()),
  code: z.string().optional(),
  description: z.string().optional(),
  institution: z.string().optional(),
  groupName: z.string().optional(),
  catalogName: z.string().optional(),
  createdAt: z.string(),
  modifiedAt: z.string(),
});
export type RegistryInfo = z.infer<typeof registryInfoSchema>;

/** One record of a registry. */
export const registryRecordSchema = z.object({
  uuid: z.string(),
  registry: z.string(),
  version: z.string(),
  content: jsonObjectSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RegistryRecord = z.infer<typeof registryRecordSchema>;

/** Comparison of one field in a list filter. */
export const filterOperatorSchema = z.enum([
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'prefix',
  'contains',
]);
export type FilterOperator = z.infer<typeof filterOperatorSchema>;

export const fieldFilterSchema = z.strictObject({
  field: fieldNameSchema,
  op: filterOperatorSchema.default('eq'),
  value: z.union([z.string().max(1_024), z.number(), z.boolean()]),
});
export type FieldFilter = z.input<typeof fieldFilterSchema>;

/** Listing and search with filters and paging. Every condition must hold (AND). */
export const listRecordsInputSchema = z.strictObject({
  /** Records whose content contains this object (JSON containment, like `read`). */
  match: jsonObjectSchema.optional(),
  /** Field comparisons. Range operators compare numbers numerically and strings by code point. */
  filters: z.array(fieldFilterSchema).max(16).default([]),
  /** Case-insensitive substring looked for in `searchFields` (default: the searchable string fields). */
  search: z.string().min(1).max(256).optional(),
  searchFields: z.array(fieldNameSchema).max(32).optional(),
  /** Sort order; records with equal keys keep creation order. Default: creation order. */
  orderBy: z
    .strictObject({ field: fieldNameSchema, direction: z.enum(['asc', 'desc']).default('asc') })
    .optional(),
  /** 1-based page number. */
  page: z.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.number().int().min(1).max(1_000).default(10),
});
export type ListRecordsInput = z.input<typeof listRecordsInputSchema>;

export interface RecordPage {
  /** Records matching the conditions, over all pages. */
  count: number;
  page: number;
  pageSize: number;
  results: RegistryRecord[];
}

/** `query` finds the record(s); `write` is merged into their content (top-level fields replaced). */
export const updateInputSchema = z.strictObject({
  query: jsonObjectSchema,
  write: jsonObjectSchema,
});
export type UpdateInput = z.input<typeof updateInputSchema>;

/** Who used a person's data: one entry per read or change by someone else. */
export const personalDataUsageSchema = z.object({
  /** Id of the audit event this entry comes from. */
  id: z.string(),
  /** What was done: `read`, `created`, `updated`, `deleted`. */
  action: z.string(),
  readerId: z.string(),
  readerType: z.string(),
  /** The Information Mediator member (institution) of the reader, when known. */
  readerInstitutionId: z.string().optional(),
  /** The Information Mediator subsystem (application) of the reader, when known. */
  readerApplicationName: z.string().optional(),
  purpose: z.string().optional(),
  time: z.string(),
  registry: z.string().optional(),
  version: z.string().optional(),
  /** Record uuids concerned. */
  references: z.array(z.string()),
});
export type PersonalDataUsage = z.infer<typeof personalDataUsageSchema>;

export const personalDataUsageInputSchema = z.strictObject({
  /** The person's identifier, as stored in the registries' `personalIdField`. */
  personId: z.string().min(1).max(256),
  /** Only usage of registries with this code or name. */
  registry: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(10_000).default(1_000),
});
export type PersonalDataUsageInput = z.input<typeof personalDataUsageInputSchema>;
