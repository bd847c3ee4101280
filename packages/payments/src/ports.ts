import type { ActorContext, Money } from '@govblocks/core';
import type {
  AccountLookup,
  Attempt,
  Batch,
  BatchRow,
  Beneficiary,
  BeneficiaryInput,
  BeneficiaryUpdate,
  CreateBatchOptions,
  HeldReason,
  HeldRow,
  Instruction,
  PaymentModality,
  ProcessOptions,
  Reconciliation,
} from './schemas.js';
import type { InstructionState } from './state-machine.js';

// ───────────────────────────── PaymentRail ─────────────────────────────

/** One transfer as a rail sees it. Carries no functional id: a rail needs only the address. */
export interface RailTransfer {
  /**
   * Derived from the instruction (see `instructionIdempotencyKey`) and the same on every
   * submission of that instruction, forever. A rail MUST apply at most one transfer per key:
   * a second submit with the same key returns the first one's result (or its current status),
   * even if the first is still in flight.
   */
  idempotencyKey: string;
  amount: Money;
  modality: PaymentModality;
  financialAddress: string;
  institution?: string;
  narration?: string;
}

/** What a rail answers to a submission it processed. */
export type RailSubmitResult =
  | { status: 'paid'; railReference: string }
  /** Taken; the final outcome comes by callback or inquiry. */
  | { status: 'accepted'; railReference: string }
  /** Definitively refused; no money moved. `reason` is a code, never personal data. */
  | { status: 'failed'; reason: string; railReference?: string };

/** What a rail knows of a key. */
export type RailStatus =
  | { status: 'paid'; railReference: string }
  | { status: 'failed'; reason: string; railReference?: string }
  /** Known to the rail but not final yet. */
  | { status: 'pending'; railReference?: string }
  /** The rail never applied (and is not applying) anything under this key. */
  | { status: 'not_found' };

/** An asynchronous notice from a rail. May arrive twice, late, or before the submit returns. */
export interface RailCallback {
  idempotencyKey: string;
  status: 'paid' | 'failed';
  railReference?: string;
  reason?: string;
}

/**
 * A payment rail: a bank switch, a mobile-money operator, Mojaloop, the simulator.
 * Implement this to connect a new rail, and run `railConformanceSuite` from
 * `@govblocks/payments/testing` against your implementation.
 *
 * @example
 * const rail = simulatorRail({ failureRate: 0.01 });
 * const result = await rail.submit({ idempotencyKey: 'k1', amount: money(1050, 'USD'),
 *   modality: 'mobile_money', financialAddress: '+15550100' });
 */
export interface PaymentRail {
  readonly specificationVersion: 'payment-rail/v1';
  /** The rail's name, as configured in `createPaymentService({ rails })`. */
  readonly name: string;
  readonly capabilities: {
    /** The rail pushes outcomes through {@link PaymentRail.onCallback}. */
    callbacks: boolean;
    /** Modalities it can pay. */
    modalities: readonly PaymentModality[];
  };
  /**
   * Submits one transfer. Idempotent by `transfer.idempotencyKey` (see {@link RailTransfer}).
   *
   * Returns the outcome when the rail answered. Throws:
   * - `PAYMENT_RAIL_TIMEOUT` (`RailTimeoutError`) when the outcome is unknown (the request may
   *   have been applied): the engine then calls {@link inquire} before any retry;
   * - `PAYMENT_RAIL_UNAVAILABLE` (`RailUnavailableError`) when nothing was applied: the engine
   *   may resubmit with the same key later;
   * - anything else is wrapped as `ADAPTER_ERROR` and treated like a timeout (unknown outcome).
   */
  submit(transfer: RailTransfer): Promise<RailSubmitResult>;
  /**
   * The status of the transfer under `idempotencyKey`. Read-only and idempotent. Throws like
   * `submit` when the rail cannot answer (the engine asks again later).
   */
  inquire(idempotencyKey: string): Promise<RailStatus>;
  /**
   * Optional pre-payment check of an address (the account exists and can be credited), without
   * moving money. Read-only; throws like `inquire` when the rail cannot answer.
   */
  verifyAccount?(account: {
    modality: PaymentModality;
    financialAddress: string;
    institution?: string;
  }): Promise<{ status: 'ok' } | { status: 'rejected'; reason: string }>;
  /** Subscribes to callbacks (only when `capabilities.callbacks`). Returns the unsubscribe function. */
  onCallback?(listener: (callback: RailCallback) => void): () => void;
}

// ───────────────────────────── AccountMapper ─────────────────────────────

/** Outcome of registering one beneficiary. */
export interface BeneficiaryRegistration {
  functionalId: string;
  outcome: 'registered' | 'already_registered';
}

/** Outcome of updating one beneficiary. */
export interface BeneficiaryUpdateResult {
  functionalId: string;
  outcome: 'updated' | 'not_found';
}

/**
 * The ID → account mapper of the G2P API: which financial address (and rail) pays a
 * functional id. The built-in implementation is `createAccountMapper({ store, audit, clock })`;
 * a deployment may plug in its national mapper instead.
 */
export interface AccountMapper {
  readonly specificationVersion: 'account-mapper/v1';
  /**
   * Registers beneficiaries. Per-item outcome; an id already registered is left unchanged and
   * answered `already_registered` (idempotent). Throws `VALIDATION_FAILED` (nothing written)
   * when any item is malformed. Audit: `payment.beneficiary.registered` per new beneficiary.
   */
  register(
    context: ActorContext,
    beneficiaries: readonly BeneficiaryInput[],
  ): Promise<BeneficiaryRegistration[]>;
  /**
   * Updates registered beneficiaries (only the fields given). Per-item outcome; unknown ids
   * answer `not_found`. Audit: `payment.beneficiary.updated` per change.
   */
  update(
    context: ActorContext,
    updates: readonly BeneficiaryUpdate[],
  ): Promise<BeneficiaryUpdateResult[]>;
  /** Looks up functional ids; answers one entry per id, in order. Read-only, not audited. */
  lookup(functionalIds: readonly string[]): Promise<AccountLookup[]>;
}

// ───────────────────────────── PaymentStore ─────────────────────────────

/** One compare-and-set change of an instruction's state. */
export interface InstructionChange {
  batchId: string;
  instructionId: string;
  /** Applied only if the instruction is still in this state. */
  from: InstructionState;
  to: InstructionState;
  railReference?: string;
  failureReason?: string;
}

/** Sum of instructions in one state on one rail. */
export interface StateRailTotal {
  state: InstructionState;
  rail: string;
  count: number;
  sum: number;
}

/** The outbox topics: `audit` (forwarded to the `AuditSink`), `status` (payment-status events). */
export type OutboxTopic = 'audit' | 'status';

/**
 * An event written to the outbox in the same transaction as the state change it reports, so the
 * change and its events are durable together or not at all. `id` is unique and stable: a
 * consumer that sees it twice (delivery is at least once) drops the second copy.
 */
export interface OutboxEvent {
  topic: OutboxTopic;
  id: string;
  /** JSON-serialisable. */
  payload: unknown;
}

/** What one transaction wrote to one topic: its events in order. Entries are read oldest first. */
export interface OutboxEntry {
  /** Increases with every entry written (gaps allowed); the order of delivery. */
  position: number;
  topic: OutboxTopic;
  events: Array<{ id: string; payload: unknown }>;
  /** How many of `events`, from the start, were already acknowledged. */
  acknowledged: number;
}

/**
 * A lease on a named resource (a batch being disbursed, an outbox relay) held by one worker
 * until `expiresAt` unless renewed. `token` is the fencing token: it grows with every
 * acquisition, and a write fenced by a lease whose token is no longer current is refused with
 * `PAYMENT_LEASE_LOST` — a worker that paused past its lease while another took over cannot
 * write again. SQL stores use the database clock for expiry.
 */
export interface Lease {
  name: string;
  holder: string;
  token: number;
}

/** Options of a store write: the outbox events it carries, and the lease that fences it. */
export interface WriteOptions<Result> {
  /** Built from what the write did (inside its transaction: must not do I/O) and stored with it. */
  outbox?: (result: Result) => readonly OutboxEvent[];
  /** Refuse the write (`PAYMENT_LEASE_LOST`, nothing written) unless this lease is current. */
  fence?: Lease;
}

/**
 * Durable state of the payments engine. Implementations: `memoryPaymentStore()` and
 * `sqlPaymentStore(client)` (`@govblocks/payments/sql`). Every multi-row method is one round
 * trip and atomic, so the engine works in chunks (hundreds of rows per call) at national scale.
 * Stores do not audit (the engine does) and do not validate (the engine did).
 */
export interface PaymentStore {
  readonly kind: string;
  /** Inserts beneficiaries; returns the functional ids that already existed (left unchanged). */
  insertBeneficiaries(
    records: readonly Beneficiary[],
    options?: WriteOptions<readonly Beneficiary[]>,
  ): Promise<string[]>;
  /**
   * Replaces a beneficiary if its version is still `expectedVersion`. False when not (then the
   * outbox events are not written either).
   */
  replaceBeneficiary(
    record: Beneficiary,
    expectedVersion: number,
    options?: WriteOptions<Beneficiary>,
  ): Promise<boolean>;
  /** The beneficiaries among `functionalIds` (any order; missing ones absent). */
  getBeneficiaries(functionalIds: readonly string[]): Promise<Beneficiary[]>;

  /** Creates a batch; throws `CONFLICT` when the id exists. */
  createBatch(batch: Batch, options?: WriteOptions<Batch>): Promise<void>;
  getBatch(batchId: string): Promise<Batch | undefined>;
  /**
   * Replaces the batch if its version is still `expectedVersion` (then bumped by the caller);
   * the outbox events are written only when it did.
   */
  updateBatch(
    batch: Batch,
    expectedVersion: number,
    options?: WriteOptions<Batch>,
  ): Promise<boolean>;

  /**
   * Inserts instructions of one batch. Rows whose instruction id or payee is already in the
   * batch (or earlier in `rows`) are not inserted and come back as duplicates.
   */
  insertInstructions(rows: readonly Instruction[]): Promise<{
    duplicates: Array<{
      instruction: Instruction;
      reason: Extract<HeldReason, 'DUPLICATE_INSTRUCTION' | 'DUPLICATE_BENEFICIARY'>;
    }>;
  }>;
  insertHeldRows(rows: readonly HeldRow[]): Promise<void>;
  listHeldRows(batchId: string, page: { afterRow?: number; limit: number }): Promise<HeldRow[]>;

  /**
   * Atomically moves up to `limit` `pending` instructions of the batch (lowest `seq` first) to
   * `submitting`, adding one to `attempts`, and returns them as updated. Concurrent claimers
   * never get the same instruction. `afterSeq` (default -1) is a hint of where pending rows
   * start: the engine passes the last seq it claimed, so a claim never rescans the claimed part.
   */
  claimPending(
    batchId: string,
    limit: number,
    now: Date,
    afterSeq?: number,
    options?: WriteOptions<readonly Instruction[]>,
  ): Promise<Instruction[]>;
  /**
   * Applies compare-and-set changes, appends `attempts` to the ledger and writes the outbox
   * events built from the ids that applied, in one transaction. Returns the instruction ids
   * whose change applied (the others had moved on).
   */
  applyChanges(
    changes: readonly InstructionChange[],
    attempts: readonly Attempt[],
    now: Date,
    options?: WriteOptions<ReadonlySet<string>>,
  ): Promise<Set<string>>;
  /** Instructions of a batch by `seq`, optionally only in `states`, after `afterSeq`. */
  listInstructions(
    batchId: string,
    query: { states?: readonly InstructionState[]; afterSeq?: number; limit: number },
  ): Promise<Instruction[]>;
  getInstruction(batchId: string, instructionId: string): Promise<Instruction | undefined>;
  getInstructionByKey(idempotencyKey: string): Promise<Instruction | undefined>;
  /** Count and sum per (state, rail), and ledger counts per kind. */
  totals(
    batchId: string,
  ): Promise<{ rows: StateRailTotal[]; attempts: Record<Attempt['kind'], number> }>;
  listAttempts(batchId: string, instructionId?: string): Promise<Attempt[]>;
  /**
   * Optional: called before a batch is disbursed, after a large ingest (a SQL store refreshes its
   * planner statistics so that the first chunks do not run on plans made for an empty table).
   */
  prepareBatch?(batchId: string): Promise<void>;

  /** Up to `limit` outbox entries of `topic`, oldest first. */
  readOutbox(topic: OutboxTopic, limit: number): Promise<OutboxEntry[]>;
  /**
   * Records that the first `acknowledged` events of each entry were delivered; an entry whose
   * events are all acknowledged is removed. Idempotent. With `fence`, throws
   * `PAYMENT_LEASE_LOST` (nothing written) unless the lease is current.
   */
  acknowledgeOutbox(
    topic: OutboxTopic,
    acknowledgements: ReadonlyArray<{ position: number; acknowledged: number }>,
    fence?: Lease,
  ): Promise<void>;
  /** How many events of `topic` wait in the outbox (acknowledged ones not counted). */
  outboxBacklog(topic: OutboxTopic): Promise<number>;
  /**
   * Takes the lease `name` for `holder` for `ttlMs` when it is free, expired, or already held by
   * `holder`; every success returns a new, larger token. Undefined while another holder's lease
   * runs. `now` is the engine's clock (SQL stores use the database clock instead).
   */
  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<Lease | undefined>;
  /** Extends a lease that is still current (same token). False when it was taken over. */
  renewLease(lease: Lease, ttlMs: number, now: Date): Promise<boolean>;
  /** Ends a lease that is still current, so another worker may take it at once. */
  releaseLease(lease: Lease): Promise<void>;
}

// ───────────────────────────── PaymentService ─────────────────────────────

/** Where batch rows come from: parsed objects, or text/bytes streamed (`fs.createReadStream`). */
export type RowSource =
  | Iterable<unknown>
  | AsyncIterable<unknown>
  | AsyncIterable<string | Uint8Array>
  | string;

/** Answer of pre-payment validation for one row. */
export interface RowValidation {
  rowNumber: number;
  instructionId?: string;
  valid: boolean;
  reason?: HeldReason;
  errors: Array<{ pointer: string; detail: string }>;
}

/** Progress of `processBatch`, reported after every chunk. */
export interface BatchProgress {
  batchId: string;
  byState: Record<InstructionState, number>;
}

/**
 * The payments block: beneficiaries, bulk G2P batches, approval, exactly-once disbursement,
 * reconciliation. The engine is `createPaymentService(...)`; run `paymentServiceConformanceSuite`
 * from `@govblocks/payments/testing` against any other implementation.
 *
 * Every state change writes one audit event (`block: 'payments'`); personal data (functional
 * ids, financial addresses) never goes into audit details or error messages.
 */
export interface PaymentService {
  readonly specificationVersion: 'payments/v1';

  /** See {@link AccountMapper.register}. */
  registerBeneficiaries(
    context: ActorContext,
    beneficiaries: readonly BeneficiaryInput[],
  ): Promise<BeneficiaryRegistration[]>;
  /** See {@link AccountMapper.update}. */
  updateBeneficiaries(
    context: ActorContext,
    updates: readonly BeneficiaryUpdate[],
  ): Promise<BeneficiaryUpdateResult[]>;
  /** One account lookup. Not audited. */
  lookupAccount(context: ActorContext, functionalId: string): Promise<AccountLookup>;
  /** Bulk account lookup, one answer per id in order. Not audited. */
  lookupAccounts(context: ActorContext, functionalIds: readonly string[]): Promise<AccountLookup[]>;
  /**
   * Pre-payment validation: checks rows (schema, currency, duplicates, account found) without
   * creating anything. Read-only.
   */
  validatePayments(
    context: ActorContext,
    currency: string,
    rows: readonly unknown[],
  ): Promise<RowValidation[]>;

  /**
   * Creates a batch from a file or rows, streamed in chunks (bounded memory at any size).
   * Good rows become `pending` instructions; bad rows are held in the validation report with a
   * reason and never block the good ones. The declared control totals must equal the file's
   * (count of data rows, sum of the amounts that parsed): otherwise the batch is `rejected`
   * (`reason: CONTROL_TOTALS_MISMATCH`). Otherwise it ends `awaiting_approval`.
   *
   * Throws `VALIDATION_FAILED` for bad options, `CONFLICT` when the batch id exists.
   * Audit: `payment.batch.received`, then `payment.batch.validated` or `payment.batch.rejected`.
   */
  createBatch(context: ActorContext, options: CreateBatchOptions, rows: RowSource): Promise<Batch>;
  /** Throws `NOT_FOUND`. */
  getBatch(context: ActorContext, batchId: string): Promise<Batch>;
  /** The validation report: held rows by row number. */
  listHeldRows(
    context: ActorContext,
    batchId: string,
    page?: { afterRow?: number; limit?: number },
  ): Promise<HeldRow[]>;
  /**
   * Records one approval (maker-checker). The maker may not approve; each checker approves
   * once. Batches whose accepted sum exceeds the configured threshold need two distinct
   * checkers, others one. Throws `PAYMENT_APPROVAL_DENIED` (403) otherwise, and
   * `PAYMENT_ILLEGAL_TRANSITION` when the batch is not awaiting approval.
   * Audit: `payment.batch.approval_recorded`, and `payment.batch.approved` on the last one.
   */
  approveBatch(context: ActorContext, batchId: string): Promise<Batch>;
  /** Rejects a batch awaiting approval. Audit: `payment.batch.rejected`. */
  rejectBatch(context: ActorContext, batchId: string, reason: string): Promise<Batch>;
  /** Cancels a batch not yet processing; its pending instructions become `cancelled`. */
  cancelBatch(context: ActorContext, batchId: string): Promise<Batch>;
  /**
   * Disburses an approved batch (or resumes an interrupted one) until every instruction is
   * `paid`, `failed` (with a reason) or `cancelled`; then the batch is `completed`. Safe to call
   * again at any time, also after a crash at any point: it reaches the same end state and never
   * pays an instruction twice. One worker at a time holds the batch's lease (with a fencing
   * token on every write); another waits for it, takes over once the holder's lease expired (and
   * treats what that worker had in flight as unknown, inquiring under the same idempotency
   * keys), or throws `PAYMENT_BATCH_BUSY`. A worker that lost its lease stops with
   * `PAYMENT_LEASE_LOST`. Throws `PAYMENT_BATCH_NOT_APPROVED` before approval or before
   * `scheduledFor`. Audit: one event per instruction state change, and per batch state change,
   * each committed with the change.
   */
  processBatch(
    context: ActorContext,
    batchId: string,
    options?: ProcessOptions,
    onProgress?: (progress: BatchProgress) => void,
  ): Promise<Reconciliation>;
  /** Throws `NOT_FOUND`. */
  getInstruction(
    context: ActorContext,
    batchId: string,
    instructionId: string,
  ): Promise<Instruction>;
  /**
   * Applies a rail callback. Duplicates and stale (out-of-order) callbacks are ignored; returns
   * whether it changed anything. Audit: `payment.instruction.<state>` when it did.
   */
  handleRailCallback(context: ActorContext, rail: string, callback: RailCallback): Promise<boolean>;
  /** Totals per state and rail, held rows, ledger counts; `balanced` checks the arithmetic. */
  reconcile(context: ActorContext, batchId: string): Promise<Reconciliation>;
  /** Every instruction with its state, attempts and rail reference, as CSV or JSON lines (streamed). */
  exportReconciliation(
    context: ActorContext,
    batchId: string,
    format: 'csv' | 'json',
  ): AsyncIterable<string>;
  /** The attempts ledger of a batch (or one instruction). */
  listAttempts(context: ActorContext, batchId: string, instructionId?: string): Promise<Attempt[]>;
}

export type { BatchRow };
