import {
  type ActorContext,
  formatMoney,
  GovBlocksError,
  newId,
  parse,
  ValidationError,
} from '@govblocks/core';
import {
  createHttpClient,
  createOpenApiClient,
  type HttpClientOptions,
  type OperationOf,
  type RequestBodyOf,
} from '@govblocks/core/client';
import { z } from 'zod';
import { NotSupportedError } from '../errors.js';
import type { BatchProgress, PaymentService, RowSource, RowValidation } from '../ports.js';
import {
  type Batch,
  batchSchema,
  createBatchOptionsSchema,
  type HeldRow,
  heldRowSchema,
  type Instruction,
  instructionSchema,
  type PaymentModality,
  type Reconciliation,
} from '../schemas.js';
import type { InstructionState } from '../state-machine.js';
import { govstackAccountMapper } from './account-mapper.js';
import type { paths as BatchDetailsPaths } from './generated/g2p-batch-details.js';
import type { paths as BulkPaymentPaths } from './generated/g2p-bulk-payment.js';
import type { paths as BulkValidatePaths } from './generated/g2p-bulk-validate-account-request.js';
import type { paths as AuthorizationPaths } from './generated/g2p-get-authorization-request.js';

export interface GovStackPaymentServiceOptions {
  /** Base URL of a GovStack Payments BB serving the v3 G2P API (e.g. `govblocks serve payments`). */
  baseUrl: string;
  /** Sent as `Platform-TenantId` (≤ 20 characters). */
  tenantId: string;
  /** Sent as `X-Registering-Institution-ID` (≤ 20 characters). */
  registeringInstitutionId: string;
  /** The disbursing agency's account at the payer bank (`payerIdentifier` of an authorization). */
  payerIdentifier?: string;
  /** Sent as `paymentMode` of each credit instruction. Default `ACCOUNT_MAPPER` (the remote's mapper decides). */
  paymentMode?: string;
  /**
   * The remote's rail for each modality: the v3 API carries modalities, not rails, so account
   * lookups report these names.
   */
  railByModality: Partial<Record<PaymentModality, string>>;
  /** Sent as `X-Callback-URL` where the API asks for one; results are read from the answers. */
  callbackUrl?: string;
  /**
   * Credentials of the acting person or system, per call (e.g. a bearer token or an API key
   * header). Maker and checker must be told apart by the remote, so a deployment gives each its
   * own credentials. Without it every call carries only `http.headers`.
   */
  headersFor?: (context: ActorContext) => Record<string, string> | undefined;
  /** Passed to `createHttpClient` (timeouts, retries, static headers, a dispatcher…). */
  http?: Omit<HttpClientOptions, 'baseUrl' | 'name'>;
  /** How long each status poll of `processBatch` may wait on the remote (s, 0–30). Default 5. */
  pollWaitSeconds?: number;
}

/** The port methods `govstackPaymentService` cannot carry; they throw {@link NotSupportedError}. */
export const govstackUnsupportedMethods = ['listAttempts', 'handleRailCallback'] as const;

const reconciliationSchema = z
  .object({
    batchId: z.string(),
    batchState: z.string(),
    currency: z.string(),
    byState: z.record(z.string(), z.object({ count: z.number(), sum: z.number() })),
    balanced: z.boolean(),
  })
  .loose() as unknown as z.ZodType<Reconciliation>;

const summarySchema = z
  .object({
    batchId: z.string(),
    state: z.string(),
    batch: batchSchema,
    reconciliation: reconciliationSchema,
    disbursement: z
      .object({
        running: z.boolean(),
        error: z.object({ code: z.string(), detail: z.string() }).optional(),
      })
      .optional(),
  })
  .loose();

const batchAnswerSchema = z.object({ batch: batchSchema }).loose();

const detailsSchema = z.array(
  z
    .object({
      transactionId: z.string().optional(),
      instruction: instructionSchema.optional(),
      heldRow: heldRowSchema.optional(),
    })
    .loose(),
);

const validationAnswerSchema = z
  .object({
    report: z.array(
      z
        .object({
          rowNumber: z.number(),
          instructionId: z.string().optional(),
          valid: z.boolean(),
          reason: z.string().optional(),
          errors: z.array(z.object({ pointer: z.string(), detail: z.string() })),
        })
        .loose(),
    ),
  })
  .loose();

type CreditInstruction = RequestBodyOf<
  OperationOf<BulkPaymentPaths, '/batchtransactions', 'post'>
>[number];
type AuthorizationBody = RequestBodyOf<
  OperationOf<AuthorizationPaths, '/batches/{batchId}', 'post'>
>;
type ValidationBody = RequestBodyOf<
  OperationOf<BulkValidatePaths, '/beneficiaries?command=validate', 'post'>
>;

const exactDecimal = /^\d{1,15}(\.\d{1,4})?$/;

/**
 * A row amount as a v3 JSON number when that is exact (≤ 15 significant digits); anything else
 * is sent as it is, for the remote to hold the row with a reason.
 */
function amountOnWire(value: unknown): unknown {
  if (typeof value !== 'string' || !exactDecimal.test(value)) return value;
  return value
    .replace(/^0+(?=\d)/, '')
    .replace('.', '')
    .replace(/^0+/, '').length <= 15
    ? Number(value)
    : value;
}

function creditInstructionOf(row: unknown, paymentMode: string): CreditInstruction {
  const record = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
  return {
    requestId: record.instructionId as string,
    creditParty:
      record.payeeFunctionalId === undefined
        ? []
        : [{ key: 'payeeIdentity', value: record.payeeFunctionalId as string }],
    debitParty: [],
    paymentMode,
    amount: amountOnWire(record.amount) as number,
    currency: record.currency as string,
    ...(record.narration !== undefined ? { descriptionText: record.narration as string } : {}),
  };
}

async function textOf(source: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const part of source)
    text += typeof part === 'string' ? part : decoder.decode(part, { stream: true });
  return text + decoder.decode();
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Rows of a JSON array or NDJSON text; a line that is not JSON becomes `null` (the remote holds it). */
function rowsOfText(text: string, format: 'json' | 'ndjson'): unknown[] {
  if (format === 'ndjson') {
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return null;
        }
      });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('[payments/govstack] the batch is not a JSON array', [
      { pointer: '', detail: 'not valid JSON' },
    ]);
  }
  if (!Array.isArray(value)) {
    throw new ValidationError('[payments/govstack] the batch is not a JSON array', [
      { pointer: '', detail: 'an array of rows' },
    ]);
  }
  return value;
}

const terminal = new Set(['completed', 'rejected', 'cancelled']);

/**
 * A {@link PaymentService} over a remote GovStack Payments BB's current (v3) G2P API, on core's
 * HTTP client (undici) with the types generated from the GovStack API files.
 *
 * Implemented (and how):
 * - `registerBeneficiaries`, `updateBeneficiaries`, `lookupAccount`, `lookupAccounts` — the ID
 *   account mapper (`POST|PUT /identityAccountMapper/beneficiary`, `PUT /beneficiary`);
 * - `validatePayments` — `POST /beneficiaries?command=validate`, each instruction naming its
 *   payee by `payeeFunctionalID`, the engine's report read from the answer's `report`;
 * - `createBatch` — `POST /batchtransactions` (`type=csv` for CSV, sent as it is; JSON and NDJSON
 *   rows as v3 credit instructions, `type=raw`), with `batchId`, `controlCount`, `controlSum`,
 *   `scheduledFor`, `description` as query parameters;
 * - `getBatch`, `reconcile` — `GET /api/v1/batch?batchId=…` (the answer's `batch`, `reconciliation`);
 * - `listHeldRows`, `getInstruction` — `GET /api/v1/batch/detail` (`status=HELD`, `transactionId=…`);
 * - `approveBatch` — `POST /batches/{batchId}?command=authorize` with the batch's accepted total;
 *   `rejectBatch`, `cancelBatch` — `command=reject`, `command=cancel`;
 * - `processBatch` — `command=disburse`, then polls `GET /api/v1/batch` until the batch is done
 *   (reporting progress), and answers its reconciliation;
 * - `exportReconciliation` — `GET /api/v1/batch/result_file` (read whole: mind `http.maxResponseBytes`).
 *
 * Not implemented ({@link govstackUnsupportedMethods}), throwing {@link NotSupportedError}
 * (`PAYMENT_NOT_SUPPORTED`, 501): `listAttempts` (the API has no attempts ledger) and
 * `handleRailCallback` (rail callbacks belong to the process that owns the rail).
 *
 * Limits: CSV, JSON and NDJSON bodies are read into memory before they are sent; rows given as
 * objects lose fields the v3 credit instruction has no place for; lookups report the rail named
 * in `railByModality`, not the remote's own. Errors are the remote's, mapped back to the same
 * codes (`CONFLICT`, `PAYMENT_APPROVAL_DENIED`, `NOT_FOUND`, …).
 *
 * @example
 * const payments = govstackPaymentService({ baseUrl, tenantId: 'gov', registeringInstitutionId: 'MIN-SOCIAL',
 *   railByModality: { mobile_money: 'mpesa' }, headersFor: (context) => ({ authorization: `Bearer ${tokenOf(context)}` }) });
 */
export function govstackPaymentService(
  options: GovStackPaymentServiceOptions,
): PaymentService & { close(): Promise<void> } {
  const client = createHttpClient({
    ...options.http,
    baseUrl: options.baseUrl,
    name: 'payments/govstack',
  });
  const details = createOpenApiClient<BatchDetailsPaths>(client);
  const mapper = govstackAccountMapper({
    baseUrl: options.baseUrl,
    registeringInstitutionId: options.registeringInstitutionId,
    railByModality: options.railByModality,
    ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
    ...(options.headersFor ? { headersFor: options.headersFor } : {}),
    ...(options.http ? { http: options.http } : {}),
  });
  const paymentMode = options.paymentMode ?? 'ACCOUNT_MAPPER';
  const headers = (context: ActorContext, extra: Record<string, string> = {}) => ({
    'Platform-TenantId': options.tenantId,
    'X-Registering-Institution-ID': options.registeringInstitutionId,
    ...(options.callbackUrl ? { 'X-Callback-URL': options.callbackUrl } : {}),
    ...extra,
    ...options.headersFor?.(context),
  });
  const correlation = () => newId().replaceAll('-', '').slice(-20);
  const unsupported = (operation: string) =>
    new NotSupportedError(
      operation,
      `[payments/govstack] ${operation} is not part of the GovStack G2P API`,
    );

  const summary = async (context: ActorContext, batchId: string, wait?: number) =>
    client.request({
      method: 'GET',
      path: '/api/v1/batch',
      query: { batchId, ...(wait ? { wait } : {}) },
      headers: headers(context),
      schema: summarySchema,
      ...(wait ? { timeoutMs: (wait + 10) * 1000 } : {}),
    });

  const command = async (
    context: ActorContext,
    batchId: string,
    name: string,
    body: unknown,
    extra: Record<string, string> = {},
  ) =>
    client.request({
      method: 'POST',
      path: `/batches/${encodeURIComponent(batchId)}`,
      query: { command: name },
      headers: headers(context, extra),
      body,
      schema: batchAnswerSchema,
    });

  const getBatch = async (context: ActorContext, batchId: string): Promise<Batch> =>
    (await summary(context, batchId)).batch;

  const service: PaymentService = {
    specificationVersion: 'payments/v1',

    registerBeneficiaries: (context, beneficiaries) => mapper.register(context, beneficiaries),
    updateBeneficiaries: (context, updates) => mapper.update(context, updates),
    async lookupAccount(_context, functionalId) {
      const [lookup] = await mapper.lookup([functionalId]);
      return lookup!;
    },
    lookupAccounts: (_context, functionalIds) => mapper.lookup(functionalIds),

    async validatePayments(context, currency, rows) {
      if (rows.length === 0) return [];
      const body: ValidationBody & { creditInstructions: Array<Record<string, unknown>> } = {
        batchId: `validate-${correlation()}`,
        destinationDFSPID: 'ANY',
        creditInstructions: rows.map((row) => {
          const record = (typeof row === 'object' && row !== null ? row : {}) as Record<
            string,
            unknown
          >;
          return {
            instructionID: record.instructionId as string,
            // Always present (even empty): the payee is named by functional id, not by address.
            payeeFunctionalID:
              typeof record.payeeFunctionalId === 'string' ? record.payeeFunctionalId : '',
            financialAddress: undefined as unknown as string,
            amount: amountOnWire(record.amount) as number,
            currency: record.currency as string,
            ...(record.narration !== undefined ? { narration: record.narration as string } : {}),
          };
        }),
      };
      const answer = await client.request({
        method: 'POST',
        path: '/beneficiaries',
        query: { command: 'validate', currency },
        headers: headers(context, { 'X-Client-Correlation-ID': correlation() }),
        body,
        schema: validationAnswerSchema,
      });
      return answer.report as RowValidation[];
    },

    async createBatch(context, batchOptions, rows: RowSource) {
      const parsed = parse(createBatchOptionsSchema, batchOptions, '[payments/govstack] batch');
      const query = {
        currency: parsed.currency,
        controlCount: parsed.control.count,
        controlSum: parsed.control.sum,
        ...(parsed.batchId ? { batchId: parsed.batchId } : {}),
        ...(parsed.scheduledFor ? { scheduledFor: parsed.scheduledFor } : {}),
        ...(parsed.description ? { description: parsed.description } : {}),
      };
      const correlationId = correlation();
      const isText = typeof rows === 'string' || isAsyncIterable(rows);
      let body: string | CreditInstruction[];
      let type: 'csv' | 'raw';
      if (parsed.format === 'csv') {
        if (!isText)
          throw new ValidationError('[payments/govstack] a CSV batch must be text or bytes', [
            { pointer: '/rows', detail: 'CSV text or a stream of it' },
          ]);
        body =
          typeof rows === 'string'
            ? rows
            : await textOf(rows as AsyncIterable<string | Uint8Array>);
        type = 'csv';
      } else {
        let items: unknown[];
        if (typeof rows === 'string') items = rowsOfText(rows, parsed.format);
        else if (isAsyncIterable(rows)) {
          const collected: unknown[] = [];
          for await (const item of rows) collected.push(item);
          items =
            collected.length > 0 &&
            collected.every((item) => typeof item === 'string' || item instanceof Uint8Array)
              ? rowsOfText(
                  await textOf(
                    (async function* () {
                      yield* collected as Array<string | Uint8Array>;
                    })(),
                  ),
                  parsed.format,
                )
              : collected;
        } else items = [...(rows as Iterable<unknown>)];
        if (items.length === 0) {
          throw new ValidationError('[payments/govstack] the v3 API takes no empty batch', [
            { pointer: '/rows', detail: 'at least one row' },
          ]);
        }
        body = items.map((item) => creditInstructionOf(item, paymentMode));
        type = 'raw';
      }
      const answer = await client.request({
        method: 'POST',
        path: '/batchtransactions',
        query: { type, ...query },
        headers: headers(context, {
          'X-CorrelationID': correlationId,
          ...(type === 'csv' ? { 'content-type': 'text/csv; charset=utf-8' } : {}),
        }),
        body,
        schema: batchAnswerSchema,
      });
      return answer.batch;
    },

    getBatch,

    async listHeldRows(context, batchId, page = {}) {
      const limit = Math.min(page.limit ?? 1000, 10_000);
      const rows: HeldRow[] = [];
      let afterRow = page.afterRow ?? 0;
      while (rows.length < limit) {
        const items = await details.call('get', '/api/v1/batch/detail', {
          query: {
            batchId,
            status: 'HELD',
            afterRow,
            pageSize: Math.min(1000, limit - rows.length),
          },
          headers: headers(context),
          schema: detailsSchema,
        });
        const held = items.flatMap((item) => (item.heldRow ? [item.heldRow] : []));
        rows.push(...held);
        if (held.length === 0 || items.length < Math.min(1000, limit - rows.length + held.length))
          break;
        afterRow = held[held.length - 1]!.rowNumber;
      }
      return rows;
    },

    async approveBatch(context, batchId) {
      const batch = await getBatch(context, batchId);
      const body: AuthorizationBody = {
        batchID: batchId,
        payerIdentifier: options.payerIdentifier ?? options.registeringInstitutionId,
        currency: batch.currency,
        // The exact decimal in major units; JSON numbers of ≤ 15 digits are exact.
        amount: amountOnWire(
          formatMoney({ amount: batch.accepted.sum, currency: batch.currency }),
        ) as number,
      };
      return (
        await command(context, batchId, 'authorize', body, {
          'X-Client-Correlation-ID': correlation(),
        })
      ).batch;
    },
    rejectBatch: async (context, batchId, reason) =>
      (await command(context, batchId, 'reject', { reason })).batch,
    cancelBatch: async (context, batchId) => (await command(context, batchId, 'cancel', {})).batch,

    async processBatch(context, batchId, processOptions = {}, onProgress) {
      await command(context, batchId, 'disburse', processOptions);
      const wait = Math.max(1, Math.min(options.pollWaitSeconds ?? 5, 30));
      for (;;) {
        const current = await summary(context, batchId, wait);
        onProgress?.(progressOf(batchId, current.reconciliation));
        const running = current.disbursement?.running ?? false;
        if (terminal.has(current.state) || !running) {
          const error = current.disbursement?.error;
          if (error && !terminal.has(current.state)) {
            throw new GovBlocksError(error.code, `[payments/govstack] ${error.detail}`, {
              status: 502,
            });
          }
          return current.reconciliation;
        }
      }
    },

    async getInstruction(context, batchId, instructionId): Promise<Instruction> {
      const items = await details.call('get', '/api/v1/batch/detail', {
        query: { batchId, transactionId: instructionId },
        headers: headers(context),
        schema: detailsSchema,
      });
      const instruction = items[0]?.instruction;
      if (!instruction) {
        throw new GovBlocksError(
          'REMOTE_ERROR',
          '[payments/govstack] the detail has no instruction',
          {
            status: 502,
          },
        );
      }
      return instruction;
    },

    handleRailCallback: async () => {
      throw unsupported('handleRailCallback');
    },

    reconcile: async (context, batchId) => (await summary(context, batchId)).reconciliation,

    async *exportReconciliation(context, batchId, format) {
      const text = await client.request<string>({
        method: 'GET',
        path: '/api/v1/batch/result_file',
        query: { batchId, format },
        headers: headers(context),
      });
      yield typeof text === 'string' ? text : '';
    },

    listAttempts: async () => {
      throw unsupported('listAttempts');
    },
  };
  return {
    ...service,
    async close() {
      await mapper.close();
      await client.close();
    },
  };
}

function progressOf(batchId: string, reconciliation: Reconciliation): BatchProgress {
  return {
    batchId,
    byState: Object.fromEntries(
      Object.entries(reconciliation.byState).map(([state, totals]) => [state, totals.count]),
    ) as Record<InstructionState, number>,
  };
}
