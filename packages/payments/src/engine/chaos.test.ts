import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PaymentService, PaymentStore } from '../ports.js';
import { type SimulatorRail, simulatorRail } from '../rails/simulator.js';
import { memoryPaymentStore } from './memory-store.js';
import { createPaymentService } from './payment-service.js';

const maker: ActorContext = { actor: { type: 'operator', id: 'maker', roles: [] } };
const checkers: ActorContext[] = [
  { actor: { type: 'operator', id: 'checker-1', roles: [] } },
  { actor: { type: 'operator', id: 'checker-2', roles: [] } },
];

async function setupBatch(service: PaymentService, count: number) {
  await service.registerBeneficiaries(
    maker,
    Array.from({ length: count }, (_, index) => ({
      functionalId: `B${index}`,
      modality: 'mobile_money' as const,
      financialAddress: `+1555${index}`,
      rail: 'sim',
    })),
  );
  const rows = Array.from({ length: count }, (_, index) => ({
    instructionId: `I${index}`,
    payeeFunctionalId: `B${index}`,
    amount: `${(index % 50) + 1}.25`,
    currency: 'USD',
  }));
  const sum = rows.reduce((total, row) => total + Math.round(Number(row.amount) * 100), 0);
  const batch = await service.createBatch(
    maker,
    { currency: 'USD', format: 'json', control: { count, sum } },
    rows,
  );
  for (const checker of checkers.slice(0, batch.approvalsRequired))
    await service.approveBatch(checker, batch.batchId);
  return { batchId: batch.batchId, sum };
}

/** Every instruction is paid exactly once on the rail or failed with a reason; the books agree. */
async function expectExactlyOnce(
  service: PaymentService,
  rail: SimulatorRail,
  batchId: string,
  count: number,
) {
  const reconciliation = await service.reconcile(maker, batchId);
  expect(reconciliation.batchState).toBe('completed');
  expect(reconciliation.balanced).toBe(true);
  const entries = await rail.ledger.entries();
  const byKey = new Map(entries.map((entry) => [entry.idempotencyKey, entry]));
  expect(byKey.size).toBe(entries.length);
  let paidSum = 0;
  let paidCount = 0;
  for (let index = 0; index < count; index++) {
    const instruction = await service.getInstruction(maker, batchId, `I${index}`);
    const entry = byKey.get(instruction.idempotencyKey);
    if (instruction.state === 'paid') {
      expect(entry?.status).toBe('paid');
      expect(entry?.amount.amount).toBe(instruction.amount);
      paidSum += instruction.amount;
      paidCount += 1;
    } else {
      expect(instruction.state).toBe('failed');
      expect(instruction.failureReason).toBeTruthy();
      expect(entry?.status).not.toBe('paid');
    }
  }
  const ledgerPaid = entries.filter((entry) => entry.status === 'paid');
  expect(ledgerPaid.length).toBe(paidCount);
  expect(ledgerPaid.reduce((total, entry) => total + entry.amount.amount, 0)).toBe(paidSum);
  expect(reconciliation.byState.paid).toEqual({ count: paidCount, sum: paidSum });
}

describe('engine against an adversarial rail', () => {
  it('pays each instruction at most once through failures, timeouts, lost requests and callbacks', async () => {
    const rail = simulatorRail({
      name: 'sim',
      seed: 99,
      failureRate: 0.1,
      timeoutRate: 0.15,
      lostRate: 0.1,
      unavailableRate: 0.1,
      asyncRate: 0.2,
      settleMs: 5,
      duplicateCallbackRate: 0.5,
      earlyCallbackRate: 0.3,
      latencyMs: [0, 2],
    });
    const audit = memoryAuditSink();
    const service = createPaymentService({
      store: memoryPaymentStore(),
      rails: { sim: rail },
      audit,
    });
    const { batchId } = await setupBatch(service, 400);
    const result = await service.processBatch(checkers[0]!, batchId, {
      chunkSize: 37,
      concurrency: 8,
      maxAttempts: 20,
      pollIntervalMs: 2,
    });
    expect(result.batchState).toBe('completed');
    await new Promise((resolve) => setTimeout(resolve, 30)); // let late duplicate callbacks arrive
    await expectExactlyOnce(service, rail, batchId, 400);
    expect(result.byState.failed.count).toBeGreaterThan(0);
    expect(result.attempts.inquiry).toBeGreaterThan(0);
    // Every instruction state change was audited, with no personal data in the details.
    const changes = audit.events.filter((event) => event.action.startsWith('payment.instruction.'));
    expect(changes.length).toBeGreaterThanOrEqual(800);
    expect(JSON.stringify(audit.events)).not.toContain('+1555');
    rail.close();
  });

  it('an unknown outcome is always followed by an inquiry before the next submission', async () => {
    const rail = simulatorRail({
      name: 'sim',
      seed: 5,
      timeoutRate: 0.3,
      lostRate: 0.3,
      settleMs: 1,
    });
    const service = createPaymentService({
      store: memoryPaymentStore(),
      rails: { sim: rail },
      audit: memoryAuditSink(),
    });
    const { batchId } = await setupBatch(service, 100);
    await service.processBatch(checkers[0]!, batchId, { maxAttempts: 50, pollIntervalMs: 1 });
    const attempts = await service.listAttempts(maker, batchId);
    const byInstruction = new Map<string, typeof attempts>();
    for (const attempt of attempts)
      byInstruction.set(attempt.instructionId, [
        ...(byInstruction.get(attempt.instructionId) ?? []),
        attempt,
      ]);
    for (const list of byInstruction.values()) {
      for (let index = 0; index < list.length - 1; index++) {
        if (list[index]!.kind === 'submit' && list[index]!.outcome === 'timeout') {
          const next = list.slice(index + 1).find((attempt) => attempt.kind !== 'callback');
          expect(next?.kind).toBe('inquiry');
        }
      }
    }
    await expectExactlyOnce(service, rail, batchId, 100);
    rail.close();
  });
});

class Crash extends Error {}

/** A store that crashes on its `crashAt`-th write (before or after the write took effect). */
function crashingStore(inner: PaymentStore, crashAt: number, after: boolean): PaymentStore {
  let writes = 0;
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      writes += 1;
      if (writes === crashAt && !after) throw new Crash('crash before write');
      const result = await fn(...args);
      if (writes === crashAt && after) throw new Crash('crash after write');
      return result;
    };
  return {
    ...inner,
    claimPending: wrap(inner.claimPending.bind(inner)),
    applyChanges: wrap(inner.applyChanges.bind(inner)),
    updateBatch: wrap(inner.updateBatch.bind(inner)),
  };
}

describe('resuming an interrupted batch', () => {
  it('reaches the same end state, paying once, wherever the process stops', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.integer({ min: 1, max: 40 }), after: fc.boolean() }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (crashes) => {
          const store = memoryPaymentStore();
          const rail = simulatorRail({
            name: 'sim',
            seed: 3,
            timeoutRate: 0.2,
            asyncRate: 0.2,
            settleMs: 1,
          });
          const make = (target: PaymentStore) =>
            createPaymentService({ store: target, rails: { sim: rail }, audit: memoryAuditSink() });
          const { batchId, sum } = await setupBatch(make(store), 60);
          for (const crash of crashes) {
            const service = make(crashingStore(store, crash.at, crash.after));
            await service
              .processBatch(checkers[0]!, batchId, { chunkSize: 7, pollIntervalMs: 1 })
              .catch((error) => {
                if (!(error instanceof Crash)) throw error;
              });
          }
          const service = make(store);
          const result = await service.processBatch(checkers[0]!, batchId, {
            chunkSize: 7,
            pollIntervalMs: 1,
            maxAttempts: 50,
          });
          expect(result.byState.paid).toEqual({ count: 60, sum });
          await expectExactlyOnce(service, rail, batchId, 60);
          rail.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
