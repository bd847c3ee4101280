import { manualClock, memoryAuditSink } from '@govblocks/core';
import { simulatorRail } from '../rails/simulator.js';
import {
  createVoucherService,
  memoryVoucherStore,
  randomVoucherKey,
} from '../vouchers/voucher-service.js';
import { createBillPaymentService } from './bill-service.js';
import { billVoucherRedeemer, memoryBiller } from './memory.js';
import type { BillPaymentStore } from './ports.js';

/**
 * The engine the bill payment tests run (on any store): one memory biller (`WATER`, bill ids
 * `WTR-…`), vouchers paid to the biller through the simulator rail, a manual clock. Test-only.
 */
export function createTestBillEngine(store: BillPaymentStore) {
  const clock = manualClock(new Date());
  const audit = memoryAuditSink();
  const biller = memoryBiller({ billerId: 'WATER', billerName: 'City Water', billPrefix: 'WTR-' });
  const rail = simulatorRail({ name: 'merchant', seed: 3 });
  const voucherStore = memoryVoucherStore();
  const secretKey = randomVoucherKey();
  const vouchers = createVoucherService({
    store: voucherStore,
    audit,
    secretKey,
    clock,
    groups: [{ name: 'bills', currency: 'USD', budget: 1_000_000_00 }],
    merchantRail: rail,
  });
  const service = createBillPaymentService({
    store,
    billers: [biller],
    vouchers: billVoucherRedeemer({
      service: vouchers,
      store: voucherStore,
      secretKey,
      settlementAccount: () => 'WATER-SETTLEMENT-001',
      now: () => clock.now(),
    }),
    audit,
    clock,
  });
  const system = { actor: { type: 'system' as const, id: 'test', roles: [] } };
  return {
    service,
    biller,
    audit,
    clock,
    rail,
    billerId: 'WATER',
    billPrefix: 'WTR-',
    addBill: biller.addBill,
    advices: () => biller.advices,
    failAdvice: biller.failAdvice,
    advanceClock: (ms: number) => clock.advance(ms),
    issueVoucher: async (amount: number) => {
      const issued = await vouchers.preactivate(system, {
        amount: (amount / 100).toFixed(2),
        currency: 'USD',
        group: 'bills',
      });
      await vouchers.activate(system, issued.serialNumber);
      return issued.voucherNumber;
    },
    teardown: () => rail.close(),
  };
}
