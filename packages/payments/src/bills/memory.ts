import { type AuditEventInput, ConflictError, type Money, parse } from '@govblocks/core';
import {
  hashVoucherNumber,
  type VoucherService,
  type VoucherStore,
} from '../vouchers/voucher-service.js';
import type {
  BillAuditOutboxEntry,
  BillAuditWrite,
  Biller,
  BillInquiryRecord,
  BillPaymentAdvice,
  BillPaymentStore,
  BillVoucherRedeemer,
  StoredBillPayment,
  StoredRequestToPay,
} from './ports.js';
import { type Bill, billSchema } from './schemas.js';

const billKey = (billerId: string, billId: string) => `${billerId}\u0000${billId}`;

/** A {@link BillPaymentStore} in memory (tests, demos, `govblocks serve` without a database). */
export function memoryBillPaymentStore(): BillPaymentStore {
  const inquiries = new Map<string, BillInquiryRecord>();
  const payments = new Map<string, StoredBillPayment>();
  const byKey = new Map<string, string>();
  const totals = new Map<string, number>();
  const rtps = new Map<string, StoredRequestToPay>();
  const idempotency = (scope: string, key: string) => `${scope}\u0000${key}`;
  const adjust = (payment: StoredBillPayment, sign: 1 | -1) => {
    const key = billKey(payment.billerId, payment.billId);
    totals.set(key, (totals.get(key) ?? 0) + sign * payment.amount.amount);
  };
  const outbox: BillAuditOutboxEntry[] = [];
  let position = 0;
  /**
   * The events of a write as stored (JSON, like the SQL store), prepared before anything changes:
   * an event that cannot be stored fails the write with nothing written. `commit` then appends
   * them in the same synchronous step as the change (nothing can run in between).
   */
  const prepare = (options: BillAuditWrite | undefined) => {
    const events = (options?.audit ?? []).map(
      (event) => JSON.parse(JSON.stringify(event)) as AuditEventInput,
    );
    return () => {
      for (const event of events) outbox.push({ position: ++position, event });
    };
  };
  return {
    kind: 'memory',
    async insertInquiry(inquiry, options) {
      const commit = prepare(options);
      if (inquiries.has(inquiry.inquiryId))
        throw new ConflictError('[payments/bills] inquiry exists');
      inquiries.set(inquiry.inquiryId, structuredClone(inquiry));
      commit();
    },
    async getInquiry(inquiryId) {
      const found = inquiries.get(inquiryId);
      return found ? structuredClone(found) : undefined;
    },
    async paidTotal(billerId, billId) {
      return totals.get(billKey(billerId, billId)) ?? 0;
    },
    async recordPayment(payment, limit, options) {
      const commit = prepare(options);
      const existingId = byKey.get(idempotency(payment.idempotencyScope, payment.idempotencyKey));
      if (existingId)
        return { status: 'duplicate', existing: structuredClone(payments.get(existingId)!) };
      const paid = totals.get(billKey(payment.billerId, payment.billId)) ?? 0;
      if (paid + payment.amount.amount > limit) return { status: 'exceeds', paid };
      payments.set(payment.paymentId, structuredClone(payment));
      byKey.set(idempotency(payment.idempotencyScope, payment.idempotencyKey), payment.paymentId);
      adjust(payment, 1);
      commit();
      return { status: 'recorded' };
    },
    async getPayment(paymentId) {
      const found = payments.get(paymentId);
      return found ? structuredClone(found) : undefined;
    },
    async getPaymentByKey(scope, key) {
      const id = byKey.get(idempotency(scope, key));
      return id ? structuredClone(payments.get(id)) : undefined;
    },
    async releasePayment(paymentId) {
      const current = payments.get(paymentId);
      if (current?.state !== 'pending') return false;
      payments.delete(paymentId);
      byKey.delete(idempotency(current.idempotencyScope, current.idempotencyKey));
      adjust(current, -1);
      return true;
    },
    async updatePayment(payment, from, options) {
      const commit = prepare(options);
      const current = payments.get(payment.paymentId);
      if (!current || current.state !== from) return false;
      payments.set(payment.paymentId, structuredClone(payment));
      if (payment.state === 'rejected') adjust(current, -1);
      commit();
      return true;
    },
    async listPayments(state, limit) {
      return [...payments.values()]
        .filter((payment) => payment.state === state)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .slice(0, limit)
        .map((payment) => structuredClone(payment));
    },
    async insertRequestToPay(rtp, options) {
      const commit = prepare(options);
      const existing = rtps.get(billKey(rtp.billerId, rtp.rtpId));
      if (existing) return { status: 'exists', existing: structuredClone(existing) };
      rtps.set(billKey(rtp.billerId, rtp.rtpId), structuredClone(rtp));
      commit();
      return { status: 'inserted' };
    },
    async getRequestToPay(key) {
      const found = rtps.get(billKey(key.billerId, key.rtpId));
      return found ? structuredClone(found) : undefined;
    },
    async updateRequestToPay(rtp, from, options) {
      const commit = prepare(options);
      const current = rtps.get(billKey(rtp.billerId, rtp.rtpId));
      if (!current || current.state !== from) return false;
      rtps.set(billKey(rtp.billerId, rtp.rtpId), structuredClone(rtp));
      commit();
      return true;
    },
    async readAuditOutbox(limit) {
      return structuredClone(outbox.slice(0, limit));
    },
    async acknowledgeAuditOutbox(positions) {
      const done = new Set(positions);
      for (let index = outbox.length - 1; index >= 0; index--)
        if (done.has(outbox[index]!.position)) outbox.splice(index, 1);
    },
    async auditOutboxBacklog() {
      return outbox.length;
    },
  };
}

/** What {@link memoryBiller} is given per bill (its biller id and name are filled in). */
export type MemoryBillInput = Omit<Bill, 'billerId' | 'billerName'>;

/** A {@link Biller} in memory, with the payment advices it received (for tests and demos). */
export interface MemoryBiller extends Biller {
  /** Adds or replaces a bill. */
  addBill(bill: MemoryBillInput): void;
  /** Every advice received, in order (repeats included). */
  readonly advices: readonly BillPaymentAdvice[];
  /** Makes the next `count` advices throw (the biller is unreachable), to test store-and-forward. */
  failAdvice(count: number): void;
}

/**
 * A biller for development and tests: bills in memory, searchable by payer, marked paid when an
 * advice settles them. An advice is idempotent by payment id; an advice of another payment for
 * a bill already paid in full is rejected as `Dup`, one for an unknown bill as `Und`.
 *
 * @example
 * const water = memoryBiller({ billerId: 'WATER', billerName: 'City Water', billPrefix: 'WTR' });
 * water.addBill({ billId: 'WTR-1001', currency: 'KES', amountDue: 1250_00, status: 'open' });
 */
export function memoryBiller(options: {
  billerId: string;
  billerName: string;
  billPrefix?: string;
  bills?: readonly MemoryBillInput[];
}): MemoryBiller {
  const bills = new Map<string, Bill>();
  const settledBy = new Map<string, Set<string>>();
  const advices: BillPaymentAdvice[] = [];
  let failures = 0;
  const maybeFail = () => {
    if (failures > 0) {
      failures--;
      throw new Error('biller unreachable (simulated)');
    }
  };
  const biller: MemoryBiller = {
    specificationVersion: 'biller/v1',
    billerId: options.billerId,
    billerName: options.billerName,
    billPrefix: options.billPrefix ?? '',
    advices,
    addBill(bill) {
      const full = parse(
        billSchema,
        { ...bill, billerId: options.billerId, billerName: options.billerName },
        '[payments/memory-biller] bill',
      );
      bills.set(full.billId, full);
    },
    failAdvice(count) {
      failures = count;
    },
    async getBill(billId) {
      const bill = bills.get(billId);
      return bill ? structuredClone(bill) : undefined;
    },
    async findBillsByPayer(payerId) {
      return [...bills.values()]
        .filter((bill) => bill.payerId === payerId && bill.status === 'open')
        .map((bill) => structuredClone(bill));
    },
    async markPaid(advice) {
      maybeFail();
      advices.push(structuredClone(advice));
      const bill = bills.get(advice.billId);
      if (!bill) return { status: 'rejected', reason: 'Und' };
      const payments = settledBy.get(advice.billId) ?? new Set<string>();
      if (bill.status === 'paid' && !payments.has(advice.paymentId))
        return { status: 'rejected', reason: 'Dup' };
      payments.add(advice.paymentId);
      settledBy.set(advice.billId, payments);
      if (advice.settles) bills.set(advice.billId, { ...bill, status: 'paid' });
      return { status: 'acknowledged' };
    },
  };
  for (const bill of options.bills ?? []) biller.addBill(bill);
  return biller;
}

/**
 * The {@link BillVoucherRedeemer} over the voucher engine (`createVoucherService`): looks a
 * voucher up in its store by the keyed hash of its number, and redeems it with the biller as
 * the merchant — paid, from the voucher's own group, through the voucher engine's merchant rail
 * to the biller's settlement account.
 *
 * @example
 * const bills = createBillPaymentService({ …, vouchers: billVoucherRedeemer({ service: vouchers,
 *   store: voucherStore, secretKey, settlementAccount: (billerId) => accounts[billerId] }) });
 */
export function billVoucherRedeemer(options: {
  service: VoucherService;
  store: VoucherStore;
  /** The voucher engine's `secretKey` (the voucher-number hash key). */
  secretKey: Uint8Array | string;
  /** The financial address a biller is paid on. */
  settlementAccount: (billerId: string) => string;
  /** Clock of the expiry check. Default: now. */
  now?: () => Date;
}): BillVoucherRedeemer {
  const now = options.now ?? (() => new Date());
  return {
    async inspect(voucherNumber) {
      const voucher = await options.store.getByNumberHash(
        hashVoucherNumber(options.secretKey, voucherNumber),
      );
      if (!voucher) return undefined;
      const amount: Money = voucher.amount;
      return {
        serialNumber: voucher.serialNumber,
        amount,
        usable: voucher.state === 'activated' && new Date(voucher.expiresAt) > now(),
      };
    },
    async redeem(context, voucherNumber, biller) {
      const voucher = await options.store.getByNumberHash(
        hashVoucherNumber(options.secretKey, voucherNumber),
      );
      const redeemed = await options.service.redeem(context, {
        voucherNumber,
        merchant: {
          name: biller.billerName,
          financialAddress: options.settlementAccount(biller.billerId),
          group: voucher?.group ?? 'unknown',
        },
      });
      return {
        serialNumber: redeemed.serialNumber,
        ...(redeemed.railReference ? { railReference: redeemed.railReference } : {}),
      };
    },
  };
}
