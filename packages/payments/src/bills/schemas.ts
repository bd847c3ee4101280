import { currencySchema } from '@govblocks/core';
import { z } from 'zod';
import type { BillPaymentState, RtpState } from './state-machine.js';

/** A bill id as the P2G API carries it (path segment, ≤ 20 characters, printable, no `/`). */
export const billIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/, 'a bill id of 1–20 letters, digits, . _ -');
/** A biller (government agency or aggregator) id, ≤ 20 characters. */
export const billerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/, 'a biller id of 1–20 letters, digits, . _ -');
/** An RTP id: the P2G API's `rtpId` is an integer, carried here as its decimal digits. */
export const rtpIdSchema = z.string().regex(/^[1-9]\d{0,14}$/, 'a positive integer of ≤ 15 digits');
/** An idempotency key of a payment request (the P2G `requestId`, or an `Idempotency-Key`). */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,64}$/, '1–64 printable ASCII');
const amountSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** How a bill may be paid in parts. Absent: only the whole outstanding amount, in one payment. */
export const partialPaymentSchema = z.strictObject({
  /** Smallest part in minor units (the last part may be smaller: it settles the bill). */
  minimum: amountSchema,
});

/** Where a biller's bill stands at the biller. */
export const billStatusSchema = z.enum(['open', 'paid', 'cancelled', 'expired']);
export type BillStatus = z.infer<typeof billStatusSchema>;

/**
 * A bill as its biller reports it. Amounts are integer minor units of `currency`. The payer id
 * (a national id, a customer number) is personal data: the engine never puts it in audit
 * events, errors or logs.
 */
export const billSchema = z.strictObject({
  billId: billIdSchema,
  billerId: billerIdSchema,
  billerName: z.string().min(1).max(64),
  payerId: z.string().min(1).max(64).optional(),
  currency: currencySchema,
  /** Due on or before `dueDate` (or at any time, without one). */
  amountDue: amountSchema,
  /** Due after `dueDate`, when it differs. */
  amountAfterDueDate: amountSchema.optional(),
  dueDate: z.iso.datetime({ offset: true }).optional(),
  status: billStatusSchema,
  partialPayment: partialPaymentSchema.optional(),
  description: z.string().max(200).optional(),
});
export type Bill = z.infer<typeof billSchema>;

/** The answer to a bill inquiry: the bill, what is owed now, and the inquiry's id. */
export interface BillInquiry {
  /** Quote it as `inquiryId` when paying (the P2G `billInquiryRequestId`). */
  inquiryId: string;
  billId: string;
  billerId: string;
  billerName: string;
  status: BillStatus;
  dueDate?: string;
  /** The amount due on the due date and after it (minor units). */
  amountDue: number;
  amountAfterDueDate?: number;
  currency: string;
  /** Paid so far through this service (confirmed or awaiting the biller's acknowledgement). */
  amountPaid: number;
  /** What is owed now (0 when paid), minor units. */
  outstanding: number;
  partialPayment?: { minimum: number };
  inquiredAt: string;
}

export const inquireBillSchema = z.strictObject({
  billId: billIdSchema,
  /** The caller's request id, kept with the inquiry (the P2G `requestId`). */
  requestId: z.string().min(1).max(64).optional(),
});
export type InquireBillInput = z.infer<typeof inquireBillSchema>;

export const inquireBillsByPayerSchema = z.strictObject({
  payerId: z.string().min(1).max(64),
  /** Ask only this biller (default: every biller that can search by payer). */
  billerId: billerIdSchema.optional(),
});
export type InquireBillsByPayerInput = z.infer<typeof inquireBillsByPayerSchema>;

export const payBillSchema = z.strictObject({
  /** One key per payment request: a repeat with the same body replays the first answer. */
  idempotencyKey: idempotencyKeySchema,
  billId: billIdSchema,
  /** The inquiry this payment follows (must be of the same bill). */
  inquiryId: z.string().min(1).max(64).optional(),
  /** Default: the whole outstanding amount (as inquired, when `inquiryId` is given). */
  amount: z.strictObject({ amount: amountSchema, currency: currencySchema }).optional(),
  /** The payer FI's reference of the money it moved (the P2G `paymentReferenceID`). */
  paymentReference: z.string().min(1).max(64),
  /** Pays this request to pay (which must be of the same bill, not expired or rejected). */
  rtp: z.strictObject({ billerId: billerIdSchema, rtpId: rtpIdSchema }).optional(),
});
export type PayBillInput = z.infer<typeof payBillSchema>;

export const payBillWithVoucherSchema = z.strictObject({
  idempotencyKey: idempotencyKeySchema,
  billId: billIdSchema,
  inquiryId: z.string().min(1).max(64).optional(),
  /** The voucher's secret number. Never stored, logged or audited. */
  voucherNumber: z.string().regex(/^[1-9]\d{0,24}$/, 'digits'),
});
export type PayBillWithVoucherInput = z.infer<typeof payBillWithVoucherSchema>;

/** A payment of a bill, as the Payments BB recorded it. */
export interface BillPayment {
  paymentId: string;
  billId: string;
  billerId: string;
  amount: { amount: number; currency: string };
  method: 'transfer' | 'voucher';
  /** The payer FI's reference, or the voucher serial number for a voucher payment. */
  paymentReference: string;
  inquiryId?: string;
  rtpId?: string;
  state: BillPaymentState;
  /** Why the biller refused the payment advice (`Def`, `Dup`, `Und`). */
  rejectReason?: string;
  createdAt: string;
  updatedAt: string;
}

/** Biller-side payer identification of a request to pay (personal data: never audited). */
export const rtpPayerSchema = z
  .strictObject({
    /** The payer's FI and account (`requestType` 00). */
    fi: z
      .strictObject({ bic: z.string().min(1).max(11), financialAddress: z.string().min(1).max(30) })
      .optional(),
    /** The payer's alias, to be resolved by a lookup service (`requestType` 01). */
    alias: z
      .strictObject({ type: z.enum(['00', '01', '02']), id: z.string().min(1).max(30) })
      .optional(),
  })
  .refine((payer) => payer.fi !== undefined || payer.alias !== undefined, 'fi or alias');

export const requestToPaySchema = z.strictObject({
  billerId: billerIdSchema,
  /** The biller's RTP id; (billerId, rtpId) is unique. A repeat with the same body replays. */
  rtpId: rtpIdSchema,
  billId: billIdSchema,
  payer: rtpPayerSchema,
  /** Checked against what is outstanding, when given. Default: the outstanding amount. */
  amount: z.strictObject({ amount: amountSchema, currency: currencySchema }).optional(),
  /** Default: the service's `rtpValidityMs` after creation. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  /** Where the biller wants state changes posted (the P2G `X-Callback-URL`). */
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
});
export type RequestToPayInput = z.infer<typeof requestToPaySchema>;

export const respondToRequestToPaySchema = z.strictObject({
  billerId: billerIdSchema,
  rtpId: rtpIdSchema,
  decision: z.enum(['accept', 'reject']),
  /** Why the payer refused (a short code such as `R`, `E`, `W`; never personal data). */
  reason: z.string().max(100).optional(),
});
export type RespondToRequestToPayInput = z.infer<typeof respondToRequestToPaySchema>;

export const rtpKeySchema = z.strictObject({ billerId: billerIdSchema, rtpId: rtpIdSchema });
export type RtpKey = z.infer<typeof rtpKeySchema>;

/** A request to pay, sent by a biller to a payer (through the payer's FI). */
export interface RequestToPay {
  billerId: string;
  rtpId: string;
  billId: string;
  payer: { fi?: { bic: string; financialAddress: string }; alias?: { type: string; id: string } };
  amount: { amount: number; currency: string };
  state: RtpState;
  expiresAt: string;
  callbackUrl?: string;
  reason?: string;
  /** The payment that paid it. */
  paymentId?: string;
  paymentReference?: string;
  createdAt: string;
  updatedAt: string;
}
