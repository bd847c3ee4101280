import { memoryAuditSink } from '@govblocks/core';
import { simulatorRail } from '../rails/simulator.js';
import { paymentServiceConformanceSuite } from '../testing/index.js';
import { memoryPaymentStore } from './memory-store.js';
import { createPaymentService } from './payment-service.js';

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
