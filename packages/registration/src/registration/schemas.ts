import { moneySchema } from '@govblocks/core';
import { z } from 'zod';
import { applicationActions, applicationStatuses } from './transitions.js';

const key = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and `-`');
const jsonObject = z.record(z.string(), z.unknown());

/** A JSON pointer into form data, e.g. `/child/lastName`. */
const pointer = z.string().regex(/^(\/[^/]*)*$/, 'a JSON pointer such as /child/lastName');

export const eFormInputSchema = z.strictObject({
  key,
  name: z.string().min(1).max(256),
  description: z.string().max(2_000).optional(),
  /** JSON Schema of the form data. */
  schema: jsonObject,
  /** Rendering hints for form builders (field order, widgets, labels per language). Not interpreted. */
  ui: jsonObject.default({}),
});

export const requiredDocumentSchema = z.strictObject({
  key,
  name: z.string().min(1).max(256),
  /** Accepted media types, e.g. `['application/pdf', 'image/jpeg']`. */
  contentTypes: z.array(z.string().min(3).max(128)).min(1).max(32),
  /** Largest accepted size in bytes. Default 10 MiB. */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** Must be present before submission. Default true. */
  required: z.boolean().default(true),
});

/** An operator step: a task for the role, completed with approve / reject / request information. */
export const reviewStepSchema = z.strictObject({
  key,
  name: z.string().min(1).max(256),
  type: z.literal('review').optional(),
  /** The role an operator needs to claim and complete this step's task. */
  role: z.string().min(1).max(128),
});

/**
 * A payment step: the application waits in `payment_pending` for the sum of the named fees (one
 * currency); a bill is opened through the engine's `FeeCollector`, and the step completes when
 * `confirmPayment` receives the payment.
 */
export const paymentStepSchema = z.strictObject({
  key,
  name: z.string().min(1).max(256),
  type: z.literal('payment'),
  /** Keys of the e-service's `fees` to collect at this step. */
  fees: z.array(key).min(1).max(16),
});

export const workflowStepSchema = z.union([reviewStepSchema, paymentStepSchema]);
export type WorkflowStep = z.infer<typeof workflowStepSchema>;
export type ReviewStep = z.infer<typeof reviewStepSchema>;
export type PaymentStep = z.infer<typeof paymentStepSchema>;

/** A fee of an e-service (GovStack "Payment/fee"): a fixed amount in minor units of a currency. */
export const feeSchema = z.strictObject({
  key,
  name: z.string().min(1).max(256),
  description: z.string().max(2_000).optional(),
  /** Integer minor units + ISO 4217 currency: `{ amount: 1500, currency: 'EUR' }` is EUR 15.00. */
  amount: moneySchema.refine((value) => value.amount > 0, 'a fee is more than zero'),
});
export type Fee = z.infer<typeof feeSchema>;

const nonNegativeMoney = moneySchema.refine((value) => value.amount >= 0, 'not negative');
const moneyValue = z.object({ amount: z.number().int(), currency: z.string() });

/** Where an approved application's data goes: a registry record built from the form data. */
export const registryTargetSchema = z.strictObject({
  registry: z.string().min(1).max(128),
  version: z.string().min(1).max(32),
  /**
   * Registry field → source: a JSON pointer into the form data, or `$applicationId`,
   * `$applicantId`, `$decidedAt`.
   */
  fields: z.record(
    z.string().min(1),
    z.union([pointer, z.enum(['$applicationId', '$applicantId', '$decidedAt'])]),
  ),
});

export const defineServiceInputSchema = z.strictObject({
  key,
  name: z.string().min(1).max(256),
  description: z.string().max(2_000).optional(),
  /** The application form(s); the first is the one applications are made with. */
  eForms: z.array(eFormInputSchema).min(1).max(8),
  requiredDocuments: z.array(requiredDocumentSchema).max(32).default([]),
  /** Steps, in order: operator reviews and payments. At least one. */
  workflow: z.array(workflowStepSchema).min(1).max(16),
  /** Fees payment steps collect. */
  fees: z.array(feeSchema).max(32).default([]),
  /**
   * What handling one application costs the agency (staff time, printing…), recorded on every
   * decided application and reported as cost per transaction with the collection costs.
   */
  processingCost: nonNegativeMoney.optional(),
  registry: registryTargetSchema.optional(),
});
export type DefineServiceInput = z.input<typeof defineServiceInputSchema>;

export const eFormSchema = eFormInputSchema.extend({ id: z.string(), version: z.number().int() });
export type EForm = z.infer<typeof eFormSchema>;

export const eServiceSchema = z.object({
  id: z.string(),
  key: z.string(),
  /** 1 for the first definition of `key`, then 2, 3… Applications keep the version they started on. */
  version: z.number().int().positive(),
  latest: z.boolean(),
  name: z.string(),
  description: z.string().optional(),
  eForms: z.array(eFormSchema),
  requiredDocuments: z.array(requiredDocumentSchema),
  workflow: z.array(workflowStepSchema),
  /** Absent on services defined before fees existed. */
  fees: z.array(feeSchema).optional(),
  processingCost: moneyValue.optional(),
  registry: registryTargetSchema.optional(),
  createdAt: z.string(),
});
export type EService = z.infer<typeof eServiceSchema>;

export const documentRefSchema = z.object({
  id: z.string(),
  key: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  /** Hex SHA-256 of the content, recorded at upload. */
  sha256: z.string(),
  uploadedAt: z.string(),
});
export type DocumentRef = z.infer<typeof documentRefSchema>;

export const historyEntrySchema = z.object({
  action: z.enum(applicationActions).or(z.literal('create')),
  from: z.enum(applicationStatuses).optional(),
  to: z.enum(applicationStatuses),
  at: z.string(),
  actorId: z.string(),
  step: z.string().optional(),
  reason: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** A payment asked for by a payment step. */
export const applicationPaymentSchema = z.object({
  /** Opaque to fee collectors; `<application id>.<step key>`. */
  billId: z.string(),
  stepKey: z.string(),
  amount: moneyValue,
  lines: z.array(z.object({ key: z.string(), name: z.string(), amount: moneyValue })),
  status: z.enum(['pending', 'paid', 'cancelled']),
  requestedAt: z.string(),
  /** Where the applicant pays, as the fee collector answered when the bill was opened. */
  collector: z
    .object({ reference: z.string().optional(), paymentUrl: z.string().optional() })
    .optional(),
  paidAt: z.string().optional(),
  /** The payment system's reference of the payment. */
  reference: z.string().optional(),
  /** What collecting the payment cost (rail or card fees), when the payment system reports it. */
  collectionCost: moneyValue.optional(),
});
export type ApplicationPayment = z.infer<typeof applicationPaymentSchema>;

export const applicationSchema = z.object({
  id: z.string(),
  serviceId: z.string(),
  serviceKey: z.string(),
  serviceVersion: z.number().int(),
  eFormId: z.string(),
  applicantId: z.string(),
  /** Free-text name of the application (GovStack `applicationName`). */
  name: z.string().optional(),
  status: z.enum(applicationStatuses),
  formData: jsonObject,
  documents: z.array(documentRefSchema),
  /** Index of the workflow step under way (or next). */
  currentStep: z.number().int(),
  /** The last request for information, shown to the applicant. */
  informationRequest: z.object({ reason: z.string(), at: z.string() }).optional(),
  decision: z
    .object({ decision: z.enum(['approved', 'rejected']), reason: z.string(), at: z.string() })
    .optional(),
  registryRecord: z
    .object({ registry: z.string(), version: z.string(), uuid: z.string() })
    .optional(),
  feedback: z
    .object({ rating: z.number().int(), comment: z.string().optional(), at: z.string() })
    .optional(),
  /** Payments asked for by payment steps, oldest first. */
  payments: z.array(applicationPaymentSchema).optional(),
  /**
   * What the transaction cost, recorded at the decision: the e-service's processing cost plus
   * the collection costs of its payments, one entry per currency.
   */
  transactionCost: z.array(moneyValue).optional(),
  history: z.array(historyEntrySchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Optimistic concurrency: incremented by every change. */
  revision: z.number().int(),
});
export type Application = z.infer<typeof applicationSchema>;

export const taskSchema = z.object({
  id: z.string(),
  applicationId: z.string(),
  serviceId: z.string(),
  serviceKey: z.string(),
  stepKey: z.string(),
  stepName: z.string(),
  role: z.string(),
  status: z.enum(['open', 'claimed', 'completed', 'cancelled']),
  assigneeId: z.string().optional(),
  decision: z.enum(['approve', 'reject', 'request_information']).optional(),
  reason: z.string().optional(),
  createdAt: z.string(),
  claimedAt: z.string().optional(),
  completedAt: z.string().optional(),
  revision: z.number().int(),
});
export type Task = z.infer<typeof taskSchema>;

export const createApplicationInputSchema = z.strictObject({
  /** The e-service key (its latest version) or id. */
  service: z.string().min(1).max(128),
  formData: jsonObject.default({}),
  /** Free-text name of the application (GovStack `applicationName`). */
  name: z.string().min(1).max(256).optional(),
  /** For an operator filing for someone at a counter; a person always files for themselves. */
  applicantId: z.string().min(1).max(256).optional(),
});
export type CreateApplicationInput = z.input<typeof createApplicationInputSchema>;

export const uploadDocumentInputSchema = z.strictObject({
  /** The required-document key of the e-service. */
  key,
  fileName: z.string().min(1).max(256),
  contentType: z.string().min(3).max(128),
  content: z.instanceof(Uint8Array),
});
export type UploadDocumentInput = z.input<typeof uploadDocumentInputSchema>;

export const completeTaskInputSchema = z.strictObject({
  decision: z.enum(['approve', 'reject', 'request_information']),
  /** Why — shown to the applicant for a rejection or a request for information. Required. */
  reason: z.string().min(1).max(2_000),
});
export type CompleteTaskInput = z.input<typeof completeTaskInputSchema>;

export const applicationFilterSchema = z.strictObject({
  serviceId: z.string().max(128).optional(),
  serviceKey: z.string().max(128).optional(),
  applicantId: z.string().max(256).optional(),
  status: z.enum(applicationStatuses).optional(),
  limit: z.number().int().min(1).max(1_000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type ApplicationFilter = z.input<typeof applicationFilterSchema>;

export const taskFilterSchema = z.strictObject({
  applicationId: z.string().max(128).optional(),
  assigneeId: z.string().max(256).optional(),
  status: z.enum(['open', 'claimed', 'completed', 'cancelled']).optional(),
  /** Only tasks for these roles (default: every role the operator holds). */
  roles: z.array(z.string()).optional(),
  limit: z.number().int().min(1).max(1_000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type TaskFilter = z.input<typeof taskFilterSchema>;

export const feedbackInputSchema = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z.string().max(2_000).optional(),
});
export type FeedbackInput = z.input<typeof feedbackInputSchema>;
