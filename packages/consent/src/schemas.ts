/**
 * The consent model as zod schemas — the single source of the package's types. It follows
 * GovStack Consent BB §7 (`spec/7-data-structures.md`, `api/consent-openapi.yaml`): Policy,
 * DataAgreement (+ attributes, controller, lifecycle), Individual, ConsentRecord, Signature,
 * Revision, Webhook. Relations are carried as ids (`policyId`, `dataAgreementId`, …); the HTTP
 * binding renders them in the GovStack wire shape.
 *
 * Inputs are strict (unknown fields are rejected); stored objects are what the engine returns.
 */
import { z } from 'zod';

/** An object id: UUIDv7 for objects this engine creates; imported ids (e.g. GovStack fixtures' `"1"`) are kept. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be an id (letters, digits, . _ : -)');

const text = (max = 1024) => z.string().min(1).max(max);
const optionalText = (max = 1024) => z.string().max(max).optional();
const isoTime = z.iso.datetime({ offset: true });

/** Lowercase hex SHA-256. */
export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest');

/** Paging of every list: `offset` from 0, `limit` 1–500 (default 50). */
export const pageQuerySchema = z.strictObject({
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
/** Paging of a list call. */
export interface PageQuery {
  offset?: number;
  limit?: number;
}

/** One page of a list, with the total count of matching items. */
export interface Page<T> {
  items: T[];
  offset: number;
  limit: number;
  total: number;
}

/** Fields every stored, revisioned object carries. */
const stored = {
  id: idSchema,
  /**
   * How many revisions this object has had (1 after create). It is the optimistic concurrency
   * token: pass it back as `expectedRevisionNumber` to update only what you read.
   */
  revisionNumber: z.number().int().min(1),
  /** Id of the object's latest {@link Revision}. */
  revisionId: idSchema,
  createdAt: isoTime,
  updatedAt: isoTime,
};

// ---------------------------------------------------------------------------------------------
// Policy

export const policyFieldsSchema = z.strictObject({
  name: text(256),
  /** Version of the policy document (free text, e.g. `1.0`). */
  version: text(64),
  /** Permanent URL of this very version of the policy. */
  url: z.url().max(2048),
  jurisdiction: optionalText(256),
  industrySector: optionalText(256),
  dataRetentionPeriodDays: z.number().int().min(0).max(365_000).optional(),
  geographicRestriction: optionalText(256),
  storageLocation: optionalText(256),
});
export type PolicyFields = z.infer<typeof policyFieldsSchema>;

export const policySchema = z.object({ ...policyFieldsSchema.shape, ...stored });
/** A policy governing data agreements of a data controller (GovStack `Policy`). */
export type Policy = z.infer<typeof policySchema>;

// ---------------------------------------------------------------------------------------------
// Data agreement

export const lawfulBases = [
  'consent',
  'legal_obligation',
  'contract',
  'vital_interest',
  'public_task',
  'legitimate_interest',
] as const;
export const lawfulBasisSchema = z.enum(lawfulBases);
export type LawfulBasis = z.infer<typeof lawfulBasisSchema>;

/** `draft` agreements can be edited in place; `complete` ones are published and immutable per version. */
export const lifecycleSchema = z.enum(['draft', 'complete']);
export type Lifecycle = z.infer<typeof lifecycleSchema>;

export const controllerSchema = z.strictObject({
  name: text(256),
  url: z.url().max(2048),
});
export type Controller = z.infer<typeof controllerSchema>;

export const dataAgreementAttributeSchema = z.strictObject({
  /** Stable id within the agreement; generated when omitted. */
  id: idSchema.optional(),
  /** The personal data attribute, e.g. `name`, `date_of_birth`. */
  name: text(256),
  /** Category of sensitivity, e.g. `personal`, `sensitive`. */
  sensitivity: text(128),
  /** Data category the attribute belongs to, e.g. `identity`, `health`. Matched by `requireConsent`. */
  category: text(128),
});
export type DataAgreementAttributeInput = z.infer<typeof dataAgreementAttributeSchema>;
export type DataAgreementAttribute = DataAgreementAttributeInput & { id: string };

export const dataAgreementFieldsSchema = z.strictObject({
  /** Version of the agreement text. A published (`complete`) agreement changes only by a new version. */
  version: text(64),
  controller: controllerSchema.optional(),
  /** The policy governing this agreement. */
  policyId: idSchema.optional(),
  /** Purpose of processing, shown to the individual. Also the key `requireConsent` looks up by. */
  purpose: text(512),
  /** A human-readable description of the purpose. */
  purposeDescription: optionalText(4096),
  lawfulBasis: lawfulBasisSchema,
  /** `data_source` / `data_using_service`, or absent. */
  dataUse: z.enum(['data_source', 'data_using_service']).optional(),
  /** Data protection impact assessment reference. */
  dpia: z.string().max(4096),
  /** New consent records can be created only while active. */
  active: z.boolean().default(false),
  /** A withdrawn record of this agreement may be deleted on a right-to-be-forgotten request. */
  forgettable: z.boolean().default(false),
  /** Id of a previous agreement whose records may transfer to this one. */
  compatibleWithVersionId: idSchema.optional(),
  lifecycle: lifecycleSchema.default('draft'),
  /** The personal data attributes covered. */
  attributes: z.array(dataAgreementAttributeSchema).max(256).default([]),
});
export type DataAgreementFieldsInput = z.input<typeof dataAgreementFieldsSchema>;

export const dataAgreementSchema = z.object({
  ...dataAgreementFieldsSchema.shape,
  attributes: z.array(dataAgreementAttributeSchema.extend({ id: idSchema })),
  ...stored,
});
/** A purpose that individuals consent to (GovStack `DataAgreement`). */
export type DataAgreement = z.infer<typeof dataAgreementSchema>;

// ---------------------------------------------------------------------------------------------
// Individual

export const individualFieldsSchema = z.strictObject({
  /** Reference to a foundational/functional id. Personal data. */
  externalId: optionalText(256),
  /** What `externalId` is, e.g. `foundational id`, `email`. */
  externalIdType: optionalText(128),
  /** Which identity provider issued `externalId`. */
  identityProviderId: optionalText(256),
});
export type IndividualFields = z.infer<typeof individualFieldsSchema>;

export const individualSchema = z.object({ ...individualFieldsSchema.shape, ...stored });
/** A person as the consent system knows them (GovStack `Individual`). */
export type Individual = z.infer<typeof individualSchema>;

// ---------------------------------------------------------------------------------------------
// Consent record

export const consentRecordStateSchema = z.enum(['unsigned', 'pending', 'signed']);
export type ConsentRecordState = z.infer<typeof consentRecordStateSchema>;

/** The notice the individual saw when deciding: input form (the engine hashes `text`). */
export const noticeInputSchema = z.union([
  z.strictObject({ text: z.string().min(1).max(1_000_000), language: text(35) }),
  z.strictObject({ textHash: sha256HexSchema, language: text(35) }),
]);
export type NoticeInput = z.infer<typeof noticeInputSchema>;

/** The notice binding stored with an opt-in/opt-out: what text, in which language, of which agreement version. */
export const noticeSchema = z.object({
  /** SHA-256 (hex) of the rendered agreement text as shown. */
  textHash: sha256HexSchema,
  /** BCP 47 language tag of the text. */
  language: text(35),
  /** The agreement `version` the text rendered. */
  agreementVersion: text(64),
});
export type Notice = z.infer<typeof noticeSchema>;

export const consentRecordSchema = z.object({
  ...stored,
  individualId: idSchema,
  dataAgreementId: idSchema,
  /** The agreement revision consented to (pinned: later agreement edits do not change it). */
  dataAgreementRevisionId: idSchema,
  /** Copy of that revision's `serializedHash`, so the record is bound to the exact text. */
  dataAgreementRevisionHash: z.string().min(1).max(128),
  /** `true` opted in, `false` opted out or withdrew, `null` not decided yet. */
  optIn: z.boolean().nullable(),
  state: consentRecordStateSchema,
  /** The latest signature of this record, if signed. */
  signatureId: idSchema.nullable(),
  notice: noticeSchema.nullable(),
  /** `serializedHash` of the record's latest revision (what `check` reports it rests on). */
  revisionHash: sha256HexSchema,
});
/** One individual's consent to one data agreement revision (GovStack `ConsentRecord`). */
export type ConsentRecord = z.infer<typeof consentRecordSchema>;

/** A draft record (GovStack: a record "without a PK"), not stored. */
export const consentRecordDraftSchema = consentRecordSchema
  .omit({
    id: true,
    revisionNumber: true,
    revisionId: true,
    revisionHash: true,
    createdAt: true,
    updatedAt: true,
  })
  .extend({ id: z.null() });
export type ConsentRecordDraft = z.infer<typeof consentRecordDraftSchema>;

// ---------------------------------------------------------------------------------------------
// Signature

export const signatureSchema = z.object({
  id: idSchema.nullable(),
  /** Canonical JSON of the signed fields (see the GovStack `Signature.payload` description). */
  payload: z.string(),
  /** The signature of `payload`, in the format `verificationMethod` names; empty until signed. */
  signature: z.string(),
  /** `jws` (compact JWS over `payload`), `pgp`, `manual`, … */
  verificationMethod: text(64),
  /** The revision snapshot being signed. */
  verificationPayload: z.string(),
  /** SHA-256 hex of `verificationPayload`. */
  verificationPayloadHash: z.string(),
  verificationArtifact: z.string().max(1_000_000).optional(),
  /** Key fingerprint, token subject or a name snapshot identifying the signer. */
  verificationSignedBy: text(1024),
  verificationSignedAs: z.enum(['individual', 'delegate']).optional(),
  verificationJwsHeader: z.string().max(4096).optional(),
  timestamp: isoTime,
  signedWithoutObjectReference: z.boolean().optional(),
  objectType: z.enum(['revision', 'signature']),
  objectReference: z.string().nullable(),
});
/** A signature of a revision (GovStack `Signature`). */
export type Signature = z.infer<typeof signatureSchema>;

/** What a signer supplies to start a signature: the engine fills in payload and hashes. */
export const signatureRequestSchema = z.strictObject({
  verificationMethod: text(64),
  verificationSignedBy: text(1024),
  verificationSignedAs: z.enum(['individual', 'delegate']).optional(),
  verificationArtifact: z.string().max(1_000_000).optional(),
  verificationJwsHeader: z.string().max(4096).optional(),
});
export type SignatureRequest = z.infer<typeof signatureRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Revision

export const revisionSchemaNames = [
  'Policy',
  'DataAgreement',
  'Individual',
  'ConsentRecord',
  'Webhook',
] as const;
export const revisionSchemaNameSchema = z.enum(revisionSchemaNames);
export type RevisionSchemaName = z.infer<typeof revisionSchemaNameSchema>;

export const revisionSchema = z.object({
  id: idSchema,
  schemaName: revisionSchemaNameSchema,
  objectId: idSchema,
  /** 1-based position in the object's history. */
  number: z.number().int().min(1),
  signedWithoutObjectId: z.boolean(),
  /**
   * RFC 8785 canonical JSON of `{ schemaName, objectId, number, timestamp, authorizedByIndividual,
   * authorizedByOther, objectData, predecessorHash }`. Includes `predecessorHash`, so the hash
   * chain is tamper-evident (GovStack's snapshot leaves it out).
   */
  serializedSnapshot: z.string(),
  /** SHA-256 hex of `serializedSnapshot` (GovStack names SHA-1; the field name is kept). */
  serializedHash: sha256HexSchema,
  timestamp: isoTime,
  /** The individual who authorised this change, when one did. */
  authorizedByIndividual: idSchema.nullable(),
  /** The operator or service that authorised this change, otherwise. */
  authorizedByOther: z.string().nullable(),
  /** The next revision, once there is one (the only field that changes after writing). */
  successorId: idSchema.nullable(),
  /** `serializedHash` of the previous revision; `null` for the first. */
  predecessorHash: sha256HexSchema.nullable(),
  /** `signature` of the previous revision, when it was signed. */
  predecessorSignature: z.string().nullable(),
  /** The organisation's compact JWS over `serializedHash`, when the engine has a signer. */
  signature: z.string().nullable(),
  /** True for the revision written when the object was deleted. */
  deleted: z.boolean(),
});
/** One immutable, hash-linked snapshot of an object (GovStack `Revision`). */
export type Revision = z.infer<typeof revisionSchema>;

// ---------------------------------------------------------------------------------------------
// Webhook

export const webhookEventTypes = [
  'consent.record.created',
  'consent.record.updated',
  'consent.record.withdrawn',
  'consent.record.signed',
  'consent.records.deleted',
  'consent.agreement.changed',
] as const;
export const webhookEventTypeSchema = z.enum(webhookEventTypes);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

export const webhookFieldsSchema = z.strictObject({
  payloadUrl: z.url({ protocol: /^https?$/ }).max(2048),
  contentType: z.enum(['application/json']).default('application/json'),
  disabled: z.boolean().default(false),
  /** Shared secret for the HMAC-SHA256 signature of each delivery. */
  secretKey: z.string().min(16).max(256),
  /** Events delivered; all when empty. */
  events: z.array(webhookEventTypeSchema).max(webhookEventTypes.length).default([]),
});
export type WebhookFieldsInput = z.input<typeof webhookFieldsSchema>;

export const webhookSchema = z.object({
  ...webhookFieldsSchema.shape,
  events: z.array(webhookEventTypeSchema),
  ...stored,
});
/** A subscription to change notifications (GovStack `Webhook`). */
export type Webhook = z.infer<typeof webhookSchema>;

// ---------------------------------------------------------------------------------------------
// Check / guard

export const checkInputSchema = z
  .strictObject({
    individualId: idSchema,
    /** The agreement to check; or give `purpose`. */
    dataAgreementId: idSchema.optional(),
    /** The purpose to check (matched exactly against agreement purposes). */
    purpose: text(512).optional(),
    /** Attribute names or data categories that must be covered by the agreement. */
    attributes: z.array(text(256)).max(256).optional(),
  })
  .refine((value) => (value.dataAgreementId === undefined) !== (value.purpose === undefined), {
    message: 'give exactly one of dataAgreementId and purpose',
  });
export type CheckInput = z.input<typeof checkInputSchema>;

export const consentDecisionReasons = [
  /** The individual opted in to the agreement revision named in the decision. */
  'OPTED_IN',
  /** The agreement's lawful basis is not consent; no opt-in is needed. */
  'LAWFUL_BASIS_NOT_CONSENT',
  /** No agreement with that id or purpose exists. */
  'AGREEMENT_NOT_FOUND',
  /** The agreement is inactive (or a draft): nothing may rest on it. */
  'AGREEMENT_INACTIVE',
  /** The agreement does not cover every requested attribute / data category. */
  'ATTRIBUTES_NOT_COVERED',
  /** The individual has no consent record for the agreement. */
  'NO_RECORD',
  /** The record exists but no decision was recorded (`optIn: null`). */
  'NOT_DECIDED',
  /** The individual opted out or withdrew. */
  'WITHDRAWN',
] as const;
export type ConsentDecisionReason = (typeof consentDecisionReasons)[number];

/** The answer of `check()`: allowed or not, why, and the record revision the answer rests on. */
export const consentDecisionSchema = z.object({
  allowed: z.boolean(),
  reason: z.enum(consentDecisionReasons),
  individualId: idSchema,
  dataAgreementId: idSchema.nullable(),
  consentRecordId: idSchema.nullable(),
  /** The consent record revision the decision rests on (`null` without a record). */
  revisionId: idSchema.nullable(),
  revisionHash: z.string().nullable(),
  /** The record's revision number: compare to detect a change since. */
  revisionNumber: z.number().int().nullable(),
  checkedAt: isoTime,
});
export type ConsentDecision = z.infer<typeof consentDecisionSchema>;

export const requireConsentInputSchema = z.strictObject({
  /** The individual's id in the consent system. */
  individual: idSchema,
  purpose: text(512),
  /** Data categories (or attribute names) about to be used. */
  dataCategories: z.array(text(256)).max(256).default([]),
});
export type RequireConsentInput = z.input<typeof requireConsentInputSchema>;
