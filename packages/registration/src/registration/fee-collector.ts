import { type Clock, ConflictError, NotFoundError, systemClock } from '@govblocks/core';
import type { FeeBill, FeeCollector, PaymentConfirmation } from './ports.js';

/** A bill as the in-memory collector keeps it. */
export interface MemoryBill {
  bill: FeeBill;
  status: 'open' | 'paid' | 'cancelled';
  /** How many times the engine opened it (more than 1 after a retry; still one bill). */
  opened: number;
  confirmation?: PaymentConfirmation;
}

/** The in-memory {@link FeeCollector}, with a `pay` that plays the payment system. */
export interface MemoryFeeCollector extends FeeCollector {
  /** Bills by id. */
  readonly bills: ReadonlyMap<string, MemoryBill>;
  /**
   * Pays an open bill in full and returns the confirmation to hand to
   * `RegistrationService.confirmPayment` (what a payments block would send).
   * @throws NOT_FOUND for an unknown bill; CONFLICT for a cancelled one.
   */
  pay(
    billId: string,
    options?: { reference?: string; collectionCost?: PaymentConfirmation['collectionCost'] },
  ): PaymentConfirmation;
}

/**
 * An in-memory fee collector for tests and demos.
 *
 * @example
 * const fees = memoryFeeCollector();
 * const registration = createRegistrationService({ store, audit, fees });
 * // … the application reaches its payment step …
 * const [bill] = fees.bills.values();
 * await registration.confirmPayment(paymentsSystem, fees.pay(bill!.bill.billId));
 */
export function memoryFeeCollector(options: { clock?: Clock } = {}): MemoryFeeCollector {
  const clock = options.clock ?? systemClock;
  const bills = new Map<string, MemoryBill>();
  let receipts = 0;
  return {
    specificationVersion: 'fee-collector/v1',
    bills,
    async openBill(bill) {
      const existing = bills.get(bill.billId);
      if (existing) existing.opened += 1;
      else bills.set(bill.billId, { bill: structuredClone(bill), status: 'open', opened: 1 });
      return { reference: `BILL-${bill.billId}` };
    },
    async cancelBill(billId) {
      const existing = bills.get(billId);
      if (existing?.status === 'open') existing.status = 'cancelled';
    },
    pay(billId, payOptions = {}) {
      const existing = bills.get(billId);
      if (!existing) throw new NotFoundError('[registration/fees] no such bill');
      if (existing.status === 'cancelled')
        throw new ConflictError('[registration/fees] the bill was cancelled');
      if (existing.confirmation) return existing.confirmation;
      receipts += 1;
      const confirmation: PaymentConfirmation = {
        billId,
        amount: existing.bill.amount,
        reference: payOptions.reference ?? `RECEIPT-${receipts}`,
        paidAt: clock.now().toISOString(),
        ...(payOptions.collectionCost ? { collectionCost: payOptions.collectionCost } : {}),
      };
      existing.status = 'paid';
      existing.confirmation = confirmation;
      return confirmation;
    },
  };
}
