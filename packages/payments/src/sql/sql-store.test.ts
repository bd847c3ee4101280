import { memoryAuditSink } from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentService } from '../engine/payment-service.js';
import { simulatorRail } from '../rails/simulator.js';
import { paymentServiceConformanceSuite, voucherStoreConformanceSuite } from '../testing/index.js';
import { sqlPaymentStore, sqlSimulatorLedger } from './sql-store.js';
import { sqlVoucherStore } from './sql-voucher-store.js';

describe.each(testDatabaseKinds())('sql store on %s', (kind) => {
  let db: TestDatabase;
  let migrated = false;
  /** A clean store: the first time migrated, afterwards truncated (much faster than a new schema). */
  const freshStore = async () => {
    if (migrated) {
      await db.client.execute(
        'truncate payments_beneficiaries, payments_batches, payments_instructions, payments_held_rows, payments_attempts, payments_simulator_ledger, payments_vouchers, payments_voucher_group_totals, payments_outbox, payments_leases',
      );
    } else {
      await db.resetSchema();
      migrated = true;
    }
    return sqlPaymentStore(db.client);
  };
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  paymentServiceConformanceSuite({
    name: `engine on sql (${kind})`,
    approvalThreshold: 100_000,
    create: async () => {
      const store = await freshStore();
      const rail = simulatorRail({ name: 'rail', seed: 11, ledger: sqlSimulatorLedger(db.client) });
      const service = createPaymentService({
        store,
        rails: { rail },
        audit: memoryAuditSink(),
        approval: { thresholds: { USD: 100_000 } },
      });
      return {
        service,
        rail: 'rail',
        railLedger: async () => {
          const counts = new Map<string, number>();
          for (const entry of await rail.ledger.entries()) {
            if (entry.status === 'paid')
              counts.set(entry.idempotencyKey, (counts.get(entry.idempotencyKey) ?? 0) + 1);
          }
          return counts;
        },
        teardown: () => rail.close(),
      };
    },
  });

  voucherStoreConformanceSuite({
    name: `sql (${kind})`,
    create: async () => {
      await freshStore();
      return sqlVoucherStore(db.client);
    },
  });

  it('keeps duplicates out with the database constraints, and claims each pending row once', async () => {
    const store = await freshStore();
    const now = new Date('2025-01-01T00:00:00Z');
    await store.createBatch({
      batchId: 'b1',
      state: 'received',
      currency: 'USD',
      createdBy: 'm',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      declared: { count: 0, sum: 0 },
      computed: { count: 0, sum: 0 },
      accepted: { count: 0, sum: 0 },
      held: { count: 0, sum: 0 },
      approvalsRequired: 0,
      approvals: [],
      version: 1,
    });
    const instruction = (id: string, payee: string, seq: number) => ({
      batchId: 'b1',
      instructionId: id,
      seq,
      payeeFunctionalId: payee,
      amount: 100,
      currency: 'USD',
      rail: 'rail',
      modality: 'mobile_money' as const,
      financialAddress: '+1',
      state: 'pending' as const,
      attempts: 0,
      idempotencyKey: `k-${id}`,
      updatedAt: now.toISOString(),
    });
    const { duplicates } = await store.insertInstructions([
      instruction('I1', 'P1', 1),
      instruction('I2', 'P1', 2),
      instruction('I1', 'P3', 3),
      instruction('I4', 'P4', 4),
    ]);
    expect(duplicates.map((duplicate) => [duplicate.instruction.seq, duplicate.reason])).toEqual([
      [2, 'DUPLICATE_BENEFICIARY'],
      [3, 'DUPLICATE_INSTRUCTION'],
    ]);
    const [first, second] = await Promise.all([
      store.claimPending('b1', 1, now),
      store.claimPending('b1', 5, now),
    ]);
    const claimed = [...first!, ...second!].map((row) => row.instructionId).sort();
    expect(claimed).toEqual(['I1', 'I4']);
    const applied = await store.applyChanges(
      [
        { batchId: 'b1', instructionId: 'I1', from: 'submitting', to: 'paid', railReference: 'R1' },
        { batchId: 'b1', instructionId: 'I4', from: 'pending', to: 'paid' },
      ],
      [
        {
          batchId: 'b1',
          instructionId: 'I1',
          kind: 'submit',
          attempt: 1,
          outcome: 'paid',
          at: now.toISOString(),
        },
      ],
      now,
    );
    expect([...applied]).toEqual(['I1']);
    expect(await store.getInstruction('b1', 'I1')).toMatchObject({
      state: 'paid',
      railReference: 'R1',
      attempts: 1,
    });
    expect((await store.totals('b1')).attempts.submit).toBe(1);
  });
});
