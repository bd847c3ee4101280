import { GovBlocksError, type GovBlocksErrorOptions } from '@govblocks/core';

/**
 * Error codes of P2G bill payments, stable and `switch`-able. Kernel codes (`VALIDATION_FAILED`,
 * `NOT_FOUND`, `IDEMPOTENCY_KEY_MISMATCH`, …) and `PAYMENT_ILLEGAL_TRANSITION` are used where
 * they fit.
 */
export type BillPaymentErrorCode =
  /** No registered biller serves this bill id (404). */
  | 'BILL_UNKNOWN_BILLER'
  /** The biller does not know the bill (404). */
  | 'BILL_NOT_FOUND'
  /** Nothing is outstanding: the bill is paid (409). */
  | 'BILL_ALREADY_PAID'
  /** The bill is cancelled or expired at the biller (409). */
  | 'BILL_NOT_PAYABLE'
  /** The amount breaks the bill's rule: not the outstanding amount, below the minimum part, more than owed (422). */
  | 'BILL_AMOUNT_MISMATCH'
  /** The payment's currency is not the bill's (422). */
  | 'BILL_CURRENCY_MISMATCH'
  /** The inquiry id is unknown or of another bill (422). */
  | 'BILL_INQUIRY_MISMATCH'
  /** The voucher's value is not what the bill asks (422); nothing was redeemed. */
  | 'BILL_VOUCHER_MISMATCH'
  /** Vouchers are not configured on this service (501). */
  | 'BILL_VOUCHERS_UNAVAILABLE'
  /** The request to pay has expired (409). */
  | 'RTP_EXPIRED'
  /** The request to pay is of another bill or amount than the payment (422). */
  | 'RTP_MISMATCH';

const statuses: Record<BillPaymentErrorCode, number> = {
  BILL_UNKNOWN_BILLER: 404,
  BILL_NOT_FOUND: 404,
  BILL_ALREADY_PAID: 409,
  BILL_NOT_PAYABLE: 409,
  BILL_AMOUNT_MISMATCH: 422,
  BILL_CURRENCY_MISMATCH: 422,
  BILL_INQUIRY_MISMATCH: 422,
  BILL_VOUCHER_MISMATCH: 422,
  BILL_VOUCHERS_UNAVAILABLE: 501,
  RTP_EXPIRED: 409,
  RTP_MISMATCH: 422,
};

/** A bill payment error with one of the {@link BillPaymentErrorCode}s (and its HTTP status). */
export class BillPaymentError extends GovBlocksError<BillPaymentErrorCode> {
  constructor(code: BillPaymentErrorCode, message: string, options: GovBlocksErrorOptions = {}) {
    super(code, `[payments/bills] ${message}`, { status: statuses[code], ...options });
    this.name = 'BillPaymentError';
  }
}
