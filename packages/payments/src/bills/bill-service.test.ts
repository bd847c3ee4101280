import { describe, expect, it } from 'vitest';
import { billPaymentServiceConformanceSuite } from '../testing/bill-conformance.js';
import { memoryBillPaymentStore } from './memory.js';
import { createTestBillEngine } from './test-engine.js';

billPaymentServiceConformanceSuite({
  name: 'engine on memory',
  create: async () => createTestBillEngine(memoryBillPaymentStore()),
});

describe('bill payment engine', () => {
  it('audits every state change, without payer identifiers or voucher numbers', async () => {
    const engine = createTestBillEngine(memoryBillPaymentStore());
    const fi = { actor: { type: 'service' as const, id: 'fi', roles: [] }, requestId: 'r-1' };
    engine.addBill({
      billId: 'WTR-1',
      payerId: 'NATIONAL-ID-123',
      currency: 'USD',
      amountDue: 1000,
      status: 'open',
    });
    engine.addBill({
      billId: 'WTR-2',
      payerId: 'NATIONAL-ID-123',
      currency: 'USD',
      amountDue: 500,
      status: 'open',
    });
    const [inquiry] = await engine.service.inquireBillsByPayer(fi, { payerId: 'NATIONAL-ID-123' });
    await engine.service.payBill(fi, {
      idempotencyKey: 'k1',
      billId: 'WTR-1',
      inquiryId: inquiry!.inquiryId,
      paymentReference: 'REF-1',
    });
    await engine.service.requestToPay(fi, {
      billerId: 'WATER',
      rtpId: '77',
      billId: 'WTR-2',
      payer: {
        alias: { type: '01', id: '+255700000009' },
        fi: { bic: 'B', financialAddress: 'ACC-SECRET-9' },
      },
    });
    await engine.service.respondToRequestToPay(fi, {
      billerId: 'WATER',
      rtpId: '77',
      decision: 'reject',
      reason: 'R',
    });
    const voucher = await engine.issueVoucher(500);
    engine.addBill({ billId: 'WTR-3', currency: 'USD', amountDue: 500, status: 'open' });
    await engine.service.payBillWithVoucher(fi, {
      idempotencyKey: 'k2',
      billId: 'WTR-3',
      voucherNumber: voucher,
    });

    const actions = engine.audit.events.map((event) => event.action);
    expect(actions).toEqual([
      'payment.bill.inquired',
      'payment.bill.inquired',
      'payment.bill.paid',
      'payment.bill.confirmed',
      'payment.rtp.created',
      'payment.rtp.rejected',
      'payment.voucher.preactivated',
      'payment.voucher.activated',
      'payment.voucher.redeemed',
      'payment.bill.paid',
      'payment.bill.confirmed',
    ]);
    const text = JSON.stringify(engine.audit.events);
    for (const secret of ['NATIONAL-ID-123', '+255700000009', 'ACC-SECRET-9', voucher])
      expect(text).not.toContain(secret);
    // A replay writes nothing.
    const before = engine.audit.events.length;
    await engine.service.payBillWithVoucher(fi, {
      idempotencyKey: 'k2',
      billId: 'WTR-3',
      voucherNumber: voucher,
    });
    expect(engine.audit.events.length).toBe(before);
    engine.teardown();
  });

  it('charges the after-due-date amount once the due date has passed', async () => {
    const engine = createTestBillEngine(memoryBillPaymentStore());
    const fi = { actor: { type: 'service' as const, id: 'fi', roles: [] } };
    const dueDate = new Date(engine.clock.now().getTime() + 3600_000).toISOString();
    engine.addBill({
      billId: 'WTR-9',
      currency: 'USD',
      amountDue: 1000,
      amountAfterDueDate: 1100,
      dueDate,
      status: 'open',
    });
    expect((await engine.service.inquireBill(fi, { billId: 'WTR-9' })).outstanding).toBe(1000);
    engine.clock.advance(2 * 3600_000);
    expect((await engine.service.inquireBill(fi, { billId: 'WTR-9' })).outstanding).toBe(1100);
    const payment = await engine.service.payBill(fi, {
      idempotencyKey: 'late',
      billId: 'WTR-9',
      paymentReference: 'R',
    });
    expect(payment.amount.amount).toBe(1100);
    engine.teardown();
  });

  it('turns a biller that answers nonsense into ADAPTER_ERROR', async () => {
    const { createBillPaymentService } = await import('./bill-service.js');
    const { memoryAuditSink } = await import('@govblocks/core');
    const service = createBillPaymentService({
      store: memoryBillPaymentStore(),
      audit: memoryAuditSink(),
      billers: [
        {
          specificationVersion: 'biller/v1',
          billerId: 'BAD',
          billerName: 'Bad',
          billPrefix: 'B',
          getBill: async () => ({ billId: 'B1', amountDue: -5 }) as never,
          markPaid: async () => ({ status: 'acknowledged' }),
        },
      ],
    });
    const fi = { actor: { type: 'service' as const, id: 'fi', roles: [] } };
    await expect(service.inquireBill(fi, { billId: 'B1' })).rejects.toMatchObject({
      code: 'ADAPTER_ERROR',
    });
  });
});
