import {
  type ActorContext,
  ForbiddenError,
  formatMoney,
  isCurrency,
  isGovBlocksError,
  parseMoney,
  ValidationError,
} from '@govblocks/core';
import { type HttpContext, type HttpEnv, type HttpLogger, sendJson } from '@govblocks/core/http';
import type { Hono } from 'hono';
import { z } from 'zod';
import { NotSupportedError, PaymentError } from '../errors.js';
import type { PaymentService, RowValidation } from '../ports.js';
import {
  type Batch,
  type HeldRow,
  type Instruction,
  type ProcessOptions,
  processOptionsSchema,
  type Reconciliation,
} from '../schemas.js';
import type { InstructionState } from '../state-machine.js';
import { type CallbackSender, createCallbackSender, parseCallbackUrl } from './callbacks.js';

/** Checks one financial address with the payer bank or rail, without moving money. */
export type AccountVerifier = (account: {
  financialAddress: string;
  institution?: string;
}) => Promise<{ status: 'ok' } | { status: 'rejected'; reason: string }>;

export interface G2pV3Options {
  /**
   * Start disbursing a batch as soon as its last approval is in (the spec's flow: authorization,
   * then sub-batches to the payer bank). Default `true`. Either way
   * `POST /batches/{batchId}?command=disburse` starts or resumes it.
   */
  disburseOnApproval?: boolean;
  /** Options of the background `processBatch` runs. */
  processOptions?: ProcessOptions;
  /**
   * Checks financial addresses for `POST /beneficiaries?command=validate` instructions that carry
   * only a `financialAddress` (e.g. a rail's `verifyAccount`). Without it such instructions answer
   * 501 `PAYMENT_NOT_SUPPORTED`; instructions naming a `payeeFunctionalID` are always checked by
   * the engine (amount, currency, duplicates, account mapper).
   */
  verifyAccount?: AccountVerifier;
  /** Who receives `X-Callback-URL` results. Default {@link createCallbackSender} with `allowCallbackUrl`. */
  callbacks?: CallbackSender;
  /** Which callback URLs are accepted (others: 400). Default any `http:`/`https:` URL. */
  allowCallbackUrl?: (url: URL) => boolean;
  /**
   * The role a caller needs to push instruction outcomes (`POST /api/v1/batch` with
   * `instructions`): they settle payments, so only the payer bank may. Default `payer-bank`.
   */
  statusPushRole?: string;
}

export interface G2pV3Handle {
  /** Waits for running disbursements and pending callbacks (for tests and graceful shutdown). */
  drain(): Promise<void>;
}

// ───────────── mapping between engine and wire ─────────────

/** GovStack-style statuses of one instruction (BatchDetails `status`). */
const detailStatus: Record<InstructionState, string> = {
  pending: 'PENDING',
  submitting: 'IN_PROGRESS',
  unknown: 'IN_PROGRESS',
  accepted: 'IN_PROGRESS',
  paid: 'COMPLETED',
  failed: 'FAILED',
  cancelled: 'CANCELLED',
};

/** An amount in minor units as the v3 API writes it: a JSON number in major units. */
export const majorUnits = (amount: number, currency: string): number =>
  Number(formatMoney({ amount, currency }));

/**
 * A v3 amount (a JSON number, or a decimal string — accepted as a govblocks extension because it
 * is exact) as the decimal string the engine parses. Numbers are written in their shortest
 * round-trip form, exact for up to 15 significant digits.
 */
export function wireAmount(value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return value;
}

/** The status-update summary of a batch (the body of BulkPaymentStatusUpdate), plus extensions. */
export function batchSummary(
  batch: Batch,
  reconciliation: Reconciliation,
  requestId: string,
  at: Date,
) {
  const { byState, currency } = reconciliation;
  const sumOf = (states: InstructionState[]) =>
    states.reduce(
      (total, state) => ({
        count: total.count + byState[state].count,
        sum: total.sum + byState[state].sum,
      }),
      { count: 0, sum: 0 },
    );
  const ongoing = sumOf(['pending', 'submitting', 'unknown', 'accepted']);
  const failed = sumOf(['failed', 'cancelled']);
  return {
    requestId: requestId.slice(0, 12),
    batchId: batch.batchId,
    TotalTransactions: batch.accepted.count,
    ongoing: ongoing.count,
    failed: failed.count,
    completed: byState.paid.count,
    totalAmount: majorUnits(batch.accepted.sum, currency),
    completed_amount: majorUnits(byState.paid.sum, currency),
    ongoing_amount: majorUnits(ongoing.sum, currency),
    failed_amount: majorUnits(failed.sum, currency),
    result_file: `/api/v1/batch/result_file?batchId=${encodeURIComponent(batch.batchId)}&format=csv`,
    resultGeneratedAt: at.toISOString(),
    note: `batch ${batch.state}${batch.reason ? ` (${batch.reason})` : ''}`.slice(0, 200),
    // govblocks extensions: the engine's own records, exact (minor units).
    state: batch.state,
    batch,
    reconciliation,
  };
}

// ───────────── request checks ─────────────

const idText = (max: number) => z.string().min(1).max(max);

const creditPartySchema = z.array(z.object({ key: z.string(), value: z.string() }).loose());

/** `creditParty` keys naming the payee's functional id (case-insensitive). */
const functionalIdKeys = new Set(['payeeidentity', 'functionalid', 'payeefunctionalid']);

/** One v3 credit instruction as an engine row; anything malformed is passed on for the engine to hold. */
function rowOfCreditInstruction(item: unknown): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  const parties = creditPartySchema.safeParse(record.creditParty);
  const functionalId = parties.success
    ? parties.data.find((party) => functionalIdKeys.has(party.key.toLowerCase()))?.value
    : undefined;
  return {
    instructionId: record.requestId,
    payeeFunctionalId: functionalId,
    amount: wireAmount(record.amount),
    currency: record.currency,
    ...(typeof record.descriptionText === 'string' && record.descriptionText !== ''
      ? { narration: record.descriptionText }
      : {}),
  };
}

/** The request's own count and positive sum in `currency` (the v3 API carries no control totals). */
function ownTotals(rows: readonly unknown[], currency: string) {
  let sum = 0;
  for (const row of rows) {
    const { amount, currency: rowCurrency } = (row ?? {}) as Record<string, unknown>;
    if (rowCurrency !== currency || typeof amount !== 'string') continue;
    try {
      const parsed = parseMoney(amount, currency).amount;
      if (parsed > 0) sum += parsed;
    } catch {
      // held by the engine with a reason
    }
  }
  return { count: rows.length, sum };
}

const intQuery = (value: string | undefined, name: string, min: number, max: number) => {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new ValidationError(`The query parameter ${name} is invalid`, [
      { pointer: `/${name}`, detail: `an integer from ${min} to ${max}` },
    ]);
  }
  return number;
};

function requireHeader(c: HttpContext, name: string, max: number): string {
  const value = c.req.header(name);
  if (value === undefined || value.trim() === '' || value.length > max) {
    throw new ValidationError(`The ${name} header is missing or too long`, [
      { pointer: `/headers/${name}`, detail: `required, at most ${max} characters` },
    ]);
  }
  return value;
}

/** The JSON body (`undefined` when empty); 400 when it is not JSON. */
export async function jsonOf(c: HttpContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The request body is not valid JSON', [
      { pointer: '', detail: 'not valid JSON', code: 'invalid_json' },
    ]);
  }
}

/** `schema.parse`, failing with a 400 `VALIDATION_FAILED` that lists the fields. */
export function parseOr<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    `The ${what} is invalid`,
    result.error.issues.slice(0, 100).map((issue) => ({
      pointer: `/${issue.path.join('/')}`,
      detail: issue.message,
    })),
  );
}

const authorizeSchema = z.object({
  batchID: idText(64),
  payerIdentifier: idText(64),
  currency: z.string().length(3),
  amount: z.union([z.number(), z.string()]),
});

const statusUpdateSchema = z
  .object({
    requestId: idText(64),
    batchId: idText(64),
    TotalTransactions: z.number(),
    failed: z.number(),
    completed: z.number(),
    totalAmount: z.number(),
    completed_amount: z.number(),
    ongoing_amount: z.number(),
    failed_amount: z.number(),
    result_file: z.string().nullable(),
    resultGeneratedAt: z.string(),
    note: z.string().max(200),
    /** govblocks extension: per-instruction outcomes reported by the payer bank. */
    instructions: z
      .array(
        z.object({
          instructionId: idText(64),
          status: z.enum(['COMPLETED', 'FAILED', 'paid', 'failed']),
          railReference: z.string().max(128).optional(),
          reason: z.string().max(100).optional(),
        }),
      )
      .max(100_000)
      .optional(),
  })
  .loose();

const validateSchema = z.object({
  batchId: idText(64),
  destinationDFSPID: z.string().max(64).optional(),
  creditInstructions: z.array(z.record(z.string(), z.unknown())).min(1).max(100_000),
});

const terminalBatchStates = new Set(['completed', 'rejected', 'cancelled']);

/**
 * Mounts the current (v3) G2P bulk disbursement routes of the GovStack Payments BB on `app`:
 *
 * - `POST /batchtransactions?type=raw` (JSON credit instructions) or `?type=csv` (the engine's
 *   CSV, streamed) → a batch awaiting approval, answered 202 with the validation report;
 * - `GET /api/v1/batch?batchId=…` (the status summary) and `POST /api/v1/batch?batchId=…`
 *   (a payer bank's status push);
 * - `GET /api/v1/batch/detail?batchId=…` (per-instruction states, paged) and
 *   `GET /api/v1/batch/result_file?batchId=…&format=csv|json` (the reconciliation export);
 * - `POST /batches/{batchId}?command=authorize` (maker-checker approval; `reject`, `cancel`,
 *   `disburse` are govblocks extensions);
 * - `POST /beneficiaries?command=validate` (bulk account validation).
 *
 * Errors are `application/problem+json`. Where a request carries `X-Callback-URL`, the
 * asynchronous result is POSTed there after the answer, with `X-CorrelationID`.
 */
export function mountG2pV3(
  app: Hono<HttpEnv>,
  service: PaymentService,
  options: G2pV3Options & {
    actor: (c: HttpContext, fallback?: string) => ActorContext;
    logger?: HttpLogger;
  },
): G2pV3Handle {
  const allow = options.allowCallbackUrl;
  const callbacks =
    options.callbacks ??
    createCallbackSender({
      ...(allow ? { allow } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  const disburseOnApproval = options.disburseOnApproval ?? true;
  /** Where a batch's final result goes: the bulk payment's `X-Callback-URL`, kept in memory. */
  const batchCallbacks = new Map<string, { url: string; correlationId: string }>();
  /** Disbursements running in this process, by batch. */
  const jobs = new Map<string, Promise<void>>();
  const jobErrors = new Map<string, { code: string; detail: string }>();

  const callbackOf = (c: HttpContext) => callbackUrlOf(c, allow);

  const summaryOf = async (context: ActorContext, batchId: string, requestId: string) => {
    const [batch, reconciliation] = await Promise.all([
      service.getBatch(context, batchId),
      service.reconcile(context, batchId),
    ]);
    return batchSummary(batch, reconciliation, requestId, new Date());
  };

  /** Posts the batch's final summary to its callback, once it is completed, rejected or cancelled. */
  const announce = async (context: ActorContext, batchId: string) => {
    const target = batchCallbacks.get(batchId);
    if (!target) return;
    const summary = await summaryOf(context, batchId, target.correlationId);
    if (!terminalBatchStates.has(summary.state)) return;
    batchCallbacks.delete(batchId);
    callbacks.send(target.url, target.correlationId, summary);
  };

  const startDisbursement = (context: ActorContext, batchId: string, processOptions = {}) => {
    const running = jobs.get(batchId);
    if (running) return running;
    jobErrors.delete(batchId);
    const job = service
      .processBatch(context, batchId, { ...options.processOptions, ...processOptions })
      .then(() => announce(context, batchId))
      .catch((error: unknown) => {
        jobErrors.set(batchId, {
          code: isGovBlocksError(error) ? error.code : 'INTERNAL',
          detail: isGovBlocksError(error) ? error.detail : 'disbursement stopped',
        });
        options.logger?.warn('disbursement stopped', {
          code: isGovBlocksError(error) ? error.code : 'INTERNAL',
        });
      })
      .finally(() => jobs.delete(batchId));
    jobs.set(batchId, job);
    return job;
  };

  // ───────────── bulk payment ─────────────

  app.post('/batchtransactions', async (c) => {
    const correlationId = requireHeader(c, 'X-CorrelationID', 64);
    const tenant = requireHeader(c, 'Platform-TenantId', 64);
    const callbackUrl = callbackOf(c);
    const type =
      c.req.query('type') ?? (/^text\/csv/i.test(c.req.header('content-type') ?? '') ? 'csv' : '');
    if (type !== 'raw' && type !== 'csv') {
      throw new ValidationError('The query parameter type must be raw or csv', [
        { pointer: '/type', detail: 'raw (JSON credit instructions) or csv' },
      ]);
    }
    const controlCount = intQuery(c.req.query('controlCount'), 'controlCount', 0, 1e12);
    const controlSum = intQuery(
      c.req.query('controlSum'),
      'controlSum',
      0,
      Number.MAX_SAFE_INTEGER,
    );
    if ((controlCount === undefined) !== (controlSum === undefined)) {
      throw new ValidationError('Give both controlCount and controlSum, or neither', [
        { pointer: '/controlSum', detail: 'both or neither' },
      ]);
    }
    const batchId = c.req.query('batchId');
    const scheduledFor = c.req.query('scheduledFor');
    const description = c.req.query('description');
    const context = options.actor(c, c.req.header('X-Registering-Institution-Id') ?? tenant);
    const extras = {
      ...(batchId ? { batchId } : {}),
      ...(scheduledFor ? { scheduledFor } : {}),
      ...(description ? { description } : {}),
    };
    let batch: Batch;
    if (type === 'csv') {
      const currency = c.req.query('currency');
      if (!currency || !isCurrency(currency) || controlCount === undefined) {
        throw new ValidationError('A CSV batch needs currency, controlCount and controlSum', [
          { pointer: '/currency', detail: 'an ISO 4217 code' },
          { pointer: '/controlCount', detail: 'the number of data rows' },
          { pointer: '/controlSum', detail: 'the sum of the amounts in minor units' },
        ]);
      }
      const body = c.req.raw.body;
      batch = await service.createBatch(
        context,
        { ...extras, currency, format: 'csv', control: { count: controlCount, sum: controlSum! } },
        body ?? '',
      );
    } else {
      const items = parseOr(
        z.array(z.unknown()).min(1).max(1_000_000),
        await jsonOf(c),
        'request body (an array of credit instructions)',
      );
      const rows = items.map(rowOfCreditInstruction);
      const first = (rows.find((row) => typeof row === 'object' && row !== null) ?? {}) as {
        currency?: unknown;
      };
      const currency = c.req.query('currency') ?? String(first.currency ?? '');
      if (!isCurrency(currency)) {
        throw new ValidationError('The batch currency is missing or unknown', [
          { pointer: '/0/currency', detail: 'an ISO 4217 code' },
        ]);
      }
      batch = await service.createBatch(
        context,
        {
          ...extras,
          currency,
          format: 'json',
          control:
            controlCount === undefined
              ? ownTotals(rows, currency)
              : { count: controlCount, sum: controlSum! },
        },
        rows,
      );
    }
    const held =
      batch.held.count > 0
        ? await service.listHeldRows(context, batch.batchId, { limit: 1000 })
        : [];
    if (callbackUrl) {
      batchCallbacks.set(batch.batchId, { url: callbackUrl, correlationId });
      if (terminalBatchStates.has(batch.state)) await announce(context, batch.batchId);
    }
    return sendJson(
      c,
      {
        batchId: batch.batchId,
        // govblocks extensions
        batch,
        validationReport: { held, complete: held.length === batch.held.count },
      },
      202,
    );
  });

  // ───────────── status, details, result file ─────────────

  app.get('/api/v1/batch', async (c) => {
    const batchId = requiredQuery(c, 'batchId');
    const context = options.actor(c, c.req.header('Platform-TenantId'));
    const wait = intQuery(c.req.query('wait'), 'wait', 0, 30);
    const job = jobs.get(batchId);
    if (job && wait) {
      await Promise.race([job, new Promise((resolve) => setTimeout(resolve, wait * 1000))]);
    }
    const summary = await summaryOf(context, batchId, c.req.query('X-CorrelationID') ?? batchId);
    const error = jobErrors.get(batchId);
    return sendJson(c, {
      ...summary,
      disbursement: { running: jobs.has(batchId), ...(error ? { error } : {}) },
    });
  });

  app.post('/api/v1/batch', async (c) => {
    const batchId = requiredQuery(c, 'batchId');
    const correlationId = c.req.query('X-CorrelationID') ?? requireHeader(c, 'X-CorrelationID', 64);
    const update = parseOr(statusUpdateSchema, await jsonOf(c), 'status update');
    if (update.batchId !== batchId) {
      throw new ValidationError('batchId in the body differs from the query', [
        { pointer: '/batchId', detail: 'must equal the batchId query parameter' },
      ]);
    }
    const context = options.actor(c, c.req.header('X-Registering-Institution-Id'));
    await service.getBatch(context, batchId); // NOT_FOUND first
    const outcomes = update.instructions ?? [];
    const role = options.statusPushRole ?? 'payer-bank';
    if (outcomes.length > 0 && !context.actor.roles.includes(role)) {
      throw new ForbiddenError(`[payments] pushing instruction outcomes needs the role '${role}'`);
    }
    // Every instruction is looked up before any is changed: an unknown one changes nothing.
    const instructions = [];
    for (const outcome of outcomes)
      instructions.push(await service.getInstruction(context, batchId, outcome.instructionId));
    let applied = 0;
    let ignored = 0;
    for (const [index, outcome] of outcomes.entries()) {
      const instruction = instructions[index]!;
      const paid = outcome.status === 'COMPLETED' || outcome.status === 'paid';
      const changed = await service.handleRailCallback(context, instruction.rail, {
        idempotencyKey: instruction.idempotencyKey,
        status: paid ? 'paid' : 'failed',
        ...(outcome.railReference ? { railReference: outcome.railReference } : {}),
        ...(paid ? {} : { reason: outcome.reason ?? 'FAILED' }),
      });
      if (changed) applied += 1;
      else ignored += 1;
    }
    const summary = await summaryOf(context, batchId, correlationId);
    return sendJson(c, {
      message: 'Status updated successfully.',
      applied,
      ignored,
      summary,
    });
  });

  app.get('/api/v1/batch/detail', async (c) => {
    requireHeader(c, 'Platform-TenantId', 64);
    const batchId = requiredQuery(c, 'batchId');
    const context = options.actor(c, c.req.header('Platform-TenantId'));
    const pageNo = intQuery(c.req.query('pageNo'), 'pageNo', 0, 1e9) ?? 0;
    const pageSize = intQuery(c.req.query('pageSize'), 'pageSize', 1, 1000) ?? 100;
    const status = c.req.query('status');
    const transactionId = c.req.query('transactionId');
    const batch = await service.getBatch(context, batchId);
    const major = (amount: number) => majorUnits(amount, batch.currency);

    if (transactionId) {
      const instruction = await service.getInstruction(context, batchId, transactionId);
      return sendJson(c, [detailOfInstruction(instruction, major)]);
    }
    if (status?.toUpperCase() === 'HELD') {
      const afterRow = intQuery(c.req.query('afterRow'), 'afterRow', 0, 1e12);
      const rows =
        afterRow !== undefined
          ? await service.listHeldRows(context, batchId, { afterRow, limit: pageSize })
          : await heldPage(service, context, batchId, pageNo, pageSize);
      return sendJson(
        c,
        rows.map((row) => detailOfHeldRow(row, batch.currency, major)),
      );
    }
    const wanted = status?.toUpperCase();
    const items: unknown[] = [];
    let skip = pageNo * pageSize;
    for await (const part of service.exportReconciliation(context, batchId, 'json')) {
      for (const text of part.split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as ExportLine;
        if (wanted && detailStatus[line.state] !== wanted && line.state.toUpperCase() !== wanted)
          continue;
        if (skip > 0) {
          skip -= 1;
          continue;
        }
        items.push(detailOf(viewOfExportLine(line), batchId, major));
      }
      if (items.length >= pageSize) break;
    }
    return sendJson(c, items.slice(0, pageSize));
  });

  app.get('/api/v1/batch/result_file', async (c) => {
    const batchId = requiredQuery(c, 'batchId');
    const format = c.req.query('format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') {
      throw new ValidationError('format must be csv or json', [
        { pointer: '/format', detail: 'csv or json' },
      ]);
    }
    const context = options.actor(c, c.req.header('Platform-TenantId'));
    await service.getBatch(context, batchId);
    const parts = service.exportReconciliation(context, batchId, format)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await parts.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await parts.return?.();
      },
    });
    return c.body(stream, 200, {
      'content-type':
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    });
  });

  // ───────────── authorization (maker-checker) and commands ─────────────

  app.post('/batches/:batchId', async (c) => {
    const batchId = c.req.param('batchId');
    const command = c.req.query('command');
    const callbackUrl = callbackOf(c);
    const context = options.actor(c, c.req.header('X-Registering-Institution-Id'));
    const body = await jsonOf(c);
    let batch: Batch;
    switch (command) {
      case 'authorize': {
        const correlationId = requireHeader(c, 'X-Client-Correlation-ID', 64);
        const input = parseOr(authorizeSchema, body, 'authorization request');
        const current = await service.getBatch(context, batchId);
        const problems = [];
        if (input.batchID !== batchId)
          problems.push({ pointer: '/batchID', detail: 'must equal the batch in the path' });
        if (input.currency !== current.currency)
          problems.push({ pointer: '/currency', detail: "must be the batch's currency" });
        let amount: number | undefined;
        try {
          amount = parseMoney(String(wireAmount(input.amount)), current.currency).amount;
        } catch {
          amount = undefined;
        }
        if (amount !== current.accepted.sum)
          problems.push({
            pointer: '/amount',
            detail: "must equal the batch's accepted total (the sum of its instructions)",
          });
        if (problems.length > 0)
          throw new ValidationError('The authorization does not match the batch', problems);
        batch = await service.approveBatch(context, batchId);
        if (callbackUrl) {
          callbacks.send(callbackUrl, correlationId, {
            clientCorrelationId: correlationId.slice(0, 12),
            status: batch.state === 'approved' ? 'Y' : 'N',
            reason:
              batch.state === 'approved'
                ? 'Batch authorized'
                : `Approval ${batch.approvals.length} of ${batch.approvalsRequired} recorded`,
          });
        }
        if (batch.state === 'approved' && disburseOnApproval)
          void startDisbursement(context, batchId);
        return sendJson(
          c,
          {
            message:
              batch.state === 'approved'
                ? 'Authorization is in process.'
                : `Approval recorded; ${batch.approvalsRequired - batch.approvals.length} more needed.`,
            batch,
          },
          202,
        );
      }
      case 'reject': {
        const input = parseOr(
          z.object({ reason: z.string().min(1).max(256) }).loose(),
          body,
          'rejection',
        );
        batch = await service.rejectBatch(context, batchId, input.reason);
        break;
      }
      case 'cancel':
        batch = await service.cancelBatch(context, batchId);
        break;
      case 'disburse': {
        const processOptions = parseOr(processOptionsSchema, body ?? {}, 'processing options');
        const current = await service.getBatch(context, batchId);
        // The engine refuses these too; checked here so that the caller gets the error now.
        if (
          !['approved', 'processing', 'completed'].includes(current.state) ||
          (current.scheduledFor && new Date(current.scheduledFor) > new Date())
        ) {
          throw new PaymentError(
            'PAYMENT_BATCH_NOT_APPROVED',
            `[payments] batch '${batchId}' is ${current.state}, not approved (or not yet due)`,
          );
        }
        if (callbackUrl) {
          batchCallbacks.set(batchId, {
            url: callbackUrl,
            correlationId: c.req.header('X-CorrelationID') ?? c.get('correlationId'),
          });
        }
        void startDisbursement(context, batchId, processOptions);
        return sendJson(c, { message: 'Disbursement started.', batch: current }, 202);
      }
      default:
        throw new ValidationError('Unknown command', [
          { pointer: '/command', detail: 'authorize, reject, cancel or disburse' },
        ]);
    }
    await announce(context, batchId);
    return sendJson(c, { message: `Batch ${batch.state}.`, batch });
  });

  // ───────────── bulk account validation ─────────────

  app.post('/beneficiaries', async (c) => {
    if (c.req.query('command') !== 'validate') {
      throw new ValidationError('Unknown command', [{ pointer: '/command', detail: 'validate' }]);
    }
    const correlationId = requireHeader(c, 'X-Client-Correlation-ID', 64);
    const institution = requireHeader(c, 'X-Registering-Institution-ID', 64);
    const callbackUrl = callbackOf(c);
    const input = parseOr(validateSchema, await jsonOf(c), 'validation request');
    const context = options.actor(c, institution);
    const byId = input.creditInstructions.map((item) => typeof item.payeeFunctionalID === 'string');
    const byAddress = input.creditInstructions.filter((_, index) => !byId[index]);
    if (byAddress.length > 0 && !options.verifyAccount) {
      throw new NotSupportedError(
        'verifyAccount',
        '[payments] validating bare financial addresses needs an account verifier; name the payee with payeeFunctionalID',
      );
    }
    const rows = input.creditInstructions
      .filter((_, index) => byId[index])
      .map((item) => ({
        instructionId: item.instructionID,
        payeeFunctionalId: item.payeeFunctionalID,
        amount: wireAmount(item.amount),
        currency: item.currency,
        ...(typeof item.narration === 'string' && item.narration !== ''
          ? { narration: item.narration }
          : {}),
      }));
    const currency =
      c.req.query('currency') ?? String((rows[0] as { currency?: unknown })?.currency ?? '');
    const report: RowValidation[] =
      rows.length > 0
        ? await service.validatePayments(context, isCurrency(currency) ? currency : 'XXX', rows)
        : [];
    const failures: Array<{ instructionID: string; failureReason: string }> = [];
    let next = 0;
    for (const [index, item] of input.creditInstructions.entries()) {
      const instructionID = String(item.instructionID ?? `row ${index + 1}`).slice(0, 64);
      if (byId[index]) {
        const row = report[next++]!;
        if (!row.valid)
          failures.push({ instructionID, failureReason: row.reason ?? 'INVALID_ROW' });
        continue;
      }
      const address = item.financialAddress;
      if (typeof address !== 'string' || address === '' || address.length > 64) {
        failures.push({ instructionID, failureReason: 'INVALID_ROW' });
        continue;
      }
      const verdict = await options.verifyAccount!({
        financialAddress: address,
        ...(input.destinationDFSPID ? { institution: input.destinationDFSPID } : {}),
      });
      if (verdict.status === 'rejected')
        failures.push({ instructionID, failureReason: verdict.reason.slice(0, 100) });
    }
    const result = {
      clientCorrelationId: correlationId.slice(0, 12),
      batchId: input.batchId,
      numberOfFailedCases: failures.length,
      failedAccountLookups: failures,
    };
    if (callbackUrl) callbacks.send(callbackUrl, correlationId, result);
    return sendJson(
      c,
      {
        message: 'Address validation done; the result is also posted to X-Callback-URL.',
        ...result,
        // govblocks extension: the engine's report of the rows naming a payeeFunctionalID.
        report,
      },
      202,
    );
  });

  return {
    async drain() {
      while (jobs.size > 0) await Promise.allSettled([...jobs.values()]);
      await callbacks.drain();
    },
  };
}

/** The request's `X-Callback-URL` when given; 400 when it is not an accepted URL. */
export function callbackUrlOf(c: HttpContext, allow?: (url: URL) => boolean): string | undefined {
  const value = c.req.header('X-Callback-URL');
  const parsed = parseCallbackUrl(value, allow);
  if (parsed === 'invalid') {
    throw new ValidationError('The X-Callback-URL header is not an accepted URL', [
      { pointer: '/headers/X-Callback-URL', detail: 'an http(s) URL the server may call' },
    ]);
  }
  return parsed ? value : undefined;
}

function requiredQuery(c: HttpContext, name: string): string {
  const value = c.req.query(name);
  if (value === undefined || value === '' || value.length > 64) {
    throw new ValidationError(`The query parameter ${name} is required`, [
      { pointer: `/${name}`, detail: 'required, 1–64 characters' },
    ]);
  }
  return value;
}

/** One line of the engine's JSON reconciliation export. */
interface ExportLine {
  instruction_id: string;
  payee_functional_id: string;
  amount: number;
  currency: string;
  rail: string;
  state: InstructionState;
  attempts: number;
  rail_reference?: string;
  failure_reason?: string;
}

/** What a detail item shows of an instruction (from the export, or the instruction itself). */
type InstructionView = Pick<
  Instruction,
  'instructionId' | 'payeeFunctionalId' | 'amount' | 'currency' | 'rail' | 'state' | 'attempts'
> & { railReference?: string | undefined; failureReason?: string | undefined };

const viewOfExportLine = (line: ExportLine): InstructionView => ({
  instructionId: line.instruction_id,
  payeeFunctionalId: line.payee_functional_id,
  amount: line.amount,
  currency: line.currency,
  rail: line.rail,
  state: line.state,
  attempts: line.attempts,
  railReference: line.rail_reference,
  failureReason: line.failure_reason,
});

function detailOf(view: InstructionView, batchId: string, major: (amount: number) => number) {
  return {
    transactionId: view.instructionId,
    batchId,
    status: detailStatus[view.state],
    statusDetail: view.state,
    payeePartyId: view.payeeFunctionalId,
    payeePartyIdType: 'FUNCTIONAL_ID',
    payeeDfspId: view.rail,
    amount: major(view.amount),
    currency: view.currency,
    direction: 'OUTGOING',
    ...(view.failureReason ? { errorInformation: view.failureReason } : {}),
    // govblocks extensions
    state: view.state,
    amountMinor: view.amount,
    attempts: view.attempts,
    ...(view.railReference ? { railReference: view.railReference } : {}),
  };
}

function detailOfInstruction(instruction: Instruction, major: (amount: number) => number) {
  return {
    ...detailOf(instruction, instruction.batchId, major),
    completedAt: instruction.updatedAt,
    instruction,
  };
}

function detailOfHeldRow(row: HeldRow, currency: string, major: (amount: number) => number) {
  return {
    transactionId: row.instructionId ?? `row ${row.rowNumber}`,
    batchId: row.batchId,
    status: 'HELD',
    statusDetail: row.reason,
    ...(row.payeeFunctionalId
      ? { payeePartyId: row.payeeFunctionalId, payeePartyIdType: 'FUNCTIONAL_ID' }
      : {}),
    ...(row.amount !== undefined ? { amount: major(row.amount), currency } : {}),
    direction: 'OUTGOING',
    errorInformation: row.reason,
    heldRow: row,
  };
}

/** Held rows of page `pageNo` (0-based) of size `pageSize`, walking the report by row number. */
async function heldPage(
  service: PaymentService,
  context: ActorContext,
  batchId: string,
  pageNo: number,
  pageSize: number,
): Promise<HeldRow[]> {
  let skip = pageNo * pageSize;
  let afterRow: number | undefined;
  for (;;) {
    const page = await service.listHeldRows(context, batchId, {
      ...(afterRow !== undefined ? { afterRow } : {}),
      limit: skip > 0 ? Math.min(skip, 1000) : pageSize,
    });
    if (skip === 0 || page.length === 0) return page;
    skip -= page.length;
    afterRow = page[page.length - 1]!.rowNumber;
  }
}
