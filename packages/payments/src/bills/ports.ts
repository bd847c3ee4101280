import type { ActorContext, AuditEventInput } from '@govblocks/core';
import type {
  Bill,
  BillInquiry,
  BillPayment,
  InquireBillInput,
  InquireBillsByPayerInput,
  PayBillInput,
  PayBillWithVoucherInput,
  RequestToPay,
  RequestToPayInput,
  RespondToRequestToPayInput,
  RtpKey,
} from './schemas.js';
import type { BillPaymentState, RtpState } from './state-machine.js';

// ───────────────────────────── Biller ─────────────────────────────

/** The payment advice the Payments BB sends a biller (the P2G "mark bill payment"). */
export interface BillPaymentAdvice {
  billId: string;
  /** The Payments BB's id of the payment: the same on every retry of the advice. */
  paymentId: string;
  /** The payer FI's reference, or the voucher serial for a voucher payment. */
  paymentReference: string;
  amount: { amount: number; currency: string };
  /** Whether this payment settles the bill (nothing outstanding after it). */
  settles: boolean;
}

/** The biller's answer to an advice: `ACK`, or `RJC` with the P2G reject reason. */
export type BillPaymentAdviceResult =
  | { status: 'acknowledged' }
  /** `Def` (deficient), `Dup` (duplicate), `Und` (undelivered / unknown bill). */
  | { status: 'rejected'; reason: 'Def' | 'Dup' | 'Und' };

/**
 * A government agency's (or bill aggregator's) bill source. The Payments BB routes a bill id to
 * the biller whose `billPrefix` it starts with (the P2G "billers table"), asks it for the bill,
 * and advises it of every payment.
 *
 * Built in: `memoryBiller(...)` (development and tests). A real agency implements these two or
 * three methods over its billing system.
 *
 * @example
 * const water = memoryBiller({ billerId: 'WATER', billerName: 'City Water', billPrefix: 'WTR' });
 * water.addBill({ billId: 'WTR-1001', currency: 'KES', amountDue: 1250_00, status: 'open' });
 */
export interface Biller {
  readonly specificationVersion: 'biller/v1';
  /** The biller id allotted at onboarding (≤ 20 characters). */
  readonly billerId: string;
  readonly billerName: string;
  /** Bill ids of this biller start with this prefix (may be empty for a single biller). */
  readonly billPrefix: string;
  /**
   * The bill with this id, or `undefined` when the biller does not know it. Read-only and
   * idempotent; throws `UNAVAILABLE` / `TIMEOUT` when the biller cannot answer.
   */
  getBill(billId: string): Promise<Bill | undefined>;
  /** Optional: the open bills of a payer (a customer number, a national id). Read-only. */
  findBillsByPayer?(payerId: string): Promise<Bill[]>;
  /**
   * Advises the biller of a payment. Must be idempotent by `advice.paymentId` (the advice is
   * resent until the biller answers). Throws when the biller cannot answer; the engine keeps the
   * payment `recorded` and resends it in {@link BillPaymentService.resendAdvice}.
   */
  markPaid(advice: BillPaymentAdvice): Promise<BillPaymentAdviceResult>;
}

// ───────────────────────────── Vouchers ─────────────────────────────

/** What the bill service needs of the voucher engine: look a voucher up, redeem it to a biller. */
export interface BillVoucherRedeemer {
  /**
   * The value and usability of the voucher with this secret number, or `undefined` when no
   * such voucher exists. Read-only.
   */
  inspect(
    voucherNumber: string,
  ): Promise<
    | { serialNumber: string; amount: { amount: number; currency: string }; usable: boolean }
    | undefined
  >;
  /**
   * Redeems the voucher, paying `biller` its value (once per voucher, ever). Throws the voucher
   * engine's errors (`VOUCHER_ALREADY_USED`, `VOUCHER_EXPIRED`, …).
   */
  redeem(
    context: ActorContext,
    voucherNumber: string,
    biller: { billerId: string; billerName: string },
  ): Promise<{ serialNumber: string; railReference?: string }>;
}

// ───────────────────────────── Store ─────────────────────────────

/** A recorded bill inquiry (what the payer was shown). */
export interface BillInquiryRecord {
  inquiryId: string;
  billId: string;
  billerId: string;
  currency: string;
  outstanding: number;
  requestId?: string;
  inquiredAt: string;
}

/** A payment as stored, with its idempotency identity. */
export interface StoredBillPayment extends BillPayment {
  /** The caller the key belongs to (two callers never share keys). */
  idempotencyScope: string;
  idempotencyKey: string;
  /** SHA-256 of the request's canonical JSON: a repeat with another body is refused. */
  requestHash: string;
}

/** An RTP as stored, with the hash of the request that created it (to detect key reuse). */
export interface StoredRequestToPay extends RequestToPay {
  requestHash: string;
}

/** The outcome of {@link BillPaymentStore.recordPayment}. */
export type RecordPaymentResult =
  | { status: 'recorded' }
  /** A payment with this (scope, key) exists: nothing was written. */
  | { status: 'duplicate'; existing: StoredBillPayment }
  /** The bill's paid total would pass `limit`: nothing was written. */
  | { status: 'exceeds'; paid: number };

/**
 * The audit events a store write carries: written to the store's audit outbox in the same
 * transaction as the change, and only when the change took effect (an insert that found the row,
 * a compare-and-set that lost, a payment that would overpay: no events). Each is JSON-serialisable
 * with a unique `details.eventId`.
 */
export interface BillAuditWrite {
  audit?: readonly AuditEventInput[];
}

/** An audit event waiting in the bill store's outbox. `position` grows with every event written. */
export interface BillAuditOutboxEntry {
  position: number;
  event: AuditEventInput;
}

/**
 * Durable state of the bill payment engine: inquiries, payments with the running paid total of
 * each bill, requests to pay, and the audit outbox (the audit events of each change, committed
 * with it and forwarded to the `AuditSink` afterwards). Implementations:
 * `memoryBillPaymentStore()` and `sqlBillPaymentStore(client)` (`@govblocks/payments/sql`).
 * Stores neither validate nor build audit events (the engine does).
 */
export interface BillPaymentStore {
  readonly kind: string;
  /** Inserts an inquiry (and `options.audit`); throws `CONFLICT` (nothing written) when its id exists. */
  insertInquiry(inquiry: BillInquiryRecord, options?: BillAuditWrite): Promise<void>;
  getInquiry(inquiryId: string): Promise<BillInquiryRecord | undefined>;
  /** Paid total (minor units) of a bill: recorded and confirmed payments. */
  paidTotal(billerId: string, billId: string): Promise<number>;
  /**
   * Atomically: inserts the payment unless (scope, key) exists, and adds its amount to the
   * bill's paid total unless that would pass `limit` (minor units). Two concurrent payments of
   * one bill can never both fit when only one does.
   */
  recordPayment(
    payment: StoredBillPayment,
    limit: number,
    options?: BillAuditWrite,
  ): Promise<RecordPaymentResult>;
  getPayment(paymentId: string): Promise<StoredBillPayment | undefined>;
  getPaymentByKey(scope: string, key: string): Promise<StoredBillPayment | undefined>;
  /**
   * Deletes a `pending` payment and takes its amount off the bill's paid total (a voucher that
   * could not be redeemed). False when it is not pending.
   */
  releasePayment(paymentId: string): Promise<boolean>;
  /**
   * Compare-and-set of a payment's state (`from` → `payment.state`). Moving to `rejected` takes
   * its amount off the bill's paid total in the same transaction. False when it had moved on.
   */
  updatePayment(
    payment: StoredBillPayment,
    from: BillPaymentState,
    options?: BillAuditWrite,
  ): Promise<boolean>;
  /** Payments in `state`, oldest first (the advice resend queue). */
  listPayments(state: BillPaymentState, limit: number): Promise<StoredBillPayment[]>;
  /** Inserts an RTP; when (billerId, rtpId) exists returns the stored one and writes nothing. */
  insertRequestToPay(
    rtp: StoredRequestToPay,
    options?: BillAuditWrite,
  ): Promise<{ status: 'inserted' } | { status: 'exists'; existing: StoredRequestToPay }>;
  getRequestToPay(key: RtpKey): Promise<StoredRequestToPay | undefined>;
  /** Compare-and-set of an RTP's state (and the fields that change with it). False when it had moved on. */
  updateRequestToPay(
    rtp: StoredRequestToPay,
    from: RtpState,
    options?: BillAuditWrite,
  ): Promise<boolean>;
  /** Up to `limit` audit events of the outbox, oldest first. */
  readAuditOutbox(limit: number): Promise<BillAuditOutboxEntry[]>;
  /** Removes forwarded events from the outbox (positions no longer there are ignored). */
  acknowledgeAuditOutbox(positions: readonly number[]): Promise<void>;
  /** How many audit events wait in the outbox. */
  auditOutboxBacklog(): Promise<number>;
}

// ───────────────────────────── Service ─────────────────────────────

/**
 * P2G bill payments (GovStack Payments BB §9.3): bill inquiry, bill payment (each bill paid at
 * most once — or in parts, where its biller allows), payment by voucher, and requests to pay
 * from billers to payers. The engine is `createBillPaymentService(...)`; run
 * `billPaymentServiceConformanceSuite` from `@govblocks/payments/testing` against any other
 * implementation (the remote adapter `govstackBillPayments` passes it over the HTTP binding).
 *
 * Every state change writes one audit event (`block: 'payments'`, `payment.bill.*` or
 * `payment.rtp.*`); payer identifiers (payer ids, aliases, accounts) and voucher numbers never
 * go into audit events, errors or logs. The engine commits each event with its change (the bill
 * store's audit outbox) and forwards it to the `AuditSink` after the commit.
 */
export interface BillPaymentService {
  readonly specificationVersion: 'bill-payments/v1';

  /**
   * Asks the bill's biller for it and records the inquiry (quote its `inquiryId` when paying).
   * Throws `VALIDATION_FAILED`, `BILL_UNKNOWN_BILLER`, `BILL_NOT_FOUND`.
   * Audit: `payment.bill.inquired`.
   */
  inquireBill(context: ActorContext, input: InquireBillInput): Promise<BillInquiry>;
  /**
   * The bills of a payer at one biller or every biller that can search by payer; each is
   * recorded as an inquiry. Audit: `payment.bill.inquired` per bill (without the payer id).
   */
  inquireBillsByPayer(
    context: ActorContext,
    input: InquireBillsByPayerInput,
  ): Promise<BillInquiry[]>;
  /**
   * Records a payment the payer FI made, then advises the biller. The amount must equal what is
   * outstanding, or follow the bill's partial-payment rule; a bill is never paid beyond what it
   * asks (a second full payment → `BILL_ALREADY_PAID`). Idempotent by `idempotencyKey` (per
   * caller): a repeat with the same body returns the same payment (as it now stands) without
   * writing; another body under the same key → `IDEMPOTENCY_KEY_MISMATCH` (422).
   *
   * Returns the payment: `confirmed` when the biller acknowledged, `rejected` when it refused,
   * `recorded` when it could not be reached (the advice is resent by {@link resendAdvice}).
   * Throws `BILL_*` codes, `RTP_EXPIRED`, `RTP_MISMATCH`, `PAYMENT_ILLEGAL_TRANSITION` (the RTP
   * was rejected or paid). Audit: `payment.bill.paid`, then `payment.bill.confirmed` or
   * `payment.bill.rejected`; `payment.rtp.paid` when it pays an RTP.
   */
  payBill(context: ActorContext, input: PayBillInput): Promise<BillPayment>;
  /**
   * Pays a bill with a voucher: its value must equal what is outstanding (the voucher is checked
   * before anything is redeemed); it is redeemed to the biller through the voucher engine, then
   * recorded and advised like {@link payBill}. Idempotent by key like `payBill`. Throws
   * `BILL_VOUCHER_MISMATCH`, `BILL_VOUCHERS_UNAVAILABLE`, the voucher engine's `VOUCHER_*` codes.
   */
  payBillWithVoucher(context: ActorContext, input: PayBillWithVoucherInput): Promise<BillPayment>;
  /** Throws `NOT_FOUND`. Read-only. */
  getPayment(context: ActorContext, paymentId: string): Promise<BillPayment>;
  /**
   * Resends the advice of `recorded` payments to their billers (store and forward); returns how
   * many changed state. Safe to call at any time, from a timer.
   */
  resendAdvice(context: ActorContext, limit?: number): Promise<number>;

  /**
   * Creates a request to pay from a biller to a payer for an open bill. Idempotent by
   * (billerId, rtpId): the same body returns the RTP as it stands; another body →
   * `IDEMPOTENCY_KEY_MISMATCH`. Throws the bill's errors as `payBill`. Audit: `payment.rtp.created`.
   */
  requestToPay(context: ActorContext, input: RequestToPayInput): Promise<RequestToPay>;
  /**
   * The payer's answer (through its FI). Accepting an accepted RTP, or rejecting a rejected one,
   * returns it unchanged. Throws `NOT_FOUND`, `RTP_EXPIRED`, `PAYMENT_ILLEGAL_TRANSITION`.
   * Audit: `payment.rtp.accepted` / `payment.rtp.rejected`.
   */
  respondToRequestToPay(
    context: ActorContext,
    input: RespondToRequestToPayInput,
  ): Promise<RequestToPay>;
  /**
   * The RTP's status (the P2G RTP status inquiry). An RTP past its expiry is moved to `expired`
   * here (audit: `payment.rtp.expired`). Throws `NOT_FOUND`.
   */
  getRequestToPay(context: ActorContext, key: RtpKey): Promise<RequestToPay>;
}
