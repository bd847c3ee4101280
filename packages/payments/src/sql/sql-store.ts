import { ConflictError } from '@govblocks/core';
import { migrate, type SqlClient, type SqlExecutor } from '@govblocks/core/sql';
import { LeaseLostError } from '../errors.js';
import type {
  InstructionChange,
  Lease,
  OutboxEvent,
  OutboxTopic,
  PaymentStore,
  WriteOptions,
} from '../ports.js';
import type { SimulatorLedger, SimulatorLedgerEntry } from '../rails/simulator.js';
import type { Attempt, Batch, Beneficiary, HeldRow, Instruction } from '../schemas.js';
import { type InstructionState, instructionStates } from '../state-machine.js';
import { paymentsMigrations } from './migrations.js';
import { decodeEvents, encodeEvents } from './outbox-codec.js';

type Row = Record<string, unknown>;

const iso = (value: unknown): string =>
  (value instanceof Date ? value : new Date(String(value))).toISOString();
const optional = <K extends string>(key: K, value: unknown): Partial<Record<K, string>> =>
  value === null || value === undefined ? {} : ({ [key]: String(value) } as Record<K, string>);

const instructionColumns =
  'batch_id, instruction_id, seq, payee_functional_id, amount, currency, rail, modality, financial_address, institution, narration, state, attempts, idempotency_key, rail_reference, failure_reason, updated_at';

function toInstruction(row: Row): Instruction {
  return {
    batchId: String(row.batch_id),
    instructionId: String(row.instruction_id),
    seq: Number(row.seq),
    payeeFunctionalId: String(row.payee_functional_id),
    amount: Number(row.amount),
    currency: String(row.currency),
    rail: String(row.rail),
    modality: row.modality as Instruction['modality'],
    financialAddress: String(row.financial_address),
    ...optional('institution', row.institution),
    ...optional('narration', row.narration),
    state: row.state as InstructionState,
    attempts: Number(row.attempts),
    idempotencyKey: String(row.idempotency_key),
    ...optional('railReference', row.rail_reference),
    ...optional('failureReason', row.failure_reason),
    updatedAt: iso(row.updated_at),
  };
}

function toBeneficiary(row: Row): Beneficiary {
  return {
    functionalId: String(row.functional_id),
    ...(row.modality === null || row.modality === undefined
      ? {}
      : { modality: row.modality as NonNullable<Beneficiary['modality']> }),
    ...optional('financialAddress', row.financial_address),
    ...optional('rail', row.rail),
    ...optional('institution', row.institution),
    registeredBy: String(row.registered_by),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: Number(row.version),
  };
}

/** A SQL list of states from the closed enum (never user input). */
function stateList(states: readonly InstructionState[]): string {
  for (const state of states) {
    if (!instructionStates.includes(state))
      throw new TypeError(`unknown instruction state '${state}'`);
  }
  return states.map((state) => `'${state}'`).join(',');
}

async function insertAttempts(executor: SqlExecutor, attempts: readonly Attempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await executor.query(
    `insert into payments_attempts (batch_id, instruction_id, kind, attempt, outcome, rail_reference, reason, at)
     select a.batch_id, a.instruction_id, a.kind, a.attempt, a.outcome, a.rail_reference, a.reason, a.at
     from jsonb_to_recordset($1::jsonb) as a(batch_id text, instruction_id text, kind text, attempt integer,
       outcome text, rail_reference text, reason text, at timestamptz)`,
    [
      JSON.stringify(
        attempts.map((attempt) => ({
          batch_id: attempt.batchId,
          instruction_id: attempt.instructionId,
          kind: attempt.kind,
          attempt: attempt.attempt,
          outcome: attempt.outcome,
          rail_reference: attempt.railReference ?? null,
          reason: attempt.reason ?? null,
          at: attempt.at,
        })),
      ),
    ],
  );
}

/**
 * Refuses the transaction unless `fence` is current. A shared advisory lock on the lease name,
 * held until the commit, makes a takeover (which takes it exclusively) wait for the fenced
 * writes in flight: once a new holder has the lease, no write of the old one can still commit.
 * (A row lock on the lease would do the same, but would make every renewal queue behind the
 * writes and cost a multixact per concurrent writer.)
 */
async function checkFence(executor: SqlExecutor, fence: Lease | undefined): Promise<void> {
  if (!fence) return;
  await executor.query('select pg_advisory_xact_lock_shared(hashtext($1))', [fence.name]);
  // A new statement: its snapshot is taken after the lock was granted.
  const result = await executor.query(
    'select 1 from payments_leases where name = $1 and token = $2',
    [fence.name, fence.token],
  );
  if (result.rows.length === 0) throw new LeaseLostError(fence.name);
}

/** One outbox row per topic: the events of this transaction, in order. */
async function insertOutbox(executor: SqlExecutor, events: readonly OutboxEvent[]): Promise<void> {
  const params: unknown[] = [];
  const values: string[] = [];
  for (const topic of ['audit', 'status'] as const) {
    const mine = events.filter((event) => event.topic === topic);
    if (mine.length === 0) continue;
    params.push(topic, encodeEvents(mine), mine.length);
    const at = params.length;
    values.push(`($${at - 2}, $${at - 1}, $${at})`);
  }
  if (values.length === 0) return;
  await executor.query(
    `insert into payments_outbox (topic, events, size) values ${values.join(', ')}`,
    params,
  );
}

/**
 * Runs a write: alone when it carries no outbox events and no fence (one statement, its own
 * transaction), otherwise in one transaction with the fence check and the outbox rows.
 * `run` answers its value and what the outbox is built from (`undefined`: nothing was written).
 */
function write<T, R>(
  client: SqlClient,
  options: WriteOptions<R> | undefined,
  run: (executor: SqlExecutor) => Promise<{ value: T; result?: R }>,
): Promise<T> {
  if (!options?.outbox && !options?.fence) return run(client).then(({ value }) => value);
  return client.transaction(async (tx) => {
    await checkFence(tx, options.fence);
    const { value, result } = await run(tx);
    if (options.outbox && result !== undefined) await insertOutbox(tx, options.outbox(result));
    return value;
  });
}

/** Applies the payments migrations (idempotent; safe to run from several instances at once). */
export function migratePayments(client: SqlClient): Promise<string[]> {
  return migrate(client, paymentsMigrations);
}

/**
 * A {@link PaymentStore} on PostgreSQL (a server through postgres.js, or embedded PGlite for
 * development and pilots). Runs its migrations first. Every multi-row method is one statement
 * (or one transaction) over JSON-encoded rows, so the engine writes hundreds of instructions
 * per round trip.
 *
 * @example
 * const db = await openDatabase(process.env.DATABASE_URL);
 * const store = await sqlPaymentStore(db);
 */
export async function sqlPaymentStore(client: SqlClient): Promise<PaymentStore> {
  await migratePayments(client);
  return {
    kind: `sql:${client.kind}`,

    insertBeneficiaries: (records, options) =>
      write(client, options, async (executor) => {
        if (records.length === 0) return { value: [] as string[], result: [] };
        const result = await executor.query<{ functional_id: string }>(
          `insert into payments_beneficiaries (functional_id, modality, financial_address, rail, institution, registered_by, created_at, updated_at, version)
         select b.functional_id, b.modality, b.financial_address, b.rail, b.institution, b.registered_by, b.created_at, b.updated_at, b.version
         from jsonb_to_recordset($1::jsonb) as b(functional_id text, modality text, financial_address text, rail text,
           institution text, registered_by text, created_at timestamptz, updated_at timestamptz, version integer)
         on conflict (functional_id) do nothing
         returning functional_id`,
          [
            JSON.stringify(
              records.map((record) => ({
                functional_id: record.functionalId,
                modality: record.modality ?? null,
                financial_address: record.financialAddress ?? null,
                rail: record.rail ?? null,
                institution: record.institution ?? null,
                registered_by: record.registeredBy,
                created_at: record.createdAt,
                updated_at: record.updatedAt,
                version: record.version,
              })),
            ),
          ],
        );
        const inserted = new Set(result.rows.map((row) => row.functional_id));
        return {
          value: records
            .filter((record) => !inserted.has(record.functionalId))
            .map((record) => record.functionalId),
          result: records.filter((record) => inserted.has(record.functionalId)),
        };
      }),

    replaceBeneficiary: (record, expectedVersion, options) =>
      write(client, options, async (executor) => {
        const result = await executor.query(
          `update payments_beneficiaries set modality = $2, financial_address = $3, rail = $4, institution = $5,
           updated_at = $6, version = $7
         where functional_id = $1 and version = $8`,
          [
            record.functionalId,
            record.modality ?? null,
            record.financialAddress ?? null,
            record.rail ?? null,
            record.institution ?? null,
            record.updatedAt,
            record.version,
            expectedVersion,
          ],
        );
        return result.rowCount === 1 ? { value: true, result: record } : { value: false };
      }),

    async getBeneficiaries(ids) {
      if (ids.length === 0) return [];
      const result = await client.query<Row>(
        `select * from payments_beneficiaries where functional_id in (select jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify(ids)],
      );
      return result.rows.map(toBeneficiary);
    },

    createBatch: (batch, options) =>
      write(client, options, async (executor) => {
        const result = await executor.query(
          `insert into payments_batches (batch_id, state, version, doc) values ($1, $2, $3, $4::jsonb)
           on conflict (batch_id) do nothing`,
          [batch.batchId, batch.state, batch.version, JSON.stringify(batch)],
        );
        if (result.rowCount !== 1)
          throw new ConflictError(`[payments/sql] batch '${batch.batchId}' exists`);
        return { value: undefined, result: batch };
      }),

    async getBatch(batchId) {
      const result = await client.query<{ doc: Batch }>(
        'select doc from payments_batches where batch_id = $1',
        [batchId],
      );
      return result.rows[0]?.doc;
    },

    updateBatch: (batch, expectedVersion, options) =>
      write(client, options, async (executor) => {
        const result = await executor.query(
          'update payments_batches set state = $2, version = $3, doc = $4::jsonb where batch_id = $1 and version = $5',
          [batch.batchId, batch.state, batch.version, JSON.stringify(batch), expectedVersion],
        );
        return result.rowCount === 1 ? { value: true, result: batch } : { value: false };
      }),

    async insertInstructions(rows) {
      if (rows.length === 0) return { duplicates: [] };
      const batchId = rows[0]!.batchId;
      const result = await client.query<{ instruction_id: string; seq: number }>(
        `insert into payments_instructions (${instructionColumns})
         select ${instructionColumns}
         from jsonb_to_recordset($1::jsonb) as x(batch_id text, instruction_id text, seq integer, payee_functional_id text,
           amount bigint, currency text, rail text, modality text, financial_address text, institution text, narration text,
           state text, attempts integer, idempotency_key text, rail_reference text, failure_reason text, updated_at timestamptz)
         order by seq
         on conflict do nothing
         returning instruction_id, seq`,
        [
          JSON.stringify(
            rows.map((row) => ({
              batch_id: row.batchId,
              instruction_id: row.instructionId,
              seq: row.seq,
              payee_functional_id: row.payeeFunctionalId,
              amount: row.amount,
              currency: row.currency,
              rail: row.rail,
              modality: row.modality,
              financial_address: row.financialAddress,
              institution: row.institution ?? null,
              narration: row.narration ?? null,
              state: row.state,
              attempts: row.attempts,
              idempotency_key: row.idempotencyKey,
              rail_reference: row.railReference ?? null,
              failure_reason: row.failureReason ?? null,
              updated_at: row.updatedAt,
            })),
          ),
        ],
      );
      if (result.rows.length === rows.length) return { duplicates: [] };
      const inserted = new Set(result.rows.map((row) => `${row.instruction_id}\u0000${row.seq}`));
      const rejected = rows.filter((row) => !inserted.has(`${row.instructionId}\u0000${row.seq}`));
      const holders = await client.query<{ instruction_id: string; seq: number }>(
        `select instruction_id, seq from payments_instructions
         where batch_id = $1 and instruction_id in (select jsonb_array_elements_text($2::jsonb))`,
        [batchId, JSON.stringify(rejected.map((row) => row.instructionId))],
      );
      const taken = new Set(holders.rows.map((row) => row.instruction_id));
      return {
        duplicates: rejected.map((instruction) => ({
          instruction,
          reason: taken.has(instruction.instructionId)
            ? ('DUPLICATE_INSTRUCTION' as const)
            : ('DUPLICATE_BENEFICIARY' as const),
        })),
      };
    },

    async insertHeldRows(rows: readonly HeldRow[]) {
      if (rows.length === 0) return;
      await client.query(
        `insert into payments_held_rows (batch_id, row_number, instruction_id, payee_functional_id, amount, reason, errors)
         select h.batch_id, h.row_number, h.instruction_id, h.payee_functional_id, h.amount, h.reason, h.errors
         from jsonb_to_recordset($1::jsonb) as h(batch_id text, row_number integer, instruction_id text,
           payee_functional_id text, amount bigint, reason text, errors jsonb)
         on conflict do nothing`,
        [
          JSON.stringify(
            rows.map((row) => ({
              batch_id: row.batchId,
              row_number: row.rowNumber,
              instruction_id: row.instructionId ?? null,
              payee_functional_id: row.payeeFunctionalId ?? null,
              amount: row.amount ?? null,
              reason: row.reason,
              errors: row.errors,
            })),
          ),
        ],
      );
    },

    async listHeldRows(batchId, page) {
      const result = await client.query<Row>(
        `select * from payments_held_rows where batch_id = $1 and row_number > $2 order by row_number limit $3`,
        [batchId, page.afterRow ?? 0, page.limit],
      );
      return result.rows.map((row) => ({
        batchId: String(row.batch_id),
        rowNumber: Number(row.row_number),
        ...optional('instructionId', row.instruction_id),
        ...optional('payeeFunctionalId', row.payee_functional_id),
        ...(row.amount === null || row.amount === undefined ? {} : { amount: Number(row.amount) }),
        reason: row.reason as HeldRow['reason'],
        errors: row.errors as HeldRow['errors'],
      }));
    },

    claimPending: (batchId, limit, now, afterSeq = -1, options) =>
      write(client, options, async (executor) => {
        // Walks the (batch_id, seq) index from the caller's cursor; `state` is deliberately not
        // indexed, so every state change is a HOT update that touches no index at all.
        const result = await executor.query<Row>(
          `update payments_instructions as i
         set state = 'submitting', attempts = i.attempts + 1, updated_at = $3
         from (select instruction_id from payments_instructions
               where batch_id = $1 and seq > $4 and state = 'pending'
               order by seq limit $2
               for update skip locked) as claim
         where i.batch_id = $1 and i.instruction_id = claim.instruction_id
         returning i.*`,
          [batchId, limit, now, afterSeq],
        );
        const claimed = result.rows.map(toInstruction).sort((a, b) => a.seq - b.seq);
        return { value: claimed, result: claimed };
      }),

    async applyChanges(changes: readonly InstructionChange[], attempts, now, options) {
      return client.transaction(async (tx) => {
        await checkFence(tx, options?.fence);
        const applied = new Set<string>();
        if (changes.length > 0) {
          const result = await tx.query<{ instruction_id: string }>(
            `update payments_instructions as i
             set state = c.to_state,
                 rail_reference = coalesce(c.rail_reference, i.rail_reference),
                 failure_reason = coalesce(c.failure_reason, i.failure_reason),
                 updated_at = $2
             from jsonb_to_recordset($1::jsonb) as c(batch_id text, instruction_id text, from_state text, to_state text,
               rail_reference text, failure_reason text)
             where i.batch_id = c.batch_id and i.instruction_id = c.instruction_id and i.state = c.from_state
             returning i.instruction_id`,
            [
              JSON.stringify(
                changes.map((change) => ({
                  batch_id: change.batchId,
                  instruction_id: change.instructionId,
                  from_state: change.from,
                  to_state: change.to,
                  rail_reference: change.railReference ?? null,
                  failure_reason: change.failureReason ?? null,
                })),
              ),
              now,
            ],
          );
          for (const row of result.rows) applied.add(row.instruction_id);
        }
        await insertAttempts(tx, attempts);
        if (options?.outbox) await insertOutbox(tx, options.outbox(applied));
        return applied;
      });
    },

    async listInstructions(batchId, query) {
      const states =
        query.states && query.states.length > 0 ? ` and state in (${stateList(query.states)})` : '';
      const result = await client.query<Row>(
        `select ${instructionColumns} from payments_instructions
         where batch_id = $1 and seq > $2${states} order by seq limit $3`,
        [batchId, query.afterSeq ?? -1, query.limit],
      );
      return result.rows.map(toInstruction);
    },

    async getInstruction(batchId, instructionId) {
      const result = await client.query<Row>(
        `select ${instructionColumns} from payments_instructions where batch_id = $1 and instruction_id = $2`,
        [batchId, instructionId],
      );
      return result.rows[0] ? toInstruction(result.rows[0]) : undefined;
    },

    async getInstructionByKey(key) {
      const result = await client.query<Row>(
        `select ${instructionColumns} from payments_instructions where idempotency_key = $1`,
        [key],
      );
      return result.rows[0] ? toInstruction(result.rows[0]) : undefined;
    },

    async totals(batchId) {
      const rows = await client.query<{
        state: InstructionState;
        rail: string;
        count: number;
        sum: number;
      }>(
        `select state, rail, count(*)::integer as count, coalesce(sum(amount), 0)::bigint as sum
         from payments_instructions where batch_id = $1 group by state, rail`,
        [batchId],
      );
      const kinds = await client.query<{ kind: Attempt['kind']; count: number }>(
        'select kind, count(*)::integer as count from payments_attempts where batch_id = $1 group by kind',
        [batchId],
      );
      const attempts = { submit: 0, inquiry: 0, callback: 0, recover: 0 };
      for (const row of kinds.rows) attempts[row.kind] = Number(row.count);
      return {
        rows: rows.rows.map((row) => ({
          state: row.state,
          rail: row.rail,
          count: Number(row.count),
          sum: Number(row.sum),
        })),
        attempts,
      };
    },

    async prepareBatch() {
      await client.execute('analyze payments_instructions');
    },

    async readOutbox(topic: OutboxTopic, limit) {
      const result = await client.query<{ id: number; events: string; acknowledged: number }>(
        'select id, events, acknowledged from payments_outbox where topic = $1 order by id limit $2',
        [topic, limit],
      );
      return result.rows.map((row) => ({
        position: Number(row.id),
        topic,
        events: decodeEvents(row.events),
        acknowledged: Number(row.acknowledged),
      }));
    },

    async acknowledgeOutbox(topic, acknowledgements, fence) {
      if (acknowledgements.length === 0) return;
      const run = async (executor: SqlExecutor) => {
        await executor.query(
          `with a as (select * from jsonb_to_recordset($2::jsonb) as a(position bigint, acknowledged integer)),
           done as (delete from payments_outbox o using a
                    where o.topic = $1 and o.id = a.position and a.acknowledged >= o.size returning o.id)
           update payments_outbox o set acknowledged = greatest(o.acknowledged, a.acknowledged)
           from a where o.topic = $1 and o.id = a.position and a.acknowledged < o.size`,
          [topic, JSON.stringify(acknowledgements)],
        );
      };
      if (!fence) return run(client);
      await client.transaction(async (tx) => {
        await checkFence(tx, fence);
        await run(tx);
      });
    },

    async outboxBacklog(topic) {
      const result = await client.query<{ n: number }>(
        'select coalesce(sum(size - acknowledged), 0)::integer as n from payments_outbox where topic = $1',
        [topic],
      );
      return Number(result.rows[0]?.n ?? 0);
    },

    async acquireLease(name, holder, ttlMs) {
      // Exclusive advisory lock: waits for the fenced writes of the current holder in flight.
      const result = await client.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [name]);
        return tx.query<{ token: number }>(
          `insert into payments_leases as l (name, holder, token, expires_at)
         values ($1, $2, 1, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
         on conflict (name) do update
           set holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at
           where l.expires_at <= clock_timestamp() or l.holder = excluded.holder
         returning token`,
          [name, holder, ttlMs],
        );
      });
      const row = result.rows[0];
      return row ? { name, holder, token: Number(row.token) } : undefined;
    },

    async renewLease(lease, ttlMs) {
      const result = await client.query(
        `update payments_leases set expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
         where name = $1 and token = $2`,
        [lease.name, lease.token, ttlMs],
      );
      return result.rowCount === 1;
    },

    async releaseLease(lease) {
      await client.query(
        `update payments_leases set expires_at = '-infinity' where name = $1 and token = $2`,
        [lease.name, lease.token],
      );
    },

    async listAttempts(batchId, instructionId) {
      const result = await client.query<Row>(
        `select * from payments_attempts where batch_id = $1 and ($2::text is null or instruction_id = $2) order by id`,
        [batchId, instructionId ?? null],
      );
      return result.rows.map((row) => ({
        batchId: String(row.batch_id),
        instructionId: String(row.instruction_id),
        kind: row.kind as Attempt['kind'],
        attempt: Number(row.attempt),
        outcome: row.outcome as Attempt['outcome'],
        ...optional('railReference', row.rail_reference),
        ...optional('reason', row.reason),
        at: iso(row.at),
      }));
    },
  };
}

function toLedgerEntry(row: Row): SimulatorLedgerEntry {
  return {
    idempotencyKey: String(row.idempotency_key),
    reference: String(row.reference),
    amount: { amount: Number(row.amount), currency: String(row.currency) },
    financialAddress: String(row.financial_address),
    status: row.status as 'paid' | 'failed',
    ...optional('reason', row.reason),
    visibleAt: Number(row.visible_at),
  };
}

/**
 * The simulator rail's ledger in the payments database, so a test can check, after crashes,
 * that the rail's books and the engine's agree. Needs the payments migrations.
 */
export function sqlSimulatorLedger(client: SqlClient): SimulatorLedger {
  return {
    async record(entry) {
      const inserted = await client.query<Row>(
        `insert into payments_simulator_ledger (idempotency_key, reference, amount, currency, financial_address, status, reason, visible_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (idempotency_key) do nothing
         returning *`,
        [
          entry.idempotencyKey,
          entry.reference,
          entry.amount.amount,
          entry.amount.currency,
          entry.financialAddress,
          entry.status,
          entry.reason ?? null,
          entry.visibleAt,
        ],
      );
      if (inserted.rows[0]) return toLedgerEntry(inserted.rows[0]);
      const existing = await client.query<Row>(
        'select * from payments_simulator_ledger where idempotency_key = $1',
        [entry.idempotencyKey],
      );
      return toLedgerEntry(existing.rows[0]!);
    },
    async get(key) {
      const result = await client.query<Row>(
        'select * from payments_simulator_ledger where idempotency_key = $1',
        [key],
      );
      return result.rows[0] ? toLedgerEntry(result.rows[0]) : undefined;
    },
    async entries() {
      const result = await client.query<Row>(
        'select * from payments_simulator_ledger order by idempotency_key',
      );
      return result.rows.map(toLedgerEntry);
    },
  };
}
