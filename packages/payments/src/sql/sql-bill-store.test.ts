import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBillEngine } from '../bills/test-engine.js';
import { billPaymentServiceConformanceSuite } from '../testing/bill-conformance.js';
import { sqlBillPaymentStore } from './sql-bill-store.js';

describe.each(testDatabaseKinds())('sql bill payment store on %s', (kind) => {
  let db: TestDatabase;
  let migrated = false;
  /** A clean store: the first time migrated, afterwards truncated. */
  const freshStore = async () => {
    if (migrated) {
      await db.client.execute(
        'truncate payments_bill_inquiries, payments_bill_totals, payments_bill_payments, payments_requests_to_pay, payments_bill_audit_outbox',
      );
    } else {
      await db.resetSchema();
      migrated = true;
    }
    return sqlBillPaymentStore(db.client);
  };
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  billPaymentServiceConformanceSuite({
    name: `engine on sql (${kind})`,
    create: async () => createTestBillEngine(await freshStore()),
  });

  it('keeps the paid total and the payment in one transaction', async () => {
    const store = await freshStore();
    const payment = (id: string, key: string, amount: number) => ({
      paymentId: id,
      billId: 'B1',
      billerId: 'X',
      amount: { amount, currency: 'USD' },
      method: 'transfer' as const,
      paymentReference: 'R',
      state: 'recorded' as const,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      idempotencyScope: 's',
      idempotencyKey: key,
      requestHash: 'h',
    });
    expect(await store.recordPayment(payment('p1', 'k1', 600), 1000)).toEqual({
      status: 'recorded',
    });
    // Over the limit: neither the payment nor the total is written.
    expect(await store.recordPayment(payment('p2', 'k2', 500), 1000)).toEqual({
      status: 'exceeds',
      paid: 600,
    });
    expect(await store.getPayment('p2')).toBeUndefined();
    expect(await store.getPaymentByKey('s', 'k2')).toBeUndefined();
    const duplicate = await store.recordPayment(payment('p3', 'k1', 400), 1000);
    expect(duplicate.status === 'duplicate' && duplicate.existing.paymentId).toBe('p1');
    expect(await store.paidTotal('X', 'B1')).toBe(600);
    // A rejected advice takes the amount off; a pending one can be released.
    expect(
      await store.updatePayment({ ...payment('p1', 'k1', 600), state: 'rejected' }, 'recorded'),
    ).toBe(true);
    expect(
      await store.updatePayment({ ...payment('p1', 'k1', 600), state: 'confirmed' }, 'recorded'),
    ).toBe(false);
    expect(await store.paidTotal('X', 'B1')).toBe(0);
    await store.recordPayment({ ...payment('p4', 'k4', 1000), state: 'pending' }, 1000);
    expect(await store.paidTotal('X', 'B1')).toBe(1000);
    expect(await store.releasePayment('p4')).toBe(true);
    expect(await store.releasePayment('p4')).toBe(false);
    expect(await store.paidTotal('X', 'B1')).toBe(0);
  });
});
