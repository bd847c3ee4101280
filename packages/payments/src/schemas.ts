import { currencySchema, moneySchema } from '@govblocks/core';
import { z } from 'zod';
import { batchStates, instructionStates } from './state-machine.js';

/**
 * Zod schemas of `@govblocks/payments`: the single source of its types. Inputs are strict
 * (unknown fields are refused); money is always integer minor units plus an ISO 4217 currency
 * (`@govblocks/core`'s `Money`), except in file rows, where amounts are decimal strings that
 * are parsed exactly (never through a float).
 */

/** A rail's name as configured in `createPaymentService({ rails })`: `simulator`, `mojaloop`, … */
export const railNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes');

/** An identifier we did not mint (functional id, instruction id, batch id): printable, no spaces. */
const externalIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,64}$/, '1–64 printable ASCII characters without spaces');

/** GovStack's payment modalities (`PaymentModality` 00–04 in the G2P API). */
export const paymentModalitySchema = z.enum([
  'bank_account',
  'mobile_money',
  'voucher',
  'digital_wallet',
  'proxy',
]);
export type PaymentModality = z.infer<typeof paymentModalitySchema>;

const beneficiaryFields = z.strictObject({
  /** The payee's functional id (a national id token, a programme id). Personal data. */
  functionalId: externalIdSchema,
  modality: paymentModalitySchema.optional(),
  /** Account number, IBAN, MSISDN, wallet id… Personal data. */
  financialAddress: z.string().min(1).max(64).optional(),
  /** The rail that pays this address. */
  rail: railNameSchema.optional(),
  /** Bank or provider code, when the rail needs it. */
  institution: z.string().min(1).max(64).optional(),
});

/**
 * A beneficiary as registered in the account mapper: functional id → financial address. The G2P
 * API lets a beneficiary be registered before its account is known (only the functional id):
 * such a beneficiary is not payable (`lookup` answers `found: false`) until an update gives it a
 * financial address, a modality and a rail, which always go together.
 */
export const beneficiaryInputSchema = beneficiaryFields.refine(
  (value) =>
    value.financialAddress === undefined ||
    (value.modality !== undefined && value.rail !== undefined),
  { message: 'a financial address needs a modality and a rail', path: ['financialAddress'] },
);
export type BeneficiaryInput = z.infer<typeof beneficiaryInputSchema>;

export const beneficiarySchema = beneficiaryFields.extend({
  /** Who registered the beneficiary (`X-Registering-Institution-ID` in the G2P API). */
  registeredBy: z.string().min(1).max(256),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().min(1),
});
export type Beneficiary = z.infer<typeof beneficiarySchema>;

/** A change to a registered beneficiary: everything but the functional id is optional. */
export const beneficiaryUpdateSchema = beneficiaryFields.partial().required({ functionalId: true });
export type BeneficiaryUpdate = z.infer<typeof beneficiaryUpdateSchema>;

/** What the account mapper answers for one functional id. */
export type AccountLookup =
  | {
      functionalId: string;
      found: true;
      rail: string;
      modality: PaymentModality;
      financialAddress: string;
      institution?: string;
    }
  | { functionalId: string; found: false };

/**
 * One row of a bulk file (CSV columns or JSON fields of the same names). `amount` is a decimal
 * string in the currency's major unit (`"10.50"`), parsed exactly; a JSON number is refused so
 * that no float ever carries money.
 */
export const batchRowSchema = z.strictObject({
  instructionId: externalIdSchema,
  payeeFunctionalId: externalIdSchema,
  amount: z.string().regex(/^\d{1,15}(\.\d{1,4})?$/, 'a positive decimal string such as 10.50'),
  currency: currencySchema,
  narration: z.string().max(140).optional(),
});
export type BatchRow = z.infer<typeof batchRowSchema>;

/** Declared control totals of a file: the row count and the sum of amounts in minor units. */
export const controlTotalsSchema = z.strictObject({
  count: z.number().int().min(0),
  sum: z.number().int().min(0).refine(Number.isSafeInteger, 'not a safe integer'),
});
export type ControlTotals = z.infer<typeof controlTotalsSchema>;

/** Options of `createBatch` other than the rows themselves. */
export const createBatchOptionsSchema = z.strictObject({
  /** The caller's id for the batch; generated (UUIDv7) when absent. Re-using one is a conflict. */
  batchId: externalIdSchema.optional(),
  currency: currencySchema,
  control: controlTotalsSchema,
  /** `csv` (header row, RFC 4180), `json` (an array of rows) or `ndjson` (one row per line). */
  format: z.enum(['csv', 'json', 'ndjson']),
  /** Not before this time (ISO 8601); `processBatch` refuses earlier. */
  scheduledFor: z.iso.datetime().optional(),
  /** Free text shown to approvers. No personal data. */
  description: z.string().max(256).optional(),
});
export type CreateBatchOptions = z.infer<typeof createBatchOptionsSchema>;

const totalsSchema = z.object({ count: z.number().int(), sum: z.number().int() });
export type Totals = z.infer<typeof totalsSchema>;

export const approvalSchema = z.object({ actorId: z.string(), at: z.iso.datetime() });

/** A batch as stored. */
export const batchSchema = z.object({
  batchId: z.string(),
  state: z.enum(batchStates),
  currency: z.string(),
  description: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  scheduledFor: z.iso.datetime().optional(),
  declared: totalsSchema,
  /** Every data row of the file and the sum of every amount that parsed. */
  computed: totalsSchema,
  /** Rows that became instructions. */
  accepted: totalsSchema,
  /** Rows held with a reason (see the validation report). `accepted + held = computed`. */
  held: totalsSchema,
  approvalsRequired: z.number().int().min(0),
  approvals: z.array(approvalSchema),
  reason: z.string().optional(),
  version: z.number().int(),
});
export type Batch = z.infer<typeof batchSchema>;

/** Why a row was held instead of becoming an instruction. */
export const heldReasonSchema = z.enum([
  'INVALID_ROW',
  'CURRENCY_MISMATCH',
  'DUPLICATE_BENEFICIARY',
  'DUPLICATE_INSTRUCTION',
  'ACCOUNT_NOT_FOUND',
  'RAIL_NOT_CONFIGURED',
]);
export type HeldReason = z.infer<typeof heldReasonSchema>;

/** A row of the validation report: held, never dropped. */
export const heldRowSchema = z.object({
  batchId: z.string(),
  /** 1-based data row number (the CSV header is row 0). */
  rowNumber: z.number().int(),
  instructionId: z.string().optional(),
  payeeFunctionalId: z.string().optional(),
  /** Minor units, when the amount parsed. */
  amount: z.number().int().optional(),
  reason: heldReasonSchema,
  errors: z.array(z.object({ pointer: z.string(), detail: z.string() })),
});
export type HeldRow = z.infer<typeof heldRowSchema>;

/** One payment instruction as stored. */
export const instructionSchema = z.object({
  batchId: z.string(),
  instructionId: z.string(),
  /** Order within the batch (the row number). */
  seq: z.number().int(),
  payeeFunctionalId: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  rail: z.string(),
  modality: paymentModalitySchema,
  financialAddress: z.string(),
  institution: z.string().optional(),
  narration: z.string().optional(),
  state: z.enum(instructionStates),
  /** Submissions made so far. */
  attempts: z.number().int(),
  /** Derived from batch and instruction id; the same on every submission and inquiry. */
  idempotencyKey: z.string(),
  railReference: z.string().optional(),
  failureReason: z.string().optional(),
  updatedAt: z.iso.datetime(),
});
export type Instruction = z.infer<typeof instructionSchema>;

/** One line of the attempts ledger: every submission, inquiry and callback, with its outcome. */
export const attemptSchema = z.object({
  batchId: z.string(),
  instructionId: z.string(),
  kind: z.enum(['submit', 'inquiry', 'callback', 'recover']),
  attempt: z.number().int(),
  outcome: z.enum([
    'started',
    'paid',
    'accepted',
    'failed',
    'timeout',
    'unavailable',
    'not_found',
    'pending',
    'error',
  ]),
  railReference: z.string().optional(),
  reason: z.string().optional(),
  at: z.iso.datetime(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/** Totals of a batch's instructions per state (and per rail), for reconciliation. */
export interface Reconciliation {
  batchId: string;
  batchState: Batch['state'];
  currency: string;
  declared: Totals;
  computed: Totals;
  held: Totals;
  byState: Record<(typeof instructionStates)[number], Totals>;
  byRail: Record<string, Record<(typeof instructionStates)[number], Totals>>;
  attempts: { submit: number; inquiry: number; callback: number };
  /** True when `accepted` equals the sum over states and `accepted + held = computed`. */
  balanced: boolean;
}

/** Options of `processBatch`. */
export const processOptionsSchema = z.strictObject({
  /** Instructions claimed per round trip to the store. Default 500. */
  chunkSize: z.number().int().min(1).max(10_000).default(500),
  /** Rail calls in flight at once within one chunk. Default 32. */
  concurrency: z.number().int().min(1).max(1024).default(32),
  /** Chunks claimed and in flight at once (store round trips overlap rail calls). Default 2. */
  pipeline: z.number().int().min(1).max(16).default(2),
  /** Upper bound on rail submissions per second, per rail; none when absent. */
  ratePerSecond: z.number().positive().optional(),
  /** Per rail (by name): a cap on calls in flight and a rate, overriding `ratePerSecond`. */
  rails: z
    .record(
      z.string(),
      z.strictObject({
        concurrency: z.number().int().min(1).max(1024).optional(),
        ratePerSecond: z.number().positive().optional(),
      }),
    )
    .optional(),
  /** Submissions per instruction before it fails with `MAX_ATTEMPTS`. Default 5. */
  maxAttempts: z.number().int().min(1).max(100).default(5),
  /** Pause between inquiry rounds while the rail reports instructions as still pending (ms). Default 50. */
  pollIntervalMs: z.number().int().min(0).max(60_000).default(50),
  /** Give up waiting (the batch stays `processing`, resumable) after this long (ms). Default 10 min. */
  deadlineMs: z.number().int().min(1).default(600_000),
});
export type ProcessOptions = z.input<typeof processOptionsSchema>;

export { moneySchema };
