import { randomUUID } from 'node:crypto';
import { type ActorContext, isGovBlocksError } from '@govblocks/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BillPaymentAdvice, BillPaymentService } from '../bills/ports.js';
import type { Bill } from '../bills/schemas.js';
import { rejectsWith } from './rejects-with.js';

/** A bill as the suite creates it at the biller (biller id and name are the biller's). */
export type ConformanceBill = Omit<Bill, 'billerId' | 'billerName'>;

export interface BillPaymentServiceConformanceOptions {
  name: string;
  /**
   * A fresh service per test, with one biller whose bill ids start with `billPrefix` and whose
   * bills the suite creates with `addBill`.
   */
  create: () => Promise<{
    service: BillPaymentService;
    billerId: string;
    billPrefix: string;
    addBill: (bill: ConformanceBill) => void | Promise<void>;
    /** Read-back hook: the payment advices the biller received (repeats included). */
    advices?: () => readonly BillPaymentAdvice[];
    /** Makes the biller unreachable for the next `count` advices (store-and-forward case). */
    failAdvice?: (count: number) => void;
    /** Issues an activated voucher worth `amount` minor units of USD; returns its number. */
    issueVoucher?: (amount: number) => Promise<string>;
    /** Moves the service's clock forward (expiry cases). */
    advanceClock?: (ms: number) => void;
    teardown?: () => Promise<void> | void;
  }>;
  /** Skip groups this implementation cannot support, with the reason. */
  skip?: Partial<Record<'vouchers' | 'expiry' | 'storeAndForward' | 'byPayer', string>>;
}

/**
 * The `BillPaymentService` conformance suite: the engine over every store, and the remote
 * adapter over the HTTP binding, must pass it. Uses only the public port (and the biller hooks).
 *
 * @example
 * billPaymentServiceConformanceSuite({
 *   name: 'engine on memory',
 *   create: async () => {
 *     const biller = memoryBiller({ billerId: 'WATER', billerName: 'City Water', billPrefix: 'WTR' });
 *     const service = createBillPaymentService({ store: memoryBillPaymentStore(), billers: [biller], audit: memoryAuditSink() });
 *     return { service, billerId: 'WATER', billPrefix: 'WTR', addBill: (bill) => biller.addBill(bill) };
 *   },
 * });
 */
export function billPaymentServiceConformanceSuite(
  options: BillPaymentServiceConformanceOptions,
): void {
  describe(`BillPaymentService conformance: ${options.name}`, () => {
    let created: Awaited<ReturnType<BillPaymentServiceConformanceOptions['create']>>;
    let service: BillPaymentService;
    let run: string;
    const payerFi: ActorContext = { actor: { type: 'service', id: 'payer-fi-1', roles: [] } };
    const otherFi: ActorContext = { actor: { type: 'service', id: 'payer-fi-2', roles: [] } };
    const billerActor: ActorContext = { actor: { type: 'service', id: 'biller', roles: [] } };

    beforeEach(async () => {
      created = await options.create();
      service = created.service;
      run = randomUUID().replaceAll('-', '').slice(0, 6).toUpperCase();
    });
    afterEach(async () => {
      await created.teardown?.();
    });

    let counter = 0;
    /** A fresh bill at the biller: 125.00 USD, payable in full only, unless overridden. */
    const bill = async (overrides: Partial<ConformanceBill> = {}) => {
      counter++;
      const billId = `${created.billPrefix}${run}${counter}`.slice(0, 20);
      await created.addBill({
        billId,
        currency: 'USD',
        amountDue: 12_500,
        status: 'open',
        ...overrides,
      });
      return billId;
    };
    const key = (label: string) => `${run}-${label}`;
    let rtpCounter = 0;
    const rtpId = () => `${Date.now() % 1_000_000_000}${++rtpCounter}`.slice(0, 15);

    it('answers an inquiry with what is owed, and refuses unknown bills and billers', async () => {
      const billId = await bill({ dueDate: '2999-01-01T00:00:00Z', amountAfterDueDate: 13_000 });
      const inquiry = await service.inquireBill(payerFi, { billId, requestId: 'REQ1' });
      expect(inquiry).toMatchObject({
        billId,
        billerId: created.billerId,
        currency: 'USD',
        amountDue: 12_500,
        amountAfterDueDate: 13_000,
        amountPaid: 0,
        outstanding: 12_500,
        status: 'open',
      });
      expect(inquiry.inquiryId).toEqual(expect.any(String));
      await rejectsWith(
        service.inquireBill(payerFi, { billId: `${created.billPrefix}NOPE${run}` }),
        'BILL_NOT_FOUND',
      );
      await rejectsWith(
        service.inquireBill(payerFi, { billId: 'ZZZ-UNROUTED-1' }),
        'BILL_UNKNOWN_BILLER',
      );
      await rejectsWith(service.inquireBill(payerFi, { billId: 'bad/id' }), 'VALIDATION_FAILED');
    });

    it('pays a bill once: inquiry → payment → confirmed, and a second payment is refused', async () => {
      const billId = await bill();
      const inquiry = await service.inquireBill(payerFi, { billId });
      const payment = await service.payBill(payerFi, {
        idempotencyKey: key('P1'),
        billId,
        inquiryId: inquiry.inquiryId,
        paymentReference: 'FI-REF-1',
      });
      expect(payment).toMatchObject({
        billId,
        billerId: created.billerId,
        amount: { amount: 12_500, currency: 'USD' },
        method: 'transfer',
        paymentReference: 'FI-REF-1',
        state: 'confirmed',
      });
      expect(await service.getPayment(payerFi, payment.paymentId)).toMatchObject({
        paymentId: payment.paymentId,
        state: 'confirmed',
      });
      const after = await service.inquireBill(payerFi, { billId });
      expect(after.outstanding).toBe(0);
      expect(after.status).toBe('paid');
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('P2'),
          billId,
          paymentReference: 'FI-REF-2',
        }),
        'BILL_ALREADY_PAID',
      );
      if (created.advices) {
        const advices = created.advices().filter((advice) => advice.billId === billId);
        expect(advices).toHaveLength(1);
        expect(advices[0]).toMatchObject({ paymentId: payment.paymentId, settles: true });
      }
    });

    it('replays a repeated request and refuses the same key with another body', async () => {
      const billId = await bill();
      const input = { idempotencyKey: key('R1'), billId, paymentReference: 'FI-REF-R' };
      const first = await service.payBill(payerFi, input);
      const again = await service.payBill(payerFi, input);
      expect(again.paymentId).toBe(first.paymentId);
      expect(again.state).toBe('confirmed');
      await rejectsWith(
        service.payBill(payerFi, { ...input, paymentReference: 'FI-REF-OTHER' }),
        'IDEMPOTENCY_KEY_MISMATCH',
      );
      // Keys belong to their caller: another FI's same key is another request (here: paid already).
      await rejectsWith(service.payBill(otherFi, input), 'BILL_ALREADY_PAID');
      if (created.advices)
        expect(created.advices().filter((advice) => advice.billId === billId)).toHaveLength(1);
    });

    it('checks the amount, the currency and the inquiry', async () => {
      const billId = await bill();
      const otherBill = await bill();
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('A1'),
          billId,
          amount: { amount: 12_499, currency: 'USD' },
          paymentReference: 'X',
        }),
        'BILL_AMOUNT_MISMATCH',
      );
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('A2'),
          billId,
          amount: { amount: 12_600, currency: 'USD' },
          paymentReference: 'X',
        }),
        'BILL_AMOUNT_MISMATCH',
      );
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('A3'),
          billId,
          amount: { amount: 12_500, currency: 'EUR' },
          paymentReference: 'X',
        }),
        'BILL_CURRENCY_MISMATCH',
      );
      const inquiry = await service.inquireBill(payerFi, { billId: otherBill });
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('A4'),
          billId,
          inquiryId: inquiry.inquiryId,
          paymentReference: 'X',
        }),
        'BILL_INQUIRY_MISMATCH',
      );
      await rejectsWith(
        service.payBill(payerFi, { idempotencyKey: key('A5'), billId, paymentReference: '' }),
        'VALIDATION_FAILED',
      );
      // Nothing was written by the refusals: the bill is still fully open.
      expect((await service.inquireBill(payerFi, { billId })).outstanding).toBe(12_500);
      const cancelled = await bill({ status: 'cancelled' });
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('A6'),
          billId: cancelled,
          paymentReference: 'X',
        }),
        'BILL_NOT_PAYABLE',
      );
    });

    it('takes parts where the bill allows them, never more than it asks', async () => {
      const billId = await bill({ amountDue: 10_000, partialPayment: { minimum: 2_000 } });
      const part = (label: string, amount: number) =>
        service.payBill(payerFi, {
          idempotencyKey: key(label),
          billId,
          amount: { amount, currency: 'USD' },
          paymentReference: `REF-${label}`,
        });
      await rejectsWith(part('Q0', 1_999), 'BILL_AMOUNT_MISMATCH');
      expect((await part('Q1', 6_000)).state).toBe('confirmed');
      expect((await service.inquireBill(payerFi, { billId })).outstanding).toBe(4_000);
      await rejectsWith(part('Q2', 4_001), 'BILL_AMOUNT_MISMATCH');
      expect((await part('Q3', 4_000)).state).toBe('confirmed');
      await rejectsWith(part('Q4', 2_000), 'BILL_ALREADY_PAID');
      if (created.advices) {
        const advices = created.advices().filter((advice) => advice.billId === billId);
        expect(advices.map((advice) => advice.settles)).toEqual([false, true]);
      }
    });

    it('lets exactly one of several concurrent payments of a bill through', async () => {
      const billId = await bill();
      const results = await Promise.allSettled(
        [1, 2, 3, 4, 5].map((index) =>
          service.payBill(payerFi, {
            idempotencyKey: key(`C${index}`),
            billId,
            paymentReference: `REF-C${index}`,
          }),
        ),
      );
      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      expect(fulfilled).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected')
          expect(isGovBlocksError(result.reason) && result.reason.code).toBe('BILL_ALREADY_PAID');
      }
    });

    it('runs a request to pay: created → accepted → paid, idempotent by rtp id', async () => {
      const billId = await bill();
      const id = rtpId();
      const input = {
        billerId: created.billerId,
        rtpId: id,
        billId,
        payer: { alias: { type: '01' as const, id: '+255700000001' } },
      };
      const rtp = await service.requestToPay(billerActor, input);
      expect(rtp).toMatchObject({
        billerId: created.billerId,
        rtpId: id,
        billId,
        state: 'created',
        amount: { amount: 12_500, currency: 'USD' },
      });
      expect((await service.requestToPay(billerActor, input)).state).toBe('created');
      await rejectsWith(
        service.requestToPay(billerActor, { ...input, payer: { alias: { type: '01', id: '+1' } } }),
        'IDEMPOTENCY_KEY_MISMATCH',
      );
      const key0 = { billerId: created.billerId, rtpId: id };
      expect(
        (await service.respondToRequestToPay(payerFi, { ...key0, decision: 'accept' })).state,
      ).toBe('accepted');
      // Accepting again changes nothing.
      expect(
        (await service.respondToRequestToPay(payerFi, { ...key0, decision: 'accept' })).state,
      ).toBe('accepted');
      const payment = await service.payBill(payerFi, {
        idempotencyKey: key('RTP1'),
        billId,
        paymentReference: 'RTP-REF',
        rtp: key0,
      });
      expect(payment).toMatchObject({ rtpId: id, state: 'confirmed' });
      const paid = await service.getRequestToPay(billerActor, key0);
      expect(paid).toMatchObject({
        state: 'paid',
        paymentId: payment.paymentId,
        paymentReference: 'RTP-REF',
      });
      await rejectsWith(
        service.respondToRequestToPay(payerFi, { ...key0, decision: 'reject' }),
        'PAYMENT_ILLEGAL_TRANSITION',
      );
      await rejectsWith(
        service.getRequestToPay(billerActor, {
          billerId: created.billerId,
          rtpId: '999999999999999',
        }),
        'NOT_FOUND',
      );
    });

    it('never pays a rejected request to pay, nor one of another bill', async () => {
      const billId = await bill();
      const otherBill = await bill();
      const key0 = { billerId: created.billerId, rtpId: rtpId() };
      await service.requestToPay(billerActor, {
        ...key0,
        billId,
        payer: { fi: { bic: 'BANKTZTZ', financialAddress: '0012345678' } },
      });
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('W1'),
          billId: otherBill,
          paymentReference: 'X',
          rtp: key0,
        }),
        'RTP_MISMATCH',
      );
      const rejected = await service.respondToRequestToPay(payerFi, {
        ...key0,
        decision: 'reject',
        reason: 'R',
      });
      expect(rejected).toMatchObject({ state: 'rejected', reason: 'R' });
      await rejectsWith(
        service.payBill(payerFi, {
          idempotencyKey: key('W2'),
          billId,
          paymentReference: 'X',
          rtp: key0,
        }),
        'PAYMENT_ILLEGAL_TRANSITION',
      );
      await rejectsWith(
        service.respondToRequestToPay(payerFi, { ...key0, decision: 'accept' }),
        'PAYMENT_ILLEGAL_TRANSITION',
      );
      // The bill itself is still open (the refused payments wrote nothing).
      expect((await service.inquireBill(payerFi, { billId })).outstanding).toBe(12_500);
      await rejectsWith(
        service.requestToPay(billerActor, {
          billerId: created.billerId,
          rtpId: rtpId(),
          billId,
          payer: {},
        }),
        'VALIDATION_FAILED',
      );
    });

    it.skipIf(options.skip?.expiry)(
      'expires a request to pay that nobody paid in time',
      async () => {
        if (!created.advanceClock)
          throw new Error('advanceClock is missing: provide it, or skip "expiry" with a reason');
        const billId = await bill();
        const key0 = { billerId: created.billerId, rtpId: rtpId() };
        const rtp = await service.requestToPay(billerActor, {
          ...key0,
          billId,
          payer: { alias: { type: '00', id: 'P-1' } },
        });
        created.advanceClock(Date.parse(rtp.expiresAt) - Date.parse(rtp.createdAt) + 1000);
        expect((await service.getRequestToPay(billerActor, key0)).state).toBe('expired');
        await rejectsWith(
          service.respondToRequestToPay(payerFi, { ...key0, decision: 'accept' }),
          'RTP_EXPIRED',
        );
        await rejectsWith(
          service.payBill(payerFi, {
            idempotencyKey: key('E1'),
            billId,
            paymentReference: 'X',
            rtp: key0,
          }),
          'RTP_EXPIRED',
        );
      },
    );

    it.skipIf(options.skip?.storeAndForward)(
      'keeps a payment recorded while the biller is unreachable, and advises it later',
      async () => {
        if (!created.failAdvice)
          throw new Error(
            'failAdvice is missing: provide it, or skip "storeAndForward" with a reason',
          );
        const billId = await bill();
        created.failAdvice(1);
        const payment = await service.payBill(payerFi, {
          idempotencyKey: key('S1'),
          billId,
          paymentReference: 'REF-S',
        });
        expect(payment.state).toBe('recorded');
        // Recorded counts as paid: nobody can pay the bill again meanwhile.
        await rejectsWith(
          service.payBill(payerFi, { idempotencyKey: key('S2'), billId, paymentReference: 'X' }),
          'BILL_ALREADY_PAID',
        );
        expect(await service.resendAdvice(billerActor)).toBeGreaterThanOrEqual(1);
        expect((await service.getPayment(payerFi, payment.paymentId)).state).toBe('confirmed');
        expect(await service.resendAdvice(billerActor)).toBe(0);
      },
    );

    it.skipIf(options.skip?.vouchers)('pays a bill with a voucher of its value, once', async () => {
      if (!created.issueVoucher)
        throw new Error('issueVoucher is missing: provide it, or skip "vouchers" with a reason');
      const billId = await bill({ amountDue: 5_000 });
      const small = await created.issueVoucher(4_000);
      await rejectsWith(
        service.payBillWithVoucher(payerFi, {
          idempotencyKey: key('V0'),
          billId,
          voucherNumber: small,
        }),
        'BILL_VOUCHER_MISMATCH',
      );
      const voucherNumber = await created.issueVoucher(5_000);
      const input = { idempotencyKey: key('V1'), billId, voucherNumber };
      const payment = await service.payBillWithVoucher(payerFi, input);
      expect(payment).toMatchObject({
        billId,
        method: 'voucher',
        amount: { amount: 5_000, currency: 'USD' },
        state: 'confirmed',
      });
      expect(payment.paymentReference).not.toContain(voucherNumber);
      expect((await service.payBillWithVoucher(payerFi, input)).paymentId).toBe(payment.paymentId);
      const another = await bill({ amountDue: 5_000 });
      await rejectsWith(
        service.payBillWithVoucher(payerFi, {
          idempotencyKey: key('V2'),
          billId: another,
          voucherNumber,
        }),
        'VOUCHER_ALREADY_USED',
      );
      // The mismatched voucher was not spent: it pays a bill of its value.
      const fitting = await bill({ amountDue: 4_000 });
      expect(
        (
          await service.payBillWithVoucher(payerFi, {
            idempotencyKey: key('V3'),
            billId: fitting,
            voucherNumber: small,
          })
        ).state,
      ).toBe('confirmed');
      // A voucher that is refused leaves the bill open.
      expect((await service.inquireBill(payerFi, { billId: another })).outstanding).toBe(5_000);
    });

    it.skipIf(options.skip?.byPayer)('finds a payer’s open bills', async () => {
      const payerId = `PAYER-${run}`;
      const first = await bill({ payerId });
      const second = await bill({ payerId, amountDue: 700 });
      await bill({ payerId: `OTHER-${run}` });
      const found = await service.inquireBillsByPayer(payerFi, {
        payerId,
        billerId: created.billerId,
      });
      expect(found.map((inquiry) => inquiry.billId).sort()).toEqual([first, second].sort());
      await rejectsWith(service.getPayment(payerFi, 'no-such-payment'), 'NOT_FOUND');
    });
  });
}
