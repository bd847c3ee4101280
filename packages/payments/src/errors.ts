import { ConflictError, GovBlocksError, type GovBlocksErrorOptions } from '@govblocks/core';

/**
 * Error codes of `@govblocks/payments`, stable and `switch`-able. Kernel codes
 * (`VALIDATION_FAILED`, `NOT_FOUND`, `CONFLICT`, …) are used where they fit.
 */
export type PaymentErrorCode =
  | 'PAYMENT_ILLEGAL_TRANSITION'
  | 'PAYMENT_CONTROL_TOTALS_MISMATCH'
  | 'PAYMENT_APPROVAL_DENIED'
  | 'PAYMENT_BATCH_NOT_APPROVED'
  | 'PAYMENT_UNKNOWN_RAIL'
  | 'PAYMENT_RAIL_TIMEOUT'
  | 'PAYMENT_RAIL_REJECTED'
  | 'PAYMENT_RAIL_UNAVAILABLE'
  | 'PAYMENT_NOT_SUPPORTED'
  /** A fenced write by a worker whose lease another worker has taken over. */
  | 'PAYMENT_LEASE_LOST'
  /** Another live worker holds the batch's lease (it is being disbursed). */
  | 'PAYMENT_BATCH_BUSY'
  | 'VOUCHER_INVALID'
  | 'VOUCHER_ALREADY_USED'
  | 'VOUCHER_EXPIRED'
  | 'VOUCHER_CANCELLED'
  | 'VOUCHER_NOT_ACTIVE'
  | 'VOUCHER_GROUP_UNKNOWN'
  | 'VOUCHER_GROUP_EXHAUSTED'
  | 'VOUCHER_CURRENCY_MISMATCH'
  | 'VOUCHER_INVALID_AMOUNT'
  | 'VOUCHER_INSUFFICIENT_FUNDS'
  | 'VOUCHER_MERCHANT_REJECTED';

/** A transition the state table does not allow (`from` → `to` on `event`). */
export class IllegalTransitionError extends ConflictError<'PAYMENT_ILLEGAL_TRANSITION'> {
  readonly from: string;
  readonly event: string;
  constructor(machine: string, from: string, event: string) {
    super(`[payments] ${machine}: event '${event}' is not allowed in state '${from}'`, {
      code: 'PAYMENT_ILLEGAL_TRANSITION',
      extensions: { from, event },
    });
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.event = event;
  }
}

/**
 * A rail call whose outcome is unknown: the request may or may not have been applied (a
 * timeout, a dropped connection after sending). The engine never retries after this without
 * first asking the rail for the status under the same idempotency key.
 */
export class RailTimeoutError extends GovBlocksError<'PAYMENT_RAIL_TIMEOUT'> {
  constructor(rail: string, options: GovBlocksErrorOptions = {}) {
    super(
      'PAYMENT_RAIL_TIMEOUT',
      `[payments/${rail}] the outcome of the request is unknown (timeout)`,
      {
        status: 504,
        ...options,
      },
    );
    this.name = 'RailTimeoutError';
  }
}

/**
 * A rail that could not take the request at all (nothing was applied): safe to retry with the
 * same idempotency key after a pause.
 */
export class RailUnavailableError extends GovBlocksError<'PAYMENT_RAIL_UNAVAILABLE'> {
  constructor(rail: string, options: GovBlocksErrorOptions = {}) {
    super(
      'PAYMENT_RAIL_UNAVAILABLE',
      `[payments/${rail}] the rail is unavailable; nothing was applied`,
      {
        status: 503,
        ...options,
      },
    );
    this.name = 'RailUnavailableError';
  }
}

/** A payments error with one of the {@link PaymentErrorCode}s. */
export class PaymentError extends GovBlocksError<PaymentErrorCode> {
  constructor(code: PaymentErrorCode, message: string, options: GovBlocksErrorOptions = {}) {
    super(code, message, { status: 409, ...options });
    this.name = 'PaymentError';
  }
}

/**
 * The operation exists on the port but not on this implementation: a remote adapter whose API
 * has no call for it (see `govstackPaymentService`), or an HTTP binding without the hook it needs.
 * Status 501. Nothing was done.
 */
export class NotSupportedError extends GovBlocksError<'PAYMENT_NOT_SUPPORTED'> {
  readonly operation: string;
  constructor(operation: string, message: string) {
    super('PAYMENT_NOT_SUPPORTED', message, {
      status: 501,
      title: 'Not Implemented',
      extensions: { operation },
    });
    this.name = 'NotSupportedError';
    this.operation = operation;
  }
}

/** A write fenced by a lease that is no longer current: nothing was written. */
export class LeaseLostError extends PaymentError {
  constructor(name: string) {
    super('PAYMENT_LEASE_LOST', `[payments] the lease '${name}' was taken over by another worker`);
    this.name = 'LeaseLostError';
  }
}
