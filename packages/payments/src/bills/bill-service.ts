import {
  type ActorContext,
  AdapterError,
  type AuditEventInput,
  type AuditSink,
  type Clock,
  ConfigurationError,
  ConflictError,
  callAdapter,
  hashRequest,
  IdempotencyMismatchError,
  type IdGenerator,
  isGovBlocksError,
  NotFoundError,
  newId,
  parse,
  systemClock,
  ValidationError,
} from '@govblocks/core';
import { z } from 'zod';
import { auditActor } from '../engine/account-mapper.js';
import { PaymentError } from '../errors.js';
import { createBillAuditRelay } from './audit-relay.js';
import { BillPaymentError } from './errors.js';
import type {
  Biller,
  BillPaymentService,
  BillPaymentStore,
  BillVoucherRedeemer,
  StoredBillPayment,
  StoredRequestToPay,
} from './ports.js';
import {
  type Bill,
  type BillInquiry,
  billIdSchema,
  billSchema,
  inquireBillSchema,
  inquireBillsByPayerSchema,
  type PayBillInput,
  payBillSchema,
  payBillWithVoucherSchema,
  type RequestToPay,
  requestToPaySchema,
  respondToRequestToPaySchema,
  rtpKeySchema,
} from './schemas.js';
import { nextBillPaymentState, nextRtpState, terminalRtpStates } from './state-machine.js';

export interface BillPaymentServiceDependencies {
  store: BillPaymentStore;
  /** The registered billers; a bill id goes to the one with the longest matching `billPrefix`. */
  billers: readonly Biller[];
  /** Enables {@link BillPaymentService.payBillWithVoucher} (see `billVoucherRedeemer`). */
  vouchers?: BillVoucherRedeemer;
  /**
   * Receives the audit events, from the store's audit outbox, after the change they record has
   * committed (at least once; drop repeats by `details.eventId`).
   */
  audit: AuditSink;
  clock?: Clock;
  /** Ids of inquiries and payments. Default UUIDv7. */
  generateId?: IdGenerator;
  /** How long a request to pay stays open without its own `expiresAt`. Default 7 days. */
  rtpValidityMs?: number;
}

/**
 * The bill payment engine: the {@link BillPaymentService} port and `flushAudit()`.
 *
 * Every state change and its audit event are written in one store transaction (the bill store's
 * audit outbox); a relay forwards the events to the `AuditSink` after the commit, oldest first,
 * at least once, each with a unique `details.eventId`. Each method that writes forwards before
 * it returns and fails closed — a sink that is down makes the call throw what the sink throws —
 * but the change and its audit event are committed and go out at the next call or `flushAudit()`.
 */
export interface BillPaymentEngine extends BillPaymentService {
  /**
   * Forwards the audit events waiting in the store's outbox to the `AuditSink`; returns how many.
   * Throws what the sink throws: the events stay queued.
   */
  flushAudit(): Promise<number>;
}

/** An amount due now: after the due date, the after-due-date amount where the bill has one. */
function amountDueAt(bill: Bill, now: Date): number {
  return bill.dueDate !== undefined &&
    bill.amountAfterDueDate !== undefined &&
    now.getTime() > Date.parse(bill.dueDate)
    ? bill.amountAfterDueDate
    : bill.amountDue;
}

/**
 * Creates the P2G bill payment engine over a store and the registered billers.
 *
 * @example
 * const bills = createBillPaymentService({
 *   store: memoryBillPaymentStore(),
 *   billers: [memoryBiller({ billerId: 'WATER', billerName: 'City Water', billPrefix: 'WTR' })],
 *   audit: memoryAuditSink(),
 * });
 * const inquiry = await bills.inquireBill(context, { billId: 'WTR-1001' });
 * const payment = await bills.payBill(context, { idempotencyKey: 'PAY-1', billId: 'WTR-1001',
 *   inquiryId: inquiry.inquiryId, paymentReference: 'FI-REF-77' });
 */
export function createBillPaymentService(
  dependencies: BillPaymentServiceDependencies,
): BillPaymentEngine {
  const { store, audit, vouchers } = dependencies;
  const relay = createBillAuditRelay({ store, audit });
  const clock = dependencies.clock ?? systemClock;
  const generateId = dependencies.generateId ?? newId;
  const rtpValidityMs = dependencies.rtpValidityMs ?? 7 * 24 * 3600 * 1000;
  const billers = new Map<string, Biller>();
  for (const biller of dependencies.billers) {
    if (biller.specificationVersion !== 'biller/v1')
      throw new ConfigurationError(
        `[payments/bills] biller '${biller.billerId}' speaks an unknown version`,
      );
    if (billers.has(biller.billerId))
      throw new ConfigurationError(
        `[payments/bills] biller '${biller.billerId}' is registered twice`,
      );
    billers.set(biller.billerId, biller);
  }
  // Longest prefix first: 'WTR-2' wins over 'WTR' for bill 'WTR-2001'.
  const byPrefix = [...billers.values()].sort((a, b) => b.billPrefix.length - a.billPrefix.length);

  const route = (billId: string): Biller => {
    const biller = byPrefix.find((candidate) => billId.startsWith(candidate.billPrefix));
    if (!biller) throw new BillPaymentError('BILL_UNKNOWN_BILLER', 'no biller serves this bill id');
    return biller;
  };
  const billerById = (billerId: string): Biller => {
    const biller = billers.get(billerId);
    if (!biller) throw new BillPaymentError('BILL_UNKNOWN_BILLER', 'no such biller');
    return biller;
  };
  const adapterName = (biller: Biller) => `payments/biller-${biller.billerId}`;

  /** The bill from its biller, checked (a biller answering nonsense is an adapter error). */
  const fetchBill = async (biller: Biller, billId: string): Promise<Bill> => {
    const answer = await callAdapter(adapterName(biller), 'getBill', () => biller.getBill(billId));
    if (answer === undefined) throw new BillPaymentError('BILL_NOT_FOUND', 'no such bill');
    const checked = billSchema.safeParse(answer);
    if (
      !checked.success ||
      checked.data.billId !== billId ||
      checked.data.billerId !== biller.billerId
    )
      throw new AdapterError(adapterName(biller), 'getBill', checked.error ?? 'another bill');
    return checked.data;
  };

  /**
   * An audit event for the store's outbox, written in the transaction of the change it records
   * (`{ audit: [event] }`). `details.eventId` is unique: the relay forwards at least once.
   */
  const auditEvent = (
    context: ActorContext,
    action: string,
    subject: { type: 'bill' | 'request-to-pay'; id: string },
    details: Record<string, string | number>,
  ): AuditEventInput => ({
    block: 'payments',
    action,
    actor: auditActor(context),
    subject,
    outcome: 'success',
    time: clock.now().toISOString(),
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(context.correlationId ? { correlationId: context.correlationId } : {}),
    details: { ...details, eventId: newId() },
  });
  /**
   * Runs a public method that may write, then forwards the audit events it committed (fail
   * closed: a sink that is down fails the call, the events stay queued). When the method itself
   * fails, what it committed before is still forwarded, and its own error is the one thrown.
   */
  const forwarding = async <T>(work: () => Promise<T>): Promise<T> => {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await relay.flush().catch(() => {
        // the events stay queued for the next call
      });
      throw error;
    }
    await relay.flush();
    return result;
  };
  const billSubject = (billerId: string, billId: string) => ({
    type: 'bill' as const,
    id: `${billerId}/${billId}`,
  });
  const rtpSubject = (rtp: { billerId: string; rtpId: string }) => ({
    type: 'request-to-pay' as const,
    id: `${rtp.billerId}/${rtp.rtpId}`,
  });
  const scopeOf = (context: ActorContext) =>
    `${context.actor.type}:${context.actor.clientId ?? context.actor.id}`;

  /** What is owed now, with the total it counts against. */
  const standing = async (bill: Bill) => {
    const due = amountDueAt(bill, clock.now());
    const paid = await store.paidTotal(bill.billerId, bill.billId);
    const outstanding = bill.status === 'paid' ? 0 : Math.max(0, due - paid);
    return { due, paid, outstanding };
  };

  const inquire = async (context: ActorContext, bill: Bill, requestId?: string) => {
    const { paid, outstanding } = await standing(bill);
    const inquiry: BillInquiry = {
      inquiryId: generateId(),
      billId: bill.billId,
      billerId: bill.billerId,
      billerName: bill.billerName,
      status: outstanding === 0 && bill.status === 'open' ? 'paid' : bill.status,
      ...(bill.dueDate ? { dueDate: bill.dueDate } : {}),
      amountDue: bill.amountDue,
      ...(bill.amountAfterDueDate !== undefined
        ? { amountAfterDueDate: bill.amountAfterDueDate }
        : {}),
      currency: bill.currency,
      amountPaid: paid,
      outstanding,
      ...(bill.partialPayment ? { partialPayment: bill.partialPayment } : {}),
      inquiredAt: clock.now().toISOString(),
    };
    await store.insertInquiry(
      {
        inquiryId: inquiry.inquiryId,
        billId: bill.billId,
        billerId: bill.billerId,
        currency: bill.currency,
        outstanding,
        ...(requestId ? { requestId } : {}),
        inquiredAt: inquiry.inquiredAt,
      },
      {
        audit: [
          auditEvent(context, 'payment.bill.inquired', billSubject(bill.billerId, bill.billId), {
            inquiryId: inquiry.inquiryId,
            status: inquiry.status,
            outstanding,
            currency: bill.currency,
          }),
        ],
      },
    );
    return inquiry;
  };

  /** Refuses a bill that cannot take payments; returns what is outstanding. */
  const payable = async (bill: Bill) => {
    if (bill.status === 'cancelled' || bill.status === 'expired')
      throw new BillPaymentError('BILL_NOT_PAYABLE', `the bill is ${bill.status}`);
    const position = await standing(bill);
    if (position.outstanding === 0)
      throw new BillPaymentError('BILL_ALREADY_PAID', 'nothing is outstanding on this bill');
    return position;
  };

  /** The amount rule: all that is outstanding, or a part the bill allows. */
  const checkAmount = (
    bill: Bill,
    outstanding: number,
    amount: { amount: number; currency: string },
  ) => {
    if (amount.currency !== bill.currency)
      throw new BillPaymentError('BILL_CURRENCY_MISMATCH', `the bill is in ${bill.currency}`);
    if (amount.amount === outstanding) return;
    if (amount.amount > outstanding)
      throw new BillPaymentError('BILL_AMOUNT_MISMATCH', 'the amount is more than is outstanding');
    if (!bill.partialPayment)
      throw new BillPaymentError(
        'BILL_AMOUNT_MISMATCH',
        'the bill must be paid in full (its outstanding amount)',
      );
    if (amount.amount < bill.partialPayment.minimum)
      throw new BillPaymentError('BILL_AMOUNT_MISMATCH', 'the part is below the bill’s minimum');
  };

  const checkInquiry = async (inquiryId: string | undefined, bill: Bill) => {
    if (inquiryId === undefined) return undefined;
    const inquiry = await store.getInquiry(inquiryId);
    if (!inquiry || inquiry.billId !== bill.billId || inquiry.billerId !== bill.billerId)
      throw new BillPaymentError('BILL_INQUIRY_MISMATCH', 'the inquiry is not of this bill');
    return inquiry;
  };

  /** The payment standing under (scope, key), for a repeat; refuses another body. */
  const replay = async (scope: string, key: string, requestHash: string) => {
    const existing = await store.getPaymentByKey(scope, key);
    if (!existing) return undefined;
    if (existing.requestHash !== requestHash) throw new IdempotencyMismatchError();
    return existing;
  };

  const publicRtp = (rtp: StoredRequestToPay): RequestToPay => {
    const { requestHash: _hash, ...rest } = rtp;
    return rest;
  };

  const publicPayment = (payment: StoredBillPayment) => {
    const { idempotencyScope: _scope, idempotencyKey: _key, requestHash: _hash, ...rest } = payment;
    return rest;
  };

  /** Records a payment against the bill's total; a concurrent repeat is answered as a replay. */
  const recordPayment = async (
    payment: StoredBillPayment,
    due: number,
    audited: readonly AuditEventInput[] = [],
  ) => {
    const result = await store.recordPayment(payment, due, { audit: audited });
    if (result.status === 'duplicate') {
      if (result.existing.requestHash !== payment.requestHash) throw new IdempotencyMismatchError();
      return result.existing;
    }
    if (result.status === 'exceeds') {
      // Another payment of the bill got in first (between our read and our write).
      throw result.paid >= due
        ? new BillPaymentError('BILL_ALREADY_PAID', 'nothing is outstanding on this bill')
        : new BillPaymentError('BILL_AMOUNT_MISMATCH', 'the amount is more than is outstanding');
    }
    return undefined;
  };

  /** Sends the payment advice; moves the payment when the biller answers. */
  const advise = async (
    context: ActorContext,
    payment: StoredBillPayment,
  ): Promise<StoredBillPayment> => {
    const biller = billers.get(payment.billerId);
    if (!biller || payment.state !== 'recorded') return payment;
    const total = await store.paidTotal(payment.billerId, payment.billId);
    let due: number | undefined;
    try {
      due = amountDueAt(await fetchBill(biller, payment.billId), clock.now());
    } catch {
      due = undefined;
    }
    let answer: Awaited<ReturnType<Biller['markPaid']>>;
    try {
      answer = await callAdapter(adapterName(biller), 'markPaid', () =>
        biller.markPaid({
          billId: payment.billId,
          paymentId: payment.paymentId,
          paymentReference: payment.paymentReference,
          amount: payment.amount,
          settles: due !== undefined && total >= due,
        }),
      );
    } catch {
      // Store and forward: the payment stays recorded and resendAdvice tries again.
      return payment;
    }
    const next: StoredBillPayment = {
      ...payment,
      state: nextBillPaymentState(
        payment.state,
        answer.status === 'acknowledged' ? 'biller.ack' : 'biller.reject',
      ),
      ...(answer.status === 'rejected' ? { rejectReason: answer.reason } : {}),
      updatedAt: clock.now().toISOString(),
    };
    const event = auditEvent(
      context,
      next.state === 'confirmed' ? 'payment.bill.confirmed' : 'payment.bill.rejected',
      billSubject(next.billerId, next.billId),
      {
        paymentId: next.paymentId,
        amount: next.amount.amount,
        currency: next.amount.currency,
        state: next.state,
        ...(next.rejectReason ? { reason: next.rejectReason } : {}),
      },
    );
    if (!(await store.updatePayment(next, payment.state, { audit: [event] })))
      return (await store.getPayment(payment.paymentId)) ?? payment;
    return next;
  };

  /** Moves an RTP past its expiry to `expired` (audited); returns it as it now stands. */
  const expireIfDue = async (
    context: ActorContext,
    rtp: StoredRequestToPay,
  ): Promise<StoredRequestToPay> => {
    let current = rtp;
    for (let round = 0; round < 5; round++) {
      if (terminalRtpStates.has(current.state)) return current;
      if (clock.now().getTime() < Date.parse(current.expiresAt)) return current;
      const next: StoredRequestToPay = {
        ...current,
        state: nextRtpState(current.state, 'expire'),
        updatedAt: clock.now().toISOString(),
      };
      const expired = auditEvent(context, 'payment.rtp.expired', rtpSubject(next), {
        billId: next.billId,
        state: next.state,
      });
      if (await store.updateRequestToPay(next, current.state, { audit: [expired] })) return next;
      const reread = await store.getRequestToPay(current);
      if (!reread) return current;
      current = reread;
    }
    return current;
  };

  const loadRtp = async (context: ActorContext, key: { billerId: string; rtpId: string }) => {
    const rtp = await store.getRequestToPay(key);
    if (!rtp) throw new NotFoundError('[payments/bills] no such request to pay');
    return expireIfDue(context, rtp);
  };

  /** Applies an RTP event by compare-and-set, re-reading when it raced. */
  const moveRtp = async (
    context: ActorContext,
    key: { billerId: string; rtpId: string },
    event: 'accept' | 'reject' | 'pay',
    change: Partial<RequestToPay> = {},
  ): Promise<StoredRequestToPay> => {
    for (let round = 0; round < 5; round++) {
      const current = await loadRtp(context, key);
      if (current.state === 'expired')
        throw new BillPaymentError('RTP_EXPIRED', 'the request to pay has expired');
      if (
        (event === 'accept' && current.state === 'accepted') ||
        (event === 'reject' && current.state === 'rejected')
      )
        return current;
      const next: StoredRequestToPay = {
        ...current,
        ...change,
        state: nextRtpState(current.state, event),
        updatedAt: clock.now().toISOString(),
      };
      const moved = auditEvent(context, `payment.rtp.${next.state}`, rtpSubject(next), {
        billId: next.billId,
        state: next.state,
        ...(next.reason ? { reason: next.reason } : {}),
        ...(next.paymentId ? { paymentId: next.paymentId } : {}),
      });
      if (await store.updateRequestToPay(next, current.state, { audit: [moved] })) return next;
    }
    throw new ConflictError('[payments/bills] the request to pay keeps changing; try again');
  };

  /** The RTP a payment pays, checked against the bill and amount before anything is written. */
  const checkRtp = async (
    context: ActorContext,
    input: PayBillInput,
    bill: Bill,
    amount: { amount: number; currency: string },
  ) => {
    if (!input.rtp) return undefined;
    const rtp = await loadRtp(context, input.rtp);
    if (rtp.billId !== bill.billId || rtp.billerId !== bill.billerId)
      throw new BillPaymentError('RTP_MISMATCH', 'the request to pay is of another bill');
    if (rtp.amount.amount !== amount.amount || rtp.amount.currency !== amount.currency)
      throw new BillPaymentError('RTP_MISMATCH', 'the request to pay is of another amount');
    if (rtp.state === 'expired')
      throw new BillPaymentError('RTP_EXPIRED', 'the request to pay has expired');
    nextRtpState(rtp.state, 'pay');
    return rtp;
  };

  /**
   * The common start of a payment: a repeat of an earlier request is answered from the store;
   * otherwise the bill, its inquiry and what is owed, and a draft of the new payment.
   */
  const beginPayment = async (
    context: ActorContext,
    idempotencyKey: string,
    request: { billId: string; inquiryId?: string | undefined } & Record<string, unknown>,
  ) => {
    const scope = scopeOf(context);
    const requestHash = hashRequest(request);
    const earlier = await replay(scope, idempotencyKey, requestHash);
    if (earlier) return { replayed: true as const, earlier };
    const biller = route(request.billId);
    const bill = await fetchBill(biller, request.billId);
    const inquiry = await checkInquiry(request.inquiryId, bill);
    const { due, outstanding } = await payable(bill);
    const now = clock.now().toISOString();
    const draft = (
      fields: Pick<StoredBillPayment, 'amount' | 'method' | 'paymentReference' | 'state'> &
        Partial<Pick<StoredBillPayment, 'rtpId'>>,
    ): StoredBillPayment => ({
      paymentId: generateId(),
      billId: bill.billId,
      billerId: bill.billerId,
      ...(request.inquiryId ? { inquiryId: request.inquiryId } : {}),
      ...fields,
      createdAt: now,
      updatedAt: now,
      idempotencyScope: scope,
      idempotencyKey,
      requestHash,
    });
    return { replayed: false as const, biller, bill, inquiry, due, outstanding, draft };
  };

  const paidEvent = (context: ActorContext, payment: StoredBillPayment) =>
    auditEvent(context, 'payment.bill.paid', billSubject(payment.billerId, payment.billId), {
      paymentId: payment.paymentId,
      method: payment.method,
      amount: payment.amount.amount,
      currency: payment.amount.currency,
      state: payment.state,
      ...(payment.rtpId ? { rtpId: payment.rtpId } : {}),
    });

  const service: BillPaymentService = {
    specificationVersion: 'bill-payments/v1',

    async inquireBill(context, input) {
      const parsed = parse(inquireBillSchema, input, '[payments/bills] bill inquiry');
      const bill = await fetchBill(route(parsed.billId), parsed.billId);
      return inquire(context, bill, parsed.requestId);
    },

    async inquireBillsByPayer(context, input) {
      const parsed = parse(inquireBillsByPayerSchema, input, '[payments/bills] bill inquiry');
      const asked = parsed.billerId
        ? [billerById(parsed.billerId)]
        : [...billers.values()].filter((biller) => biller.findBillsByPayer);
      const inquiries: BillInquiry[] = [];
      for (const biller of asked) {
        if (!biller.findBillsByPayer) continue;
        const bills = await callAdapter(adapterName(biller), 'findBillsByPayer', () =>
          biller.findBillsByPayer!(parsed.payerId),
        );
        for (const answer of bills) {
          const checked = billSchema.safeParse(answer);
          if (!checked.success || checked.data.billerId !== biller.billerId)
            throw new AdapterError(adapterName(biller), 'findBillsByPayer', checked.error);
          inquiries.push(await inquire(context, checked.data));
        }
      }
      return inquiries;
    },

    async payBill(context, input) {
      const parsed = parse(payBillSchema, input, '[payments/bills] bill payment');
      const { idempotencyKey, ...request } = parsed;
      const begun = await beginPayment(context, idempotencyKey, {
        operation: 'payBill',
        ...request,
      });
      if (begun.replayed) return publicPayment(begun.earlier);
      const { bill, inquiry, due, outstanding, draft } = begun;
      const amount = parsed.amount ?? {
        amount: inquiry ? inquiry.outstanding : outstanding,
        currency: bill.currency,
      };
      checkAmount(bill, outstanding, amount);
      const rtp = await checkRtp(context, parsed, bill, amount);
      const payment = draft({
        amount,
        method: 'transfer',
        paymentReference: parsed.paymentReference,
        ...(rtp ? { rtpId: rtp.rtpId } : {}),
        state: 'recorded',
      });
      const raced = await recordPayment(payment, due, [paidEvent(context, payment)]);
      if (raced) return publicPayment(raced);
      if (rtp)
        await moveRtp(context, rtp, 'pay', {
          paymentId: payment.paymentId,
          paymentReference: payment.paymentReference,
        }).catch(() => undefined); // the money moved: the payment stands even if the RTP raced on
      return publicPayment(await advise(context, payment));
    },

    async payBillWithVoucher(context, input) {
      const parsed = parse(payBillWithVoucherSchema, input, '[payments/bills] voucher payment');
      if (!vouchers)
        throw new BillPaymentError(
          'BILL_VOUCHERS_UNAVAILABLE',
          'vouchers are not enabled on this service',
        );
      const { idempotencyKey, voucherNumber, ...request } = parsed;
      // The voucher number is a secret: only a hash of it enters the stored request hash.
      const begun = await beginPayment(context, idempotencyKey, {
        operation: 'payBillWithVoucher',
        ...request,
        voucher: hashRequest(voucherNumber),
      });
      if (begun.replayed) return publicPayment(begun.earlier);
      const { biller, bill, due, outstanding, draft } = begun;
      const voucher = await vouchers.inspect(voucherNumber);
      if (!voucher)
        throw new PaymentError('VOUCHER_INVALID', '[payments/bills] invalid voucher number', {
          status: 404,
        });
      if (voucher.usable) {
        try {
          checkAmount(bill, outstanding, voucher.amount);
        } catch (error) {
          throw isGovBlocksError(error)
            ? new BillPaymentError(
                'BILL_VOUCHER_MISMATCH',
                'the voucher’s value is not what the bill asks',
                { cause: error },
              )
            : error;
        }
      }
      const payment = draft({
        amount: voucher.amount,
        method: 'voucher',
        paymentReference: voucher.serialNumber,
        state: 'pending',
      });
      // Reserve the bill first: a voucher is redeemed only for a bill that it alone will pay.
      const raced = await recordPayment(payment, due);
      if (raced) return publicPayment(raced);
      try {
        await vouchers.redeem(context, voucherNumber, {
          billerId: biller.billerId,
          billerName: biller.billerName,
        });
      } catch (error) {
        // A rail timeout leaves the redemption unknown: the payment stays pending (reserved).
        if (!(isGovBlocksError(error) && error.code === 'PAYMENT_RAIL_TIMEOUT'))
          await store.releasePayment(payment.paymentId);
        throw error;
      }
      const recorded: StoredBillPayment = {
        ...payment,
        state: nextBillPaymentState('pending', 'funds.received'),
        updatedAt: clock.now().toISOString(),
      };
      await store.updatePayment(recorded, 'pending', { audit: [paidEvent(context, recorded)] });
      return publicPayment(await advise(context, recorded));
    },

    async getPayment(_context, paymentId) {
      const id = parse(z.string().min(1).max(64), paymentId, '[payments/bills] payment id');
      const payment = await store.getPayment(id);
      if (!payment) throw new NotFoundError('[payments/bills] no such payment');
      return publicPayment(payment);
    },

    async resendAdvice(context, limit = 100) {
      let changed = 0;
      for (const payment of await store.listPayments('recorded', limit)) {
        const after = await advise(context, payment);
        if (after.state !== payment.state) changed++;
      }
      return changed;
    },

    async requestToPay(context, input) {
      const parsed = parse(requestToPaySchema, input, '[payments/bills] request to pay');
      const requestHash = hashRequest({ operation: 'requestToPay', ...parsed });
      const existing = await store.getRequestToPay(parsed);
      if (existing) {
        if (existing.requestHash !== requestHash) throw new IdempotencyMismatchError();
        return publicRtp(await expireIfDue(context, existing));
      }
      const biller = billerById(parsed.billerId);
      parse(billIdSchema, parsed.billId, '[payments/bills] bill id');
      const bill = await fetchBill(biller, parsed.billId);
      const { outstanding } = await payable(bill);
      const amount = parsed.amount ?? { amount: outstanding, currency: bill.currency };
      checkAmount(bill, outstanding, amount);
      const now = clock.now();
      const expiresAt = parsed.expiresAt
        ? new Date(parsed.expiresAt).toISOString()
        : new Date(now.getTime() + rtpValidityMs).toISOString();
      if (Date.parse(expiresAt) <= now.getTime())
        throw new ValidationError('[payments/bills] the request to pay would be expired', [
          { pointer: '/expiresAt', detail: 'must be in the future' },
        ]);
      const rtp: StoredRequestToPay = {
        billerId: parsed.billerId,
        rtpId: parsed.rtpId,
        billId: parsed.billId,
        payer: parsed.payer,
        amount,
        state: 'created',
        expiresAt,
        ...(parsed.callbackUrl ? { callbackUrl: parsed.callbackUrl } : {}),
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        requestHash,
      };
      const inserted = await store.insertRequestToPay(rtp, {
        audit: [
          auditEvent(context, 'payment.rtp.created', rtpSubject(rtp), {
            billId: rtp.billId,
            amount: amount.amount,
            currency: amount.currency,
            state: rtp.state,
            expiresAt,
          }),
        ],
      });
      if (inserted.status === 'exists') {
        if (inserted.existing.requestHash !== requestHash) throw new IdempotencyMismatchError();
        return publicRtp(await expireIfDue(context, inserted.existing));
      }
      return publicRtp(rtp);
    },

    async respondToRequestToPay(context, input) {
      const parsed = parse(respondToRequestToPaySchema, input, '[payments/bills] RTP response');
      return publicRtp(
        await moveRtp(
          context,
          parsed,
          parsed.decision,
          parsed.decision === 'reject' && parsed.reason ? { reason: parsed.reason } : {},
        ),
      );
    },

    async getRequestToPay(context, key) {
      const parsed = parse(rtpKeySchema, key, '[payments/bills] RTP id');
      return publicRtp(await loadRtp(context, parsed));
    },
  };

  // Each method that may write forwards the audit events it committed before it returns.
  return {
    specificationVersion: 'bill-payments/v1',
    inquireBill: (context, input) => forwarding(() => service.inquireBill(context, input)),
    inquireBillsByPayer: (context, input) =>
      forwarding(() => service.inquireBillsByPayer(context, input)),
    payBill: (context, input) => forwarding(() => service.payBill(context, input)),
    payBillWithVoucher: (context, input) =>
      forwarding(() => service.payBillWithVoucher(context, input)),
    getPayment: (context, paymentId) => service.getPayment(context, paymentId),
    resendAdvice: (context, limit) => forwarding(() => service.resendAdvice(context, limit)),
    requestToPay: (context, input) => forwarding(() => service.requestToPay(context, input)),
    respondToRequestToPay: (context, input) =>
      forwarding(() => service.respondToRequestToPay(context, input)),
    // May move an expired RTP to `expired` (a write): forwards too.
    getRequestToPay: (context, key) => forwarding(() => service.getRequestToPay(context, key)),
    flushAudit: () => relay.flush(),
  };
}
