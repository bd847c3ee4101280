import { createHash } from 'node:crypto';
import {
  type ActorContext,
  type AuditEventInput,
  type AuditSink,
  type Clock,
  ConfigurationError,
  callAdapter,
  type IdGenerator,
  isGovBlocksError,
  NotFoundError,
  parse,
  parseMoney,
  systemClock,
  uuidv7Generator,
  ValidationError,
} from '@govblocks/core';
import { z } from 'zod';
import { PaymentError } from '../errors.js';
import type {
  AccountMapper,
  BatchProgress,
  InstructionChange,
  Lease,
  OutboxEvent,
  PaymentRail,
  PaymentService,
  PaymentStore,
  RailCallback,
  RowValidation,
} from '../ports.js';
import {
  type Attempt,
  type Batch,
  batchRowSchema,
  createBatchOptionsSchema,
  type HeldRow,
  type Instruction,
  processOptionsSchema,
  type Reconciliation,
  type Totals,
} from '../schemas.js';
import {
  type InstructionEvent,
  type InstructionState,
  instructionStates,
  nextBatchState,
  tryInstructionTransition,
} from '../state-machine.js';
import { auditActor, createAccountMapper } from './account-mapper.js';
import {
  createAuditRelay,
  createLeaseKeeper,
  createStatusEvents,
  type PaymentEvent,
  type PaymentStatusEvents,
} from './outbox.js';
import { csvField, readRows } from './row-reader.js';

export type { PaymentEvent } from './outbox.js';

/**
 * The idempotency key of an instruction on every rail, for every attempt: a hash of the batch
 * and instruction ids (no personal data). Stable forever, so a rail that applied an earlier
 * attempt late answers the retry with that same transfer instead of paying again.
 */
export function instructionIdempotencyKey(batchId: string, instructionId: string): string {
  return `gbp-${createHash('sha256').update(`${batchId}\u0000${instructionId}`).digest('hex').slice(0, 40)}`;
}

export interface PaymentServiceDependencies {
  store: PaymentStore;
  /** The rails by name; beneficiaries name the rail that pays them. */
  rails: Record<string, PaymentRail>;
  /** Defaults to `createAccountMapper({ store, audit, clock })`. */
  accountMapper?: AccountMapper;
  audit: AuditSink;
  clock?: Clock;
  newId?: IdGenerator;
  approval?: {
    /**
     * Per currency, the accepted sum (minor units) above which a batch needs two distinct
     * checkers; at or below it one checker. Currencies not listed use `defaultThreshold`.
     */
    thresholds?: Record<string, number>;
    /** Default 0: every non-empty batch needs two checkers. */
    defaultThreshold?: number;
  };
  /** Rows validated and written per store round trip while ingesting. Default 1,000. */
  ingestChunkSize?: number;
  /**
   * Best-effort payment-status hook, called in this process right after the commit of an
   * instruction's `paid`/`failed` and of a batch's completion; a consumer that throws does not
   * stop disbursement, and a crash right after the commit skips the call. For delivery that
   * survives crashes use `engine.statusEvents` (the same events, from the durable outbox).
   */
  onEvent?: (event: PaymentEvent) => void | Promise<void>;
  /**
   * Worker leases. `processBatch` holds a lease on its batch (renewed every third of `ttlMs`,
   * default 15,000 ms) and fences every write with it; another worker waits up to `waitMs`
   * (default `ttlMs` + 1,000) for the lease — a dead worker's lease expires after `ttlMs` — and
   * then fails with `PAYMENT_BATCH_BUSY`. The outbox relays use the same time to live.
   */
  lease?: { ttlMs?: number; waitMs?: number };
}

/**
 * The engine: the {@link PaymentService} port, the durable status events, the audit relay, and
 * `close()`, which stops listening to rail callbacks.
 */
export interface PaymentEngine extends PaymentService {
  /** Payment-status events from the transactional outbox (at least once, in order). */
  readonly statusEvents: PaymentStatusEvents;
  /**
   * Forwards the audit events waiting in the outbox to the `AuditSink` (each public method
   * already does so before it returns; a crash can leave some for the next call or this one).
   * Waits up to `waitMs` (default the lease time to live) for another process's relay. Returns
   * how many it forwarded. Throws what the sink throws (`UNAVAILABLE`): the events stay queued.
   */
  flushAudit(options?: { waitMs?: number }): Promise<number>;
  close(): void;
}

const emptyTotals = (): Totals => ({ count: 0, sum: 0 });
const byStateZero = (): Record<InstructionState, Totals> =>
  Object.fromEntries(instructionStates.map((state) => [state, emptyTotals()])) as Record<
    InstructionState,
    Totals
  >;

const sleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A token bucket: `take()` resolves when a call may go (at most `rate` per second). */
function rateLimiter(rate: number | undefined): () => Promise<void> {
  if (rate === undefined) return async () => {};
  const interval = 1000 / rate;
  let nextAt = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, nextAt);
    nextAt = at + interval;
    if (at > now) await sleep(at - now);
  };
}

const batchIdSchema = z.string().min(1).max(64);

/**
 * Creates the payments engine.
 *
 * @example
 * const audit = memoryAuditSink();
 * const service = createPaymentService({
 *   store: memoryPaymentStore(),
 *   rails: { simulator: simulatorRail() },
 *   audit,
 *   approval: { thresholds: { USD: 1_000_000 } },
 * });
 */
export function createPaymentService(dependencies: PaymentServiceDependencies): PaymentEngine {
  const { store, audit } = dependencies;
  const clock = dependencies.clock ?? systemClock;
  const newId = dependencies.newId ?? uuidv7Generator(clock);

  const ingestChunkSize = dependencies.ingestChunkSize ?? 1000;
  if (!store || typeof store.claimPending !== 'function')
    throw new ConfigurationError('[payments] a store is required');
  if (!audit || typeof audit.record !== 'function')
    throw new ConfigurationError('[payments] an audit sink is required');
  const rails = new Map<string, PaymentRail>();
  for (const [name, rail] of Object.entries(dependencies.rails ?? {})) {
    if (rail?.specificationVersion !== 'payment-rail/v1') {
      throw new ConfigurationError(`[payments] rail '${name}' does not implement payment-rail/v1`);
    }
    rails.set(name, rail);
  }
  if (rails.size === 0) throw new ConfigurationError('[payments] at least one rail is required');
  const leaseTtlMs = dependencies.lease?.ttlMs ?? 15_000;
  const leaseWaitMs = dependencies.lease?.waitMs ?? leaseTtlMs + 1000;
  if (!(leaseTtlMs > 0) || !(leaseWaitMs >= 0))
    throw new ConfigurationError('[payments] lease.ttlMs must be positive and waitMs not negative');
  const engineId = newId();
  const leases = createLeaseKeeper(store, clock, leaseTtlMs);
  const relay = createAuditRelay({ store, audit, leases, holder: engineId });
  const statusEvents = createStatusEvents({ store, leases, holder: engineId });
  const accountMapper =
    dependencies.accountMapper ?? createAccountMapper({ store, audit, clock, newId }, relay);
  if (accountMapper.specificationVersion !== 'account-mapper/v1') {
    throw new ConfigurationError(
      '[payments] the account mapper does not implement account-mapper/v1',
    );
  }
  /** Starts forwarding in the background (a failure is retried at the next flush). */
  const kickRelay = () => {
    relay.flush().catch(() => {});
  };
  const thresholdFor = (currency: string) =>
    dependencies.approval?.thresholds?.[currency] ?? dependencies.approval?.defaultThreshold ?? 0;

  const emit = (event: PaymentEvent) => {
    try {
      Promise.resolve(dependencies.onEvent?.(event)).catch(() => {});
    } catch {
      // a failing consumer never stops disbursement
    }
  };

  /**
   * What the audit events of one transaction share (built once for a group of thousands).
   * `extra`: the request and correlation ids, when the context has them.
   */
  const auditBase = (context: ActorContext) => {
    const extra: { requestId?: string; correlationId?: string } = {};
    if (context.requestId) extra.requestId = context.requestId;
    if (context.correlationId) extra.correlationId = context.correlationId;
    return {
      actor: auditActor(context),
      time: clock.now().toISOString(),
      extra: extra.requestId || extra.correlationId ? extra : undefined,
    };
  };
  type AuditBase = ReturnType<typeof auditBase>;
  type AuditDetails = NonNullable<AuditEventInput['details']>;

  /**
   * An audit event for the outbox, written in the transaction of the change it records and
   * forwarded to the sink by the relay. `details.eventId` is unique: the relay forwards at least
   * once, so a sink or reader may see an event twice and drops the repeat by it.
   */
  const auditEvent = (
    context: ActorContext,
    event: Omit<AuditEventInput, 'block' | 'actor' | 'time'>,
  ): OutboxEvent => {
    const { actor, time, extra } = auditBase(context);
    const id = newId();
    return {
      topic: 'audit',
      id,
      payload: {
        block: 'payments',
        actor,
        time,
        ...extra,
        ...event,
        details: { ...event.details, eventId: id },
      } satisfies AuditEventInput,
    };
  };
  /**
   * The audit event of one instruction's transition, built without copying (thousands per
   * transaction): `details` must be a fresh object; it receives the `eventId`.
   */
  const instructionAuditEvent = (
    base: AuditBase,
    to: string,
    instruction: { batchId: string; instructionId: string },
    details: AuditDetails,
  ): OutboxEvent => {
    const id = newId();
    details.eventId = id;
    const action = `payment.instruction.${to}`;
    const subject = instructionSubject(instruction);
    const outcome = to === 'failed' ? 'failure' : 'success';
    const payload: AuditEventInput = base.extra
      ? {
          block: 'payments',
          actor: base.actor,
          time: base.time,
          ...base.extra,
          action,
          subject,
          outcome,
          details,
        }
      : {
          block: 'payments',
          actor: base.actor,
          time: base.time,
          action,
          subject,
          outcome,
          details,
        };
    return { topic: 'audit', id, payload };
  };
  const statusEvent = (id: string, event: PaymentEvent): OutboxEvent => ({
    topic: 'status',
    id,
    payload: event,
  });

  const getBatchOrThrow = async (batchId: string): Promise<Batch> => {
    const batch = await store.getBatch(parse(batchIdSchema, batchId, '[payments] batch id'));
    if (!batch) throw new NotFoundError(`[payments] no batch '${batchId}'`);
    return batch;
  };

  /**
   * Compare-and-set a batch, writing the outbox events `events` builds in the same transaction;
   * on a lost race re-read and retry `change`.
   */
  const mutateBatch = async (
    batchId: string,
    change: (batch: Batch) => Batch | undefined,
    events: (before: Batch, after: Batch) => OutboxEvent[],
    fence?: Lease,
  ): Promise<{ before: Batch; after: Batch } | undefined> => {
    for (let tries = 0; tries < 20; tries++) {
      const before = await getBatchOrThrow(batchId);
      const changed = change(before);
      if (!changed) return undefined;
      const after = {
        ...changed,
        version: before.version + 1,
        updatedAt: clock.now().toISOString(),
      };
      const outbox = () => events(before, after);
      if (await store.updateBatch(after, before.version, { outbox, ...(fence ? { fence } : {}) }))
        return { before, after };
    }
    throw new PaymentError(
      'PAYMENT_ILLEGAL_TRANSITION',
      `[payments] batch '${batchId}' keeps changing; try again`,
    );
  };

  const instructionSubject = (instruction: { batchId: string; instructionId: string }) => ({
    type: 'payment-instruction',
    id: `${instruction.batchId}/${instruction.instructionId}`,
  });

  /**
   * Applies changes; the audit event of each change that took effect, and the status event of
   * each that reached `paid`/`failed`, are written in the same transaction. `fence`: the batch
   * lease of the worker disbursing.
   */
  const apply = async (
    context: ActorContext,
    changes: Array<InstructionChange & { event: InstructionEvent; instruction: Instruction }>,
    attempts: Attempt[],
    fence?: Lease,
  ): Promise<Set<string>> => {
    if (changes.length === 0 && attempts.length === 0) return new Set();
    const notices: PaymentEvent[] = [];
    const outbox = (applied: ReadonlySet<string>) => {
      const events: OutboxEvent[] = [];
      notices.length = 0;
      const at = clock.now().toISOString();
      const base = auditBase(context);
      for (const change of changes) {
        if (!applied.has(change.instructionId)) continue;
        const { instruction } = change;
        const details: AuditDetails = {
          batchId: change.batchId,
          instructionId: change.instructionId,
          from: change.from,
          to: change.to,
          event: change.event,
          amount: instruction.amount,
          currency: instruction.currency,
          rail: instruction.rail,
          attempt: instruction.attempts,
        };
        if (change.failureReason) details.reason = change.failureReason;
        events.push(instructionAuditEvent(base, change.to, change, details));
        if (change.to !== 'paid' && change.to !== 'failed') continue;
        const notice = {
          type: change.to === 'paid' ? 'payment.instruction.paid' : 'payment.instruction.failed',
          batchId: change.batchId,
          instructionId: change.instructionId,
          payeeFunctionalId: instruction.payeeFunctionalId,
          amount: { amount: instruction.amount, currency: instruction.currency },
          rail: instruction.rail,
        } as PaymentEvent & { railReference?: string; reason?: string };
        if (change.railReference) notice.railReference = change.railReference;
        if (change.failureReason) notice.reason = change.failureReason;
        notice.at = at;
        notices.push(notice);
        events.push(statusEvent(`${change.batchId}/${change.instructionId}/${change.to}`, notice));
      }
      return events;
    };
    const applied = await store.applyChanges(changes, attempts, clock.now(), {
      outbox,
      ...(fence ? { fence } : {}),
    });
    if (notices.length > 0) {
      statusEvents.notify();
      for (const notice of notices) emit(notice);
    }
    kickRelay();
    return applied;
  };

  const changeFor = (
    instruction: Instruction,
    event: InstructionEvent,
    extra: { railReference?: string; failureReason?: string } = {},
  ) => {
    const to = tryInstructionTransition(instruction.state, event);
    if (to === undefined) return undefined;
    return {
      batchId: instruction.batchId,
      instructionId: instruction.instructionId,
      from: instruction.state,
      to,
      event,
      instruction,
      ...extra,
    };
  };

  const attemptOf = (
    instruction: Instruction,
    kind: Attempt['kind'],
    outcome: Attempt['outcome'],
    extra: { railReference?: string; reason?: string } = {},
  ): Attempt => ({
    batchId: instruction.batchId,
    instructionId: instruction.instructionId,
    kind,
    attempt: instruction.attempts,
    outcome,
    at: clock.now().toISOString(),
    ...(extra.railReference !== undefined ? { railReference: extra.railReference } : {}),
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
  });

  const railOf = (name: string): PaymentRail => {
    const rail = rails.get(name);
    if (!rail)
      throw new PaymentError(
        'PAYMENT_UNKNOWN_RAIL',
        `[payments] rail '${name}' is not configured`,
        { status: 500 },
      );
    return rail;
  };

  const reconcile = async (batchId: string): Promise<Reconciliation> => {
    const batch = await getBatchOrThrow(batchId);
    const totals = await store.totals(batchId);
    const byState = byStateZero();
    const byRail: Reconciliation['byRail'] = {};
    for (const row of totals.rows) {
      byState[row.state].count += row.count;
      byState[row.state].sum += row.sum;
      const rail = byRail[row.rail] ?? byStateZero();
      byRail[row.rail] = rail;
      rail[row.state].count += row.count;
      rail[row.state].sum += row.sum;
    }
    const all = Object.values(byState).reduce(
      (sum, total) => ({ count: sum.count + total.count, sum: sum.sum + total.sum }),
      emptyTotals(),
    );
    const balanced =
      all.count === batch.accepted.count &&
      all.sum === batch.accepted.sum &&
      batch.accepted.count + batch.held.count === batch.computed.count;
    return {
      batchId,
      batchState: batch.state,
      currency: batch.currency,
      declared: batch.declared,
      computed: batch.computed,
      held: batch.held,
      byState,
      byRail,
      attempts: {
        submit: totals.attempts.submit,
        inquiry: totals.attempts.inquiry,
        callback: totals.attempts.callback,
      },
      balanced,
    };
  };

  /** Validates one read row into an instruction draft, or the reason it is held. */
  const checkRow = (
    batchId: string,
    currency: string,
    rowNumber: number,
    value: unknown,
  ): { row: z.infer<typeof batchRowSchema>; amount: number } | { held: HeldRow } => {
    const loose = (typeof value === 'object' && value !== null ? value : {}) as Record<
      string,
      unknown
    >;
    let amount: number | undefined;
    if (
      typeof loose.amount === 'string' &&
      (loose.currency === undefined || loose.currency === currency)
    ) {
      try {
        const parsed = parseMoney(loose.amount, currency).amount;
        if (parsed > 0) amount = parsed;
      } catch {
        // reported below through the schema or the decimals check
      }
    }
    const base = {
      batchId,
      rowNumber,
      ...(typeof loose.instructionId === 'string'
        ? { instructionId: loose.instructionId.slice(0, 64) }
        : {}),
      ...(typeof loose.payeeFunctionalId === 'string'
        ? { payeeFunctionalId: loose.payeeFunctionalId.slice(0, 64) }
        : {}),
      ...(amount !== undefined ? { amount } : {}),
    };
    const result = batchRowSchema.safeParse(value);
    if (!result.success) {
      return {
        held: {
          ...base,
          reason: 'INVALID_ROW',
          errors: result.error.issues.map((issue) => ({
            pointer: `/${issue.path.join('/')}`,
            detail: issue.message,
          })),
        },
      };
    }
    if (result.data.currency !== currency) {
      return {
        held: {
          ...base,
          reason: 'CURRENCY_MISMATCH',
          errors: [{ pointer: '/currency', detail: `the batch is in ${currency}` }],
        },
      };
    }
    if (amount === undefined) {
      return {
        held: {
          ...base,
          reason: 'INVALID_ROW',
          errors: [{ pointer: '/amount', detail: `not a positive ${currency} amount` }],
        },
      };
    }
    return { row: result.data, amount };
  };

  /** Disburses a batch under its lease `fence` (see `processBatch`). */
  const disburse = async (
    context: ActorContext,
    batchId: string,
    options: z.output<typeof processOptionsSchema>,
    fence: Lease,
    started: number,
    onProgress: ((progress: BatchProgress) => void) | undefined,
  ): Promise<void> => {
    // Re-read: another worker may have moved the batch on while this one waited for the lease.
    const batch = await getBatchOrThrow(batchId);
    if (batch.state === 'completed') return;
    if (batch.state !== 'approved' && batch.state !== 'processing') {
      throw new PaymentError(
        'PAYMENT_BATCH_NOT_APPROVED',
        `[payments] batch '${batchId}' is ${batch.state}, not approved`,
      );
    }
    const resumed = batch.state === 'processing';
    await mutateBatch(
      batchId,
      (current) => ({ ...current, state: nextBatchState(current.state, 'start') }),
      () => [
        auditEvent(context, {
          action: resumed ? 'payment.batch.resumed' : 'payment.batch.processing',
          subject: { type: 'payment-batch', id: batchId },
          outcome: 'success',
          details: { from: batch.state, to: 'processing' },
        }),
      ],
      fence,
    );
    kickRelay();

    await store.prepareBatch?.(batchId);

    /** Walks the batch's instructions in `state` page by page (by seq); true when any. */
    const eachPage = async (
      state: InstructionState,
      handle: (page: Instruction[]) => Promise<void>,
    ): Promise<boolean> => {
      let any = false;
      for (let afterSeq = -1; ; ) {
        const page = await store.listInstructions(batchId, {
          states: [state],
          afterSeq,
          limit: options.chunkSize,
        });
        if (page.length === 0) return any;
        afterSeq = page[page.length - 1]!.seq;
        await handle(page);
        any = true;
      }
    };

    // 1. Recovery: whatever was claimed by an interrupted run has an unknown outcome.
    await eachPage('submitting', async (page) => {
      const changes = page.flatMap((instruction) => {
        const change = changeFor(instruction, 'recover');
        return change ? [change] : [];
      });
      await apply(
        context,
        changes,
        page.map((instruction) => attemptOf(instruction, 'recover', 'started')),
        fence,
      );
    });

    // Per rail: a rate limit and a cap on calls in flight, shared by every chunk in flight.
    const gates = new Map<
      string,
      { rate: () => Promise<void>; run: <T>(fn: () => Promise<T>) => Promise<T> }
    >();
    const gateFor = (rail: string) => {
      let gate = gates.get(rail);
      if (!gate) {
        const limit = options.rails?.[rail];
        const rate = rateLimiter(limit?.ratePerSecond ?? options.ratePerSecond);
        const cap = limit?.concurrency ?? Number.POSITIVE_INFINITY;
        let active = 0;
        const waiting: Array<() => void> = [];
        gate = {
          rate,
          async run(fn) {
            if (active >= cap) await new Promise<void>((resolve) => waiting.push(resolve));
            active += 1;
            try {
              await rate();
              return await fn();
            } finally {
              active -= 1;
              waiting.shift()?.();
            }
          },
        };
        gates.set(rail, gate);
      }
      return gate;
    };

    let lastProgress = 0;
    const progress = async (force = false) => {
      if (!onProgress || (!force && Date.now() - lastProgress < 500)) return;
      lastProgress = Date.now();
      const totals = await store.totals(batchId);
      const byState = Object.fromEntries(
        instructionStates.map((state) => [state, 0]),
      ) as BatchProgress['byState'];
      for (const row of totals.rows) byState[row.state] += row.count;
      onProgress({ batchId, byState });
    };

    /** Asks the rail about instructions in `unknown` or `accepted`; applies what it knows. */
    const inquire = async (instructions: Instruction[]) => {
      const outcomes = await mapPool(instructions, options.concurrency, async (instruction) => {
        const rail = railOf(instruction.rail);
        try {
          const status = await gateFor(instruction.rail).run(() =>
            callAdapter(`payments/${instruction.rail}`, 'inquire', () =>
              rail.inquire(instruction.idempotencyKey),
            ),
          );
          return { instruction, status };
        } catch (error) {
          return { instruction, error: isGovBlocksError(error) ? error.code : 'ERROR' };
        }
      });
      const changes: Parameters<typeof apply>[1] = [];
      const attempts: Attempt[] = [];
      for (const outcome of outcomes) {
        const { instruction } = outcome;
        if (!('status' in outcome) || outcome.status === undefined) {
          attempts.push(attemptOf(instruction, 'inquiry', 'error', { reason: outcome.error }));
          continue;
        }
        const { status } = outcome;
        const railReference = 'railReference' in status ? status.railReference : undefined;
        const reference = railReference !== undefined ? { railReference } : {};
        attempts.push(
          attemptOf(instruction, 'inquiry', status.status, {
            ...reference,
            ...(status.status === 'failed' ? { reason: status.reason } : {}),
          }),
        );
        let change: ReturnType<typeof changeFor>;
        if (status.status === 'paid') change = changeFor(instruction, 'inquiry.paid', reference);
        else if (status.status === 'failed')
          change = changeFor(instruction, 'inquiry.failed', {
            ...reference,
            failureReason: status.reason,
          });
        else if (status.status === 'pending')
          change = changeFor(instruction, 'inquiry.pending', reference);
        else if (instruction.attempts >= options.maxAttempts)
          change = changeFor(instruction, 'give_up', { failureReason: 'MAX_ATTEMPTS' });
        else change = changeFor(instruction, 'inquiry.not_found');
        if (change) changes.push(change);
      }
      await apply(context, changes, attempts, fence);
    };

    const submit = async (claimed: Instruction[]) => {
      const outcomes = await mapPool(claimed, options.concurrency, async (instruction) => {
        const rail = railOf(instruction.rail);
        try {
          const result = await gateFor(instruction.rail).run(() =>
            callAdapter(`payments/${instruction.rail}`, 'submit', () =>
              rail.submit({
                idempotencyKey: instruction.idempotencyKey,
                amount: { amount: instruction.amount, currency: instruction.currency },
                modality: instruction.modality,
                financialAddress: instruction.financialAddress,
                ...(instruction.institution ? { institution: instruction.institution } : {}),
                ...(instruction.narration ? { narration: instruction.narration } : {}),
              }),
            ),
          );
          return { instruction, result };
        } catch (error) {
          const code = isGovBlocksError(error) ? error.code : 'ERROR';
          return { instruction, error: code };
        }
      });
      const changes: Parameters<typeof apply>[1] = [];
      const attempts: Attempt[] = [];
      for (const outcome of outcomes) {
        const { instruction } = outcome;
        let change: ReturnType<typeof changeFor>;
        if ('result' in outcome && outcome.result) {
          const { result } = outcome;
          const reference =
            result.railReference !== undefined ? { railReference: result.railReference } : {};
          if (result.status === 'failed') {
            attempts.push(
              attemptOf(instruction, 'submit', 'failed', { ...reference, reason: result.reason }),
            );
            change = changeFor(instruction, 'rail.failed', {
              ...reference,
              failureReason: result.reason,
            });
          } else {
            attempts.push(attemptOf(instruction, 'submit', result.status, reference));
            change = changeFor(
              instruction,
              result.status === 'paid' ? 'rail.paid' : 'rail.accepted',
              reference,
            );
          }
        } else if ('error' in outcome && outcome.error === 'PAYMENT_RAIL_UNAVAILABLE') {
          attempts.push(attemptOf(instruction, 'submit', 'unavailable'));
          change =
            instruction.attempts >= options.maxAttempts
              ? changeFor(instruction, 'give_up', { failureReason: 'MAX_ATTEMPTS' })
              : changeFor(instruction, 'rail.unavailable');
        } else {
          // Timeout or any unexpected error: the outcome is unknown; inquire before any retry.
          attempts.push(
            attemptOf(instruction, 'submit', 'timeout', {
              reason: 'error' in outcome ? outcome.error : 'UNKNOWN',
            }),
          );
          change = changeFor(instruction, 'rail.timeout');
        }
        if (change) changes.push(change);
      }
      await apply(context, changes, attempts, fence);
    };

    // 2. The loop: resolve unknowns, submit pending, poll accepted, until all are final.
    for (;;) {
      let worked = await eachPage('unknown', inquire);
      // Several chunks in flight at once: claims are atomic, so workers never share an instruction.
      // The cursor is shared: claims walk forward; one pass from the start picks up rows that
      // went back to pending (nothing applied) behind it.
      let cursor = -1;
      const claimLoop = async () => {
        for (;;) {
          const from = cursor;
          // The claim moves them to `submitting` and writes its audit events in one transaction.
          const claimed = await store.claimPending(batchId, options.chunkSize, clock.now(), from, {
            fence,
            outbox: (rows) => {
              const base = auditBase(context);
              return rows.map((instruction) =>
                instructionAuditEvent(base, 'submitting', instruction, {
                  batchId,
                  instructionId: instruction.instructionId,
                  from: 'pending',
                  to: 'submitting',
                  event: 'submit',
                  attempt: instruction.attempts,
                  rail: instruction.rail,
                }),
              );
            },
          });
          if (claimed.length === 0) {
            if (from === -1) return;
            if (cursor === from) cursor = -1;
            continue;
          }
          cursor = Math.max(cursor, claimed[claimed.length - 1]!.seq);
          await submit(claimed);
          worked = true;
          await progress();
          if (Date.now() - started > options.deadlineMs) return;
        }
      };
      await Promise.all(Array.from({ length: options.pipeline }, claimLoop));
      const unresolved = await store.listInstructions(batchId, {
        states: ['unknown', 'pending', 'submitting'],
        limit: 1,
      });
      if (unresolved.length > 0) {
        if (Date.now() - started > options.deadlineMs) break;
        if (!worked) await sleep(options.pollIntervalMs);
        continue;
      }
      const accepted = await store.listInstructions(batchId, {
        states: ['accepted'],
        limit: options.chunkSize,
      });
      if (accepted.length === 0) break;
      if (Date.now() - started > options.deadlineMs) break;
      await sleep(options.pollIntervalMs);
      await eachPage('accepted', inquire);
    }

    const open = await store.listInstructions(batchId, {
      states: ['pending', 'submitting', 'unknown', 'accepted'],
      limit: 1,
    });
    if (open.length === 0) {
      // Every instruction is final, so the totals are too: the completion, its audit event and
      // its status event commit together.
      const summary = await reconcile(batchId);
      const completed: PaymentEvent = {
        type: 'payment.batch.completed',
        batchId,
        paid: summary.byState.paid,
        failed: summary.byState.failed,
        at: clock.now().toISOString(),
      };
      const done = await mutateBatch(
        batchId,
        (current) =>
          current.state === 'processing'
            ? { ...current, state: nextBatchState(current.state, 'complete') }
            : undefined,
        () => [
          auditEvent(context, {
            action: 'payment.batch.completed',
            subject: { type: 'payment-batch', id: batchId },
            outcome: 'success',
            details: {
              from: 'processing',
              to: 'completed',
              paidCount: summary.byState.paid.count,
              paidSum: summary.byState.paid.sum,
              failedCount: summary.byState.failed.count,
            },
          }),
          statusEvent(`${batchId}/completed`, completed),
        ],
        fence,
      );
      if (done) {
        statusEvents.notify();
        emit(completed);
      }
    }
    await progress(true);
  };

  const service: PaymentService = {
    specificationVersion: 'payments/v1',

    registerBeneficiaries: (context, beneficiaries) =>
      accountMapper.register(context, beneficiaries),
    updateBeneficiaries: (context, updates) => accountMapper.update(context, updates),
    async lookupAccount(_context, functionalId) {
      const id = parse(z.string().min(1).max(64), functionalId, '[payments] functional id');
      const [result] = await accountMapper.lookup([id]);
      return result!;
    },
    async lookupAccounts(_context, functionalIds) {
      const ids = parse(
        z.array(z.string().min(1).max(64)).max(10_000),
        functionalIds,
        '[payments] functional ids',
      );
      return accountMapper.lookup(ids);
    },

    async validatePayments(_context, currency, rows) {
      const list = parse(z.array(z.unknown()).max(10_000), rows, '[payments] rows');
      const checked = list.map((value, index) =>
        checkRow('validation', currency, index + 1, value),
      );
      const good = checked.flatMap((item) => ('row' in item ? [item.row] : []));
      const lookups = new Map(
        (await accountMapper.lookup([...new Set(good.map((row) => row.payeeFunctionalId))])).map(
          (found) => [found.functionalId, found],
        ),
      );
      const seenInstructions = new Set<string>();
      const seenPayees = new Set<string>();
      return checked.map((item, index): RowValidation => {
        const rowNumber = index + 1;
        if ('held' in item) {
          return {
            rowNumber,
            ...(item.held.instructionId ? { instructionId: item.held.instructionId } : {}),
            valid: false,
            reason: item.held.reason,
            errors: item.held.errors,
          };
        }
        const { row } = item;
        const fail = (reason: RowValidation['reason'], detail: string): RowValidation => ({
          rowNumber,
          instructionId: row.instructionId,
          valid: false,
          reason,
          errors: [{ pointer: '', detail }],
        });
        if (seenInstructions.has(row.instructionId))
          return fail('DUPLICATE_INSTRUCTION', 'instruction id repeated');
        seenInstructions.add(row.instructionId);
        if (seenPayees.has(row.payeeFunctionalId))
          return fail('DUPLICATE_BENEFICIARY', 'beneficiary repeated');
        seenPayees.add(row.payeeFunctionalId);
        const found = lookups.get(row.payeeFunctionalId);
        if (!found?.found) return fail('ACCOUNT_NOT_FOUND', 'no account registered for the payee');
        if (!rails.has(found.rail))
          return fail('RAIL_NOT_CONFIGURED', 'the payee’s rail is not configured');
        return { rowNumber, instructionId: row.instructionId, valid: true, errors: [] };
      });
    },

    async createBatch(context, optionsInput, rows) {
      const options = parse(createBatchOptionsSchema, optionsInput, '[payments] batch options');
      const batchId = options.batchId ?? newId();
      const now = clock.now().toISOString();
      let batch: Batch = {
        batchId,
        state: 'received',
        currency: options.currency,
        ...(options.description ? { description: options.description } : {}),
        createdBy: context.actor.id,
        createdAt: now,
        updatedAt: now,
        ...(options.scheduledFor ? { scheduledFor: options.scheduledFor } : {}),
        declared: { count: options.control.count, sum: options.control.sum },
        computed: emptyTotals(),
        accepted: emptyTotals(),
        held: emptyTotals(),
        approvalsRequired: 0,
        approvals: [],
        version: 1,
      };
      await store.createBatch(batch, {
        outbox: () => [
          auditEvent(context, {
            action: 'payment.batch.received',
            subject: { type: 'payment-batch', id: batchId },
            outcome: 'success',
            details: {
              currency: options.currency,
              declaredCount: options.control.count,
              declaredSum: options.control.sum,
            },
          }),
        ],
      });
      kickRelay();

      const computed = emptyTotals();
      const accepted = emptyTotals();
      const held = emptyTotals();
      const addTo = (totals: Totals, amount: number | undefined) => {
        totals.count += 1;
        totals.sum += amount ?? 0;
        if (!Number.isSafeInteger(totals.sum)) {
          throw new ValidationError('[payments] the batch sum exceeds the safe integer range', []);
        }
      };

      const flush = async (
        chunk: Array<{ rowNumber: number; value?: unknown; error?: string }>,
      ) => {
        const heldRows: HeldRow[] = [];
        const drafts: Array<{
          row: z.infer<typeof batchRowSchema>;
          amount: number;
          rowNumber: number;
        }> = [];
        for (const item of chunk) {
          if (item.error !== undefined) {
            heldRows.push({
              batchId,
              rowNumber: item.rowNumber,
              reason: 'INVALID_ROW',
              errors: [{ pointer: '', detail: item.error }],
            });
            continue;
          }
          const checked = checkRow(batchId, options.currency, item.rowNumber, item.value);
          if ('held' in checked) heldRows.push(checked.held);
          else drafts.push({ ...checked, rowNumber: item.rowNumber });
        }
        const lookups = new Map(
          (
            await accountMapper.lookup([
              ...new Set(drafts.map((draft) => draft.row.payeeFunctionalId)),
            ])
          ).map((found) => [found.functionalId, found]),
        );
        const instructions: Instruction[] = [];
        for (const draft of drafts) {
          const found = lookups.get(draft.row.payeeFunctionalId);
          const base = {
            batchId,
            rowNumber: draft.rowNumber,
            instructionId: draft.row.instructionId,
            payeeFunctionalId: draft.row.payeeFunctionalId,
            amount: draft.amount,
          };
          if (!found?.found) {
            heldRows.push({
              ...base,
              reason: 'ACCOUNT_NOT_FOUND',
              errors: [{ pointer: '/payeeFunctionalId', detail: 'no account registered' }],
            });
            continue;
          }
          if (!rails.has(found.rail)) {
            heldRows.push({
              ...base,
              reason: 'RAIL_NOT_CONFIGURED',
              errors: [
                { pointer: '/payeeFunctionalId', detail: 'the account’s rail is not configured' },
              ],
            });
            continue;
          }
          instructions.push({
            batchId,
            instructionId: draft.row.instructionId,
            seq: draft.rowNumber,
            payeeFunctionalId: draft.row.payeeFunctionalId,
            amount: draft.amount,
            currency: options.currency,
            rail: found.rail,
            modality: found.modality,
            financialAddress: found.financialAddress,
            ...(found.institution ? { institution: found.institution } : {}),
            ...(draft.row.narration ? { narration: draft.row.narration } : {}),
            state: 'pending',
            attempts: 0,
            idempotencyKey: instructionIdempotencyKey(batchId, draft.row.instructionId),
            updatedAt: now,
          });
        }
        const { duplicates } = await store.insertInstructions(instructions);
        const duplicateIds = new Set<Instruction>();
        for (const duplicate of duplicates) {
          duplicateIds.add(duplicate.instruction);
          heldRows.push({
            batchId,
            rowNumber: duplicate.instruction.seq,
            instructionId: duplicate.instruction.instructionId,
            payeeFunctionalId: duplicate.instruction.payeeFunctionalId,
            amount: duplicate.instruction.amount,
            reason: duplicate.reason,
            errors: [
              {
                pointer:
                  duplicate.reason === 'DUPLICATE_BENEFICIARY'
                    ? '/payeeFunctionalId'
                    : '/instructionId',
                detail:
                  duplicate.reason === 'DUPLICATE_BENEFICIARY'
                    ? 'the beneficiary already has an instruction in this batch'
                    : 'instruction id repeated',
              },
            ],
          });
        }
        if (heldRows.length > 0) await store.insertHeldRows(heldRows);
        for (const instruction of instructions) {
          if (duplicateIds.has(instruction)) continue;
          addTo(accepted, instruction.amount);
          addTo(computed, instruction.amount);
        }
        for (const row of heldRows) {
          addTo(held, row.amount);
          addTo(computed, row.amount);
        }
      };

      let chunk: Array<{ rowNumber: number; value?: unknown; error?: string }> = [];
      for await (const item of readRows(rows, options.format)) {
        chunk.push(item);
        if (chunk.length >= ingestChunkSize) {
          await flush(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await flush(chunk);

      const matches =
        computed.count === options.control.count && computed.sum === options.control.sum;
      const required = accepted.sum > thresholdFor(options.currency) ? 2 : 1;
      const result = await mutateBatch(
        batchId,
        (current) => ({
          ...current,
          state: nextBatchState(current.state, matches ? 'validated' : 'totals_mismatch'),
          computed,
          accepted,
          held,
          approvalsRequired: required,
          ...(matches ? {} : { reason: 'CONTROL_TOTALS_MISMATCH' }),
        }),
        () => [
          auditEvent(context, {
            action: matches ? 'payment.batch.validated' : 'payment.batch.rejected',
            subject: { type: 'payment-batch', id: batchId },
            outcome: matches ? 'success' : 'failure',
            details: {
              computedCount: computed.count,
              computedSum: computed.sum,
              acceptedCount: accepted.count,
              heldCount: held.count,
              approvalsRequired: required,
              ...(matches ? {} : { reason: 'CONTROL_TOTALS_MISMATCH' }),
            },
          }),
        ],
      );
      batch = result!.after;
      await relay.flush();
      return batch;
    },

    getBatch: (_context, batchId) => getBatchOrThrow(batchId),

    async listHeldRows(_context, batchId, page = {}) {
      await getBatchOrThrow(batchId);
      return store.listHeldRows(batchId, {
        afterRow: page.afterRow ?? 0,
        limit: Math.min(page.limit ?? 1000, 10_000),
      });
    },

    async approveBatch(context, batchId) {
      const actorId = context.actor.id;
      let approved = false;
      const result = await mutateBatch(
        batchId,
        (batch) => {
          if (batch.state !== 'awaiting_approval') nextBatchState(batch.state, 'approve');
          if (batch.createdBy === actorId) {
            throw new PaymentError(
              'PAYMENT_APPROVAL_DENIED',
              '[payments] the maker of a batch may not approve it',
              { status: 403 },
            );
          }
          if (batch.approvals.some((approval) => approval.actorId === actorId)) {
            throw new PaymentError(
              'PAYMENT_APPROVAL_DENIED',
              '[payments] this checker already approved the batch; another must',
              { status: 403 },
            );
          }
          const approvals = [...batch.approvals, { actorId, at: clock.now().toISOString() }];
          approved = approvals.length >= batch.approvalsRequired;
          return {
            ...batch,
            approvals,
            state: approved ? nextBatchState(batch.state, 'approve') : batch.state,
          };
        },
        (_before, after) => [
          auditEvent(context, {
            action: 'payment.batch.approval_recorded',
            subject: { type: 'payment-batch', id: batchId },
            outcome: 'success',
            details: {
              approvals: after.approvals.length,
              approvalsRequired: after.approvalsRequired,
            },
          }),
          ...(approved
            ? [
                auditEvent(context, {
                  action: 'payment.batch.approved',
                  subject: { type: 'payment-batch', id: batchId },
                  outcome: 'success',
                  details: { from: 'awaiting_approval', to: 'approved' },
                }),
              ]
            : []),
        ],
      );
      await relay.flush();
      return result!.after;
    },

    async rejectBatch(context, batchId, reason) {
      const text = parse(z.string().min(1).max(256), reason, '[payments] reason');
      const result = await mutateBatch(
        batchId,
        (batch) => {
          if (batch.createdBy === context.actor.id) {
            throw new PaymentError(
              'PAYMENT_APPROVAL_DENIED',
              '[payments] the maker of a batch may not reject it',
              { status: 403 },
            );
          }
          return { ...batch, state: nextBatchState(batch.state, 'reject'), reason: text };
        },
        (before) => [
          auditEvent(context, {
            action: 'payment.batch.rejected',
            subject: { type: 'payment-batch', id: batchId },
            outcome: 'success',
            details: { from: before.state, to: 'rejected', reason: text },
          }),
        ],
      );
      await relay.flush();
      return result!.after;
    },

    async cancelBatch(context, batchId) {
      const result = await mutateBatch(
        batchId,
        (batch) => ({ ...batch, state: nextBatchState(batch.state, 'cancel') }),
        (before) => [
          auditEvent(context, {
            action: 'payment.batch.cancelled',
            subject: { type: 'payment-batch', id: batchId },
            outcome: 'success',
            details: { from: before.state, to: 'cancelled' },
          }),
        ],
      );
      // Cancel every pending instruction (none was ever submitted: the batch never started).
      for (;;) {
        const page = await store.listInstructions(batchId, { states: ['pending'], limit: 1000 });
        if (page.length === 0) break;
        const changes = page.flatMap((instruction) => {
          const change = changeFor(instruction, 'cancel', { failureReason: 'BATCH_CANCELLED' });
          return change ? [change] : [];
        });
        await apply(context, changes, []);
      }
      await relay.flush();
      return result!.after;
    },

    async processBatch(context, batchId, optionsInput = {}, onProgress) {
      const options = parse(processOptionsSchema, optionsInput, '[payments] process options');
      const started = Date.now();
      const batch = await getBatchOrThrow(batchId);
      if (batch.state === 'completed') return reconcile(batchId);
      if (batch.state !== 'approved' && batch.state !== 'processing') {
        throw new PaymentError(
          'PAYMENT_BATCH_NOT_APPROVED',
          `[payments] batch '${batchId}' is ${batch.state}, not approved`,
        );
      }
      if (batch.scheduledFor && new Date(batch.scheduledFor) > clock.now()) {
        throw new PaymentError(
          'PAYMENT_BATCH_NOT_APPROVED',
          `[payments] batch '${batchId}' is scheduled for ${batch.scheduledFor}`,
        );
      }
      // One worker at a time: the batch lease (waiting for a dead worker's to expire). Every
      // write of this run is fenced by it, so a worker that lost it cannot write again.
      const held = await leases.acquire(`payments:batch:${batchId}`, newId(), leaseWaitMs);
      if (!held) {
        throw new PaymentError(
          'PAYMENT_BATCH_BUSY',
          `[payments] batch '${batchId}' is being disbursed by another worker`,
        );
      }
      try {
        await disburse(context, batchId, options, held.lease, started, onProgress);
      } finally {
        await held.release();
      }
      await relay.flush(leaseTtlMs);
      return reconcile(batchId);
    },

    async getInstruction(_context, batchId, instructionId) {
      const found = await store.getInstruction(batchId, instructionId);
      if (!found)
        throw new NotFoundError(
          `[payments] no instruction '${instructionId}' in batch '${batchId}'`,
        );
      return found;
    },

    async handleRailCallback(context, railName, callback: RailCallback) {
      const instruction = await store.getInstructionByKey(callback.idempotencyKey);
      if (!instruction || instruction.rail !== railName) return false;
      const reference =
        callback.railReference !== undefined ? { railReference: callback.railReference } : {};
      const attempt = attemptOf(instruction, 'callback', callback.status, {
        ...reference,
        ...(callback.reason !== undefined ? { reason: callback.reason } : {}),
      });
      const change =
        callback.status === 'paid'
          ? changeFor(instruction, 'callback.paid', reference)
          : changeFor(instruction, 'callback.failed', {
              ...reference,
              failureReason: callback.reason ?? 'FAILED',
            });
      const applied = await apply(context, change ? [change] : [], [attempt]);
      await relay.flush();
      return applied.has(instruction.instructionId);
    },

    reconcile: (_context, batchId) => reconcile(batchId),

    async *exportReconciliation(_context, batchId, format) {
      await getBatchOrThrow(batchId);
      const columns = [
        'instruction_id',
        'payee_functional_id',
        'amount',
        'currency',
        'rail',
        'state',
        'attempts',
        'rail_reference',
        'failure_reason',
      ] as const;
      if (format === 'csv') yield `${columns.join(',')}\n`;
      for (let afterSeq = -1; ; ) {
        const page = await store.listInstructions(batchId, { afterSeq, limit: 1000 });
        if (page.length === 0) break;
        afterSeq = page[page.length - 1]!.seq;
        let out = '';
        for (const instruction of page) {
          const line = {
            instruction_id: instruction.instructionId,
            payee_functional_id: instruction.payeeFunctionalId,
            amount: instruction.amount,
            currency: instruction.currency,
            rail: instruction.rail,
            state: instruction.state,
            attempts: instruction.attempts,
            rail_reference: instruction.railReference,
            failure_reason: instruction.failureReason,
          };
          out +=
            format === 'csv'
              ? `${columns.map((column) => csvField(line[column])).join(',')}\n`
              : `${JSON.stringify(line)}\n`;
        }
        yield out;
      }
    },

    async listAttempts(_context, batchId, instructionId) {
      await getBatchOrThrow(batchId);
      return store.listAttempts(batchId, instructionId);
    },
  };

  const unsubscribes: Array<() => void> = [];
  for (const [name, rail] of rails) {
    if (rail.capabilities.callbacks && rail.onCallback) {
      const unsubscribe = rail.onCallback((callback) => {
        service
          .handleRailCallback(
            { actor: { type: 'service', id: `rail:${name}`, roles: [] } },
            name,
            callback,
          )
          .catch(() => {
            // A lost callback is harmless: the engine inquires about anything not final.
          });
      });
      unsubscribes.push(unsubscribe);
    }
  }
  return {
    ...service,
    statusEvents,
    flushAudit: (options = {}) => relay.flush(options.waitMs ?? leaseTtlMs),
    close() {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    },
  };
}
