import { ConflictError } from '@govblocks/core';
import type { InstructionChange, PaymentStore, StateRailTotal } from '../ports.js';
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

  const slot = (batchId: string): BatchSlot | undefined => batches.get(batchId);

  return {
    kind: 'memory',
    async insertBeneficiaries(records) {
      const existing: string[] = [];
      for (const record of records) {
        if (beneficiaries.has(record.functionalId)) existing.push(record.functionalId);
        else beneficiaries.set(record.functionalId, clone(record));
      }
      return existing;
    },
    async replaceBeneficiary(record, expectedVersion) {
      const current = beneficiaries.get(record.functionalId);
      if (!current || current.version !== expectedVersion) return false;
      beneficiaries.set(record.functionalId, clone(record));
      return true;
    },
    async getBeneficiaries(ids) {
      return ids.flatMap((id) => {
        const found = beneficiaries.get(id);
        return found ? [clone(found)] : [];
      });
    },
    async createBatch(batch) {
      if (batches.has(batch.batchId))
        throw new ConflictError(`[payments/memory] batch '${batch.batchId}' exists`);
      batches.set(batch.batchId, {
        batch: clone(batch),
        instructions: [],
        byId: new Map(),
        payees: new Set(),
        held: [],
        attempts: [],
      });
    },
    async getBatch(batchId) {
      const found = slot(batchId);
      return found ? clone(found.batch) : undefined;
    },
    async updateBatch(batch, expectedVersion) {
      const found = slot(batch.batchId);
      if (!found || found.batch.version !== expectedVersion) return false;
      found.batch = clone(batch);
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
    async claimPending(batchId, limit, now, afterSeq = -1) {
      const found = slot(batchId);
      if (!found) return [];
      const claimed: Instruction[] = [];
      for (const instruction of found.instructions) {
        if (claimed.length >= limit) break;
        if (instruction.state !== 'pending' || instruction.seq <= afterSeq) continue;
        instruction.state = 'submitting';
        instruction.attempts += 1;
        instruction.updatedAt = now.toISOString();
        claimed.push(clone(instruction));
      }
      return claimed;
    },
    async applyChanges(changes: readonly InstructionChange[], attempts, now) {
      const applied = new Set<string>();
      for (const change of changes) {
        const instruction = slot(change.batchId)?.byId.get(change.instructionId);
        if (!instruction || instruction.state !== change.from) continue;
        instruction.state = change.to;
        if (change.railReference !== undefined) instruction.railReference = change.railReference;
        if (change.failureReason !== undefined) instruction.failureReason = change.failureReason;
        instruction.updatedAt = now.toISOString();
        applied.add(change.instructionId);
      }
      for (const attempt of attempts) slot(attempt.batchId)?.attempts.push(clone(attempt));
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
  };
}
