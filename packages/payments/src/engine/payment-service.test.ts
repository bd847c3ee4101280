import { memoryAuditSink } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { simulatorRail } from '../rails/simulator.js';
import { paymentServiceConformanceSuite } from '../testing/index.js';
import { memoryPaymentStore } from './memory-store.js';
import { createPaymentService, type PaymentEvent } from './payment-service.js';

paymentServiceConformanceSuite({
  name: 'engine on the memory store',
  approvalThreshold: 100_000,
  create: async () => {
    const rail = simulatorRail({ name: 'rail', seed: 7 });
    const service = createPaymentService({
      store: memoryPaymentStore(),
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

describe('engine extras', () => {
  it('notifies paid and failed instructions and the completed batch, once each', async () => {
    const rail = simulatorRail({
      name: 'rail',
      seed: 4,
      failureRate: 0.3,
      asyncRate: 0.3,
      settleMs: 2,
      duplicateCallbackRate: 1,
    });
    const events: PaymentEvent[] = [];
    const service = createPaymentService({
      store: memoryPaymentStore(),
      rails: { rail },
      audit: memoryAuditSink(),
      onEvent: (event) => {
        events.push(event);
        throw new Error('a broken consumer does not stop disbursement');
      },
    });
    const maker = { actor: { type: 'operator' as const, id: 'm', roles: [] } };
    await service.registerBeneficiaries(
      maker,
      Array.from({ length: 20 }, (_, index) => ({
        functionalId: `B${index}`,
        modality: 'mobile_money' as const,
        financialAddress: `+${index}`,
        rail: 'rail',
      })),
    );
    const rows = Array.from({ length: 20 }, (_, index) => ({
      instructionId: `I${index}`,
      payeeFunctionalId: `B${index}`,
      amount: '1.00',
      currency: 'USD',
    }));
    const batch = await service.createBatch(
      maker,
      { currency: 'USD', format: 'json', control: { count: 20, sum: 2000 } },
      rows,
    );
    await service.approveBatch({ actor: { type: 'operator', id: 'c1', roles: [] } }, batch.batchId);
    await service.approveBatch({ actor: { type: 'operator', id: 'c2', roles: [] } }, batch.batchId);
    const result = await service.processBatch(maker, batch.batchId, { pollIntervalMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const instructionEvents = events.filter((event) => event.type !== 'payment.batch.completed');
    expect(instructionEvents).toHaveLength(20);
    expect(
      new Set(
        instructionEvents.map((event) => ('instructionId' in event ? event.instructionId : '')),
      ).size,
    ).toBe(20);
    expect(
      instructionEvents.filter((event) => event.type === 'payment.instruction.paid'),
    ).toHaveLength(result.byState.paid.count);
    expect(events.filter((event) => event.type === 'payment.batch.completed')).toHaveLength(1);
    service.close();
    rail.close();
  });

  it('splits work per rail: each rail has its own cap on calls in flight and its own rate', async () => {
    const fast = simulatorRail({ name: 'fast', latencyMs: 2 });
    const slowInner = simulatorRail({ name: 'slow', latencyMs: 5 });
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = {
      ...slowInner,
      async submit(transfer: Parameters<typeof slowInner.submit>[0]) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await slowInner.submit(transfer);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const service = createPaymentService({
      store: memoryPaymentStore(),
      rails: { fast, slow },
      audit: memoryAuditSink(),
    });
    const maker = { actor: { type: 'operator' as const, id: 'm', roles: [] } };
    await service.registerBeneficiaries(
      maker,
      Array.from({ length: 40 }, (_, index) => ({
        functionalId: `B${index}`,
        modality: 'mobile_money' as const,
        financialAddress: `+${index}`,
        rail: index % 2 === 0 ? 'fast' : 'slow',
      })),
    );
    const rows = Array.from({ length: 40 }, (_, index) => ({
      instructionId: `I${index}`,
      payeeFunctionalId: `B${index}`,
      amount: '1.00',
      currency: 'USD',
    }));
    const batch = await service.createBatch(
      maker,
      { currency: 'USD', format: 'json', control: { count: 40, sum: 4000 } },
      rows,
    );
    await service.approveBatch({ actor: { type: 'operator', id: 'c1', roles: [] } }, batch.batchId);
    await service.approveBatch({ actor: { type: 'operator', id: 'c2', roles: [] } }, batch.batchId);
    const started = Date.now();
    const result = await service.processBatch(maker, batch.batchId, {
      concurrency: 16,
      pipeline: 2,
      chunkSize: 10,
      rails: { slow: { concurrency: 2 }, fast: { ratePerSecond: 200 } },
    });
    expect(result.byState.paid.count).toBe(40);
    expect(result.byRail.slow?.paid.count).toBe(20);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    // 20 calls to `fast` at 200/s take at least ~95 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    service.close();
  });
});
