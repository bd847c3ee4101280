import { ConflictError } from '@govblocks/core';
import { LeaseLostError } from '../errors.js';
import type {
  InstructionChange,
  Lease,
  OutboxEntry,
  OutboxEvent,
  PaymentStore,
  StateRailTotal,
  WriteOptions,
} from '../ports.js';
import type { Attempt, Batch, Beneficiary, HeldRow, Instruction } from '../schemas.js';
import type { InstructionState } from '../state-machine.js';

interface BatchSlot {
  batch: Batch;
  instructions: Instruction[]; // by seq (insertion order)
  byId: Map<string, Instruction>;
  payees: Set<string>;
  held: HeldRow[];
  attempts: Attempt[];
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * A {@link PaymentStore} in memory, for tests and demos. Not durable; not for production
 * (use `sqlPaymentStore` from `@govblocks/payments/sql`).
 *
 * @example
 * const service = createPaymentService({ store: memoryPaymentStore(), rails: { simulator: simulatorRail() }, audit });
 */
export function memoryPaymentStore(): PaymentStore {
  const beneficiaries = new Map<string, Beneficiary>();
  const batches = new Map<string, BatchSlot>();
  const byKey = new Map<string, Instruction>();
  const outbox: OutboxEntry[] = [];
  let outboxPosition = 0;
  const leases = new Map<string, Lease & { expiresAt: number }>();

  const slot = (batchId: string): BatchSlot | undefined => batches.get(batchId);

  // Every write below runs without an await between its checks and its changes: it is atomic.
  const checkFence = (fence: Lease | undefined) => {
    if (fence && leases.get(fence.name)?.token !== fence.token)
      throw new LeaseLostError(fence.name);
  };
  const writeOutbox = (events: readonly OutboxEvent[]) => {
    for (const topic of ['audit', 'status'] as const) {
      const mine = events.filter((event) => event.topic === topic);
      if (mine.length === 0) continue;
      outboxPosition += 1;
      outbox.push({
        position: outboxPosition,
        topic,
        events: mine.map((event) => ({ id: event.id, payload: clone(event.payload) })),
        acknowledged: 0,
      });
    }
  };
  /** The events of a planned write, built before anything changes (a throw writes nothing). */
  const eventsOf = <R>(options: WriteOptions<R> | undefined, result: R) =>
    options?.outbox ? options.outbox(result) : [];

  return {
    kind: 'memory',
    async insertBeneficiaries(records, options) {
      checkFence(options?.fence);
      const existing: string[] = [];
      const inserted = new Map<string, Beneficiary>();
      for (const record of records) {
        if (beneficiaries.has(record.functionalId) || inserted.has(record.functionalId))
          existing.push(record.functionalId);
        else inserted.set(record.functionalId, record);
      }
      const events = eventsOf(options, [...inserted.values()]);
      for (const record of inserted.values()) beneficiaries.set(record.functionalId, clone(record));
      writeOutbox(events);
      return existing;
    },
    async replaceBeneficiary(record, expectedVersion, options) {
      checkFence(options?.fence);
      const current = beneficiaries.get(record.functionalId);
      if (!current || current.version !== expectedVersion) return false;
      const events = eventsOf(options, record);
      beneficiaries.set(record.functionalId, clone(record));
      writeOutbox(events);
      return true;
    },
    async getBeneficiaries(ids) {
      return ids.flatMap((id) => {
        const found = beneficiaries.get(id);
        return found ? [clone(found)] : [];
      });
    },
    async createBatch(batch, options) {
      checkFence(options?.fence);
      if (batches.has(batch.batchId))
        throw new ConflictError(`[payments/memory] batch '${batch.batchId}' exists`);
      const events = eventsOf(options, batch);
      batches.set(batch.batchId, {
        batch: clone(batch),
        instructions: [],
        byId: new Map(),
        payees: new Set(),
        held: [],
        attempts: [],
      });
      writeOutbox(events);
    },
    async getBatch(batchId) {
      const found = slot(batchId);
      return found ? clone(found.batch) : undefined;
    },
    async updateBatch(batch, expectedVersion, options) {
      checkFence(options?.fence);
      const found = slot(batch.batchId);
      if (!found || found.batch.version !== expectedVersion) return false;
      const events = eventsOf(options, batch);
      found.batch = clone(batch);
      writeOutbox(events);
      return true;
    },
    async insertInstructions(rows) {
      const duplicates: Awaited<ReturnType<PaymentStore['insertInstructions']>>['duplicates'] = [];
      for (const row of rows) {
        const found = slot(row.batchId);
        if (!found) throw new ConflictError(`[payments/memory] no batch '${row.batchId}'`);
        if (found.byId.has(row.instructionId)) {
          duplicates.push({ instruction: row, reason: 'DUPLICATE_INSTRUCTION' });
        } else if (found.payees.has(row.payeeFunctionalId)) {
          duplicates.push({ instruction: row, reason: 'DUPLICATE_BENEFICIARY' });
        } else {
          const copy = clone(row);
          found.instructions.push(copy);
          found.byId.set(copy.instructionId, copy);
          found.payees.add(copy.payeeFunctionalId);
          byKey.set(copy.idempotencyKey, copy);
        }
      }
      return { duplicates };
    },
    async insertHeldRows(rows) {
      for (const row of rows) slot(row.batchId)?.held.push(clone(row));
    },
    async listHeldRows(batchId, page) {
      const rows = slot(batchId)?.held ?? [];
      return rows
        .filter((row) => row.rowNumber > (page.afterRow ?? 0))
        .sort((a, b) => a.rowNumber - b.rowNumber)
        .slice(0, page.limit)
        .map(clone);
    },
    async claimPending(batchId, limit, now, afterSeq = -1, options) {
      checkFence(options?.fence);
      const found = slot(batchId);
      if (!found) return [];
      const claimed: Instruction[] = [];
      for (const instruction of found.instructions) {
        if (claimed.length >= limit) break;
        if (instruction.state !== 'pending' || instruction.seq <= afterSeq) continue;
        claimed.push({
          ...clone(instruction),
          state: 'submitting',
          attempts: instruction.attempts + 1,
          updatedAt: now.toISOString(),
        });
      }
      const events = eventsOf(options, claimed);
      for (const row of claimed) {
        const instruction = found.byId.get(row.instructionId)!;
        instruction.state = row.state;
        instruction.attempts = row.attempts;
        instruction.updatedAt = row.updatedAt;
      }
      writeOutbox(events);
      return claimed.map(clone);
    },
    async applyChanges(changes: readonly InstructionChange[], attempts, now, options) {
      checkFence(options?.fence);
      // Plan (compare-and-set against the states as the earlier changes leave them), then commit.
      const applied = new Set<string>();
      const planned: Array<{ instruction: Instruction; change: InstructionChange }> = [];
      const states = new Map<Instruction, InstructionState>();
      for (const change of changes) {
        const instruction = slot(change.batchId)?.byId.get(change.instructionId);
        if (!instruction || (states.get(instruction) ?? instruction.state) !== change.from)
          continue;
        states.set(instruction, change.to);
        planned.push({ instruction, change });
        applied.add(change.instructionId);
      }
      const events = eventsOf(options, applied);
      for (const { instruction, change } of planned) {
        instruction.state = change.to;
        if (change.railReference !== undefined) instruction.railReference = change.railReference;
        if (change.failureReason !== undefined) instruction.failureReason = change.failureReason;
        instruction.updatedAt = now.toISOString();
      }
      for (const attempt of attempts) slot(attempt.batchId)?.attempts.push(clone(attempt));
      writeOutbox(events);
      return applied;
    },
    async listInstructions(batchId, query) {
      const found = slot(batchId);
      if (!found) return [];
      const states = query.states ? new Set<InstructionState>(query.states) : undefined;
      const out: Instruction[] = [];
      for (const instruction of found.instructions) {
        if (out.length >= query.limit) break;
        if (instruction.seq <= (query.afterSeq ?? -1)) continue;
        if (states && !states.has(instruction.state)) continue;
        out.push(clone(instruction));
      }
      return out;
    },
    async getInstruction(batchId, instructionId) {
      const found = slot(batchId)?.byId.get(instructionId);
      return found ? clone(found) : undefined;
    },
    async getInstructionByKey(key) {
      const found = byKey.get(key);
      return found ? clone(found) : undefined;
    },
    async totals(batchId) {
      const found = slot(batchId);
      const map = new Map<string, StateRailTotal>();
      for (const instruction of found?.instructions ?? []) {
        const key = `${instruction.state}\u0000${instruction.rail}`;
        const total = map.get(key) ?? {
          state: instruction.state,
          rail: instruction.rail,
          count: 0,
          sum: 0,
        };
        total.count += 1;
        total.sum += instruction.amount;
        map.set(key, total);
      }
      const attempts = { submit: 0, inquiry: 0, callback: 0, recover: 0 };
      for (const attempt of found?.attempts ?? []) attempts[attempt.kind] += 1;
      return { rows: [...map.values()], attempts };
    },
    async listAttempts(batchId, instructionId) {
      return (slot(batchId)?.attempts ?? [])
        .filter((attempt) => instructionId === undefined || attempt.instructionId === instructionId)
        .map(clone);
    },

    async readOutbox(topic, limit) {
      return outbox
        .filter((entry) => entry.topic === topic)
        .slice(0, limit)
        .map(clone);
    },
    async acknowledgeOutbox(topic, acknowledgements, fence) {
      checkFence(fence);
      for (const { position, acknowledged } of acknowledgements) {
        const index = outbox.findIndex(
          (entry) => entry.position === position && entry.topic === topic,
        );
        const entry = outbox[index];
        if (!entry) continue;
        if (acknowledged >= entry.events.length) outbox.splice(index, 1);
        else entry.acknowledged = Math.max(entry.acknowledged, acknowledged);
      }
    },
    async outboxBacklog(topic) {
      return outbox
        .filter((entry) => entry.topic === topic)
        .reduce((total, entry) => total + entry.events.length - entry.acknowledged, 0);
    },
    async acquireLease(name, holder, ttlMs, now) {
      const current = leases.get(name);
      if (current && current.holder !== holder && current.expiresAt > now.getTime())
        return undefined;
      const lease = { name, holder, token: (current?.token ?? 0) + 1 };
      leases.set(name, { ...lease, expiresAt: now.getTime() + ttlMs });
      return lease;
    },
    async renewLease(lease, ttlMs, now) {
      const current = leases.get(lease.name);
      if (current?.token !== lease.token) return false;
      current.expiresAt = now.getTime() + ttlMs;
      return true;
    },
    async releaseLease(lease) {
      const current = leases.get(lease.name);
      if (current?.token === lease.token) current.expiresAt = Number.NEGATIVE_INFINITY;
    },
  };
}
