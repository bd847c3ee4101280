import type { ActorContext } from '@govblocks/core';
import { parse } from '@govblocks/core';
import {
  createHttpClient,
  createOpenApiClient,
  type HttpClient,
  type HttpClientOptions,
  type RequestBodyOf,
} from '@govblocks/core/client';
import { z } from 'zod';
import type { Biller, BillPaymentService } from '../bills/ports.js';
import {
  type Bill,
  type BillInquiry,
  type BillPayment,
  inquireBillSchema,
  inquireBillsByPayerSchema,
  payBillSchema,
  payBillWithVoucherSchema,
  type RequestToPay,
  requestToPaySchema,
  respondToRequestToPaySchema,
  rtpKeySchema,
} from '../bills/schemas.js';
import type { paths as BillerInquiryPaths } from './generated/p2g-bill-inquiry-biller-request.js';
import type { paths as BillInquiryPaths } from './generated/p2g-bill-inquiry-request.js';
import type { paths as BillPaymentPaths } from './generated/p2g-bill-payment-request.js';
import type { paths as BillerRtpPaths } from './generated/p2g-biller-rtp-req.js';
import type { paths as MarkBillPaidPaths } from './generated/p2g-mark-bill-ppayment-request.js';
import type { paths as PayerRtpResponsePaths } from './generated/p2g-payer-rtp-response.js';
import type { paths as RtpStatusPaths } from './generated/p2g-rtp-status-update-request.js';
import type { paths as VoucherPaymentPaths } from './generated/p2g-voucher-redemptionfor-bill-payment.js';

export interface GovStackBillPaymentsOptions {
  /** Base URL of a GovStack Payments BB serving the P2G API. */
  baseUrl: string;
  /** `X-Platform-TenantId` (≤ 20 characters). Default `default`. */
  tenantId?: string;
  /**
   * `X-PayerFI-Id`: the payer FI this adapter speaks for. Default: the acting context's client id
   * (or id), so that idempotency keys stay per caller when the remote runs without credentials.
   */
  payerFiId?: string;
  /** Passed to `createHttpClient` (API keys in `headers`, timeouts, retries, a dispatcher…). */
  http?: Omit<HttpClientOptions, 'baseUrl' | 'name'>;
}

// Lenient: only the fields we read (the answers carry the spec's ack members besides).
const money = z.object({ amount: z.number(), currency: z.string() });
const inquirySchema = z.looseObject({
  inquiryId: z.string(),
  billId: z.string(),
  billerId: z.string(),
  billerName: z.string(),
  status: z.enum(['open', 'paid', 'cancelled', 'expired']),
  dueDate: z.string().optional(),
  amountDue: z.number(),
  amountAfterDueDate: z.number().optional(),
  currency: z.string(),
  amountPaid: z.number(),
  outstanding: z.number(),
  partialPayment: z.object({ minimum: z.number() }).optional(),
  inquiredAt: z.string(),
});
const paymentSchema = z.looseObject({
  paymentId: z.string(),
  billId: z.string(),
  billerId: z.string(),
  amount: money,
  method: z.enum(['transfer', 'voucher']),
  paymentReference: z.string(),
  inquiryId: z.string().optional(),
  rtpId: z.string().optional(),
  state: z.enum(['pending', 'recorded', 'confirmed', 'rejected']),
  rejectReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const rtpSchema = z.looseObject({
  billerId: z.string(),
  rtpId: z.string(),
  billId: z.string(),
  payer: z.object({
    fi: z.object({ bic: z.string(), financialAddress: z.string() }).optional(),
    alias: z.object({ type: z.string(), id: z.string() }).optional(),
  }),
  amount: money,
  state: z.enum(['created', 'accepted', 'rejected', 'paid', 'expired']),
  expiresAt: z.string(),
  callbackUrl: z.string().optional(),
  reason: z.string().optional(),
  paymentId: z.string().optional(),
  paymentReference: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const inquiryAnswer = z.looseObject({ billInquiry: inquirySchema });
const paymentAnswer = z.looseObject({ payment: paymentSchema });
const rtpAnswer = z.looseObject({ requestToPay: rtpSchema });

/** Strips what zod's loose objects let through, so the port's types hold exactly. */
const strip = <T extends object>(value: T, keys: readonly (keyof T)[]): T =>
  Object.fromEntries(
    keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]]),
  ) as T;
const inquiryKeys = Object.keys(inquirySchema.shape) as (keyof BillInquiry)[];
const paymentKeys = Object.keys(paymentSchema.shape) as (keyof BillPayment)[];
const rtpKeys = Object.keys(rtpSchema.shape) as (keyof RequestToPay)[];
const asInquiry = (value: z.infer<typeof inquirySchema>) =>
  strip(value as BillInquiry, inquiryKeys);
const asPayment = (value: z.infer<typeof paymentSchema>) =>
  strip(value as BillPayment, paymentKeys);
const asRtp = (value: z.infer<typeof rtpSchema>) => strip(value as RequestToPay, rtpKeys);

let counter = 0;
/** A correlation id of ≤ 20 characters, as the P2G API wants. */
const correlationId = () =>
  `GB${Date.now().toString(36)}${(counter++ % 46_656).toString(36).padStart(3, '0')}`.slice(0, 20);

/**
 * A {@link BillPaymentService} over a remote GovStack Payments BB's P2G API (bill inquiry, bill
 * payment, voucher redemption, requests to pay), with the request and response types generated
 * from the GovStack specification and the govblocks extensions the binding adds (`billInquiry`,
 * `payment`, `requestToPay` in the answers; `amount` and `rtp` in a payment). Remote
 * problem+json errors come back with their codes (`BILL_ALREADY_PAID`, `RTP_EXPIRED`, …); the
 * round trip `govstackBillPayments(mountBillPayments(engine))` passes the same conformance suite
 * as the engine.
 *
 * @example
 * const bills = govstackBillPayments({ baseUrl: 'https://payments.example.gov', payerFiId: 'BANK-7' });
 * const inquiry = await bills.inquireBill(context, { billId: 'WTR-1001' });
 */
export function govstackBillPayments(
  options: GovStackBillPaymentsOptions,
): BillPaymentService & { close(): Promise<void> } {
  const http: HttpClient = createHttpClient({
    ...options.http,
    baseUrl: options.baseUrl,
    name: 'payments/govstack-bills',
  });
  const inquiryApi = createOpenApiClient<BillInquiryPaths>(http);
  const paymentApi = createOpenApiClient<BillPaymentPaths>(http);
  const voucherApi = createOpenApiClient<VoucherPaymentPaths>(http);
  const billerRtpApi = createOpenApiClient<BillerRtpPaths>(http);
  const payerRtpApi = createOpenApiClient<PayerRtpResponsePaths>(http);
  const rtpStatusApi = createOpenApiClient<RtpStatusPaths>(http);
  const tenant = options.tenantId ?? 'default';

  const headers = (context: ActorContext, extra: Record<string, string> = {}) => {
    const correlation = context.correlationId?.slice(0, 64) ?? correlationId();
    const payerFi = options.payerFiId ?? context.actor.clientId ?? context.actor.id;
    return {
      'X-CorrelationID': correlation,
      'X-Platform-TenantId': tenant,
      'Platform-TenantId': tenant,
      'X-PayerFI-Id': payerFi,
      'PayerFI-Id': payerFi,
      ...extra,
    };
  };

  return {
    specificationVersion: 'bill-payments/v1',

    async inquireBill(context, input) {
      const parsed = parse(inquireBillSchema, input, '[payments/govstack] bill inquiry');
      const answer = await inquiryApi.call('get', '/bills/{billId}', {
        params: { billId: parsed.billId },
        query: { fields: 'inquiry', ...(parsed.requestId ? { requestId: parsed.requestId } : {}) },
        // The spec gives this GET a body, which HTTP intermediaries drop: the request id travels
        // in the query instead, and no body is sent.
        body: undefined as unknown as RequestBodyOf<BillInquiryPaths['/bills/{billId}']['get']>,
        headers: headers(context),
        schema: inquiryAnswer,
      });
      return asInquiry(answer.billInquiry);
    },

    async inquireBillsByPayer(context, input) {
      const parsed = parse(inquireBillsByPayerSchema, input, '[payments/govstack] bill inquiry');
      const answer = await http.request({
        method: 'POST',
        path: '/billInquiries',
        body: parsed,
        headers: headers(context),
        schema: z.looseObject({ inquiries: z.array(inquirySchema) }),
      });
      return answer.inquiries.map(asInquiry);
    },

    async payBill(context, input) {
      const parsed = parse(payBillSchema, input, '[payments/govstack] bill payment');
      // The spec's body, with the govblocks extensions (and without an inquiry when there was none).
      const body = {
        requestId: parsed.idempotencyKey,
        billId: parsed.billId,
        paymentReferenceID: parsed.paymentReference,
        ...(parsed.inquiryId ? { billInquiryRequestId: parsed.inquiryId } : {}),
        ...(parsed.amount ? { amount: parsed.amount } : {}),
        ...(parsed.rtp ? { rtp: parsed.rtp } : {}),
      } as RequestBodyOf<BillPaymentPaths['/billTransferRequests']['post']>;
      const answer = await paymentApi.call('post', '/billTransferRequests', {
        body,
        headers: headers(context),
        idempotencyKey: parsed.idempotencyKey,
        schema: paymentAnswer,
      });
      return asPayment(answer.payment);
    },

    async payBillWithVoucher(context, input) {
      const parsed = parse(payBillWithVoucherSchema, input, '[payments/govstack] voucher payment');
      const answer = await voucherApi.call('post', '/voucherRedemption', {
        body: {
          requestId: parsed.idempotencyKey,
          billId: parsed.billId,
          ...(parsed.inquiryId ? { billInquiryRequestId: parsed.inquiryId } : {}),
          VoucherSecretHash: parsed.voucherNumber,
        },
        headers: headers(context),
        idempotencyKey: parsed.idempotencyKey,
        schema: paymentAnswer,
      });
      return asPayment(answer.payment);
    },

    async getPayment(context, paymentId) {
      const id = parse(z.string().min(1).max(64), paymentId, '[payments/govstack] payment id');
      const answer = await http.request({
        method: 'GET',
        path: `/billTransferRequests/${encodeURIComponent(id)}`,
        headers: headers(context),
        schema: paymentAnswer,
      });
      return asPayment(answer.payment);
    },

    async resendAdvice(context, limit) {
      const answer = await http.request({
        method: 'POST',
        path: '/billAdvice/resend',
        body: limit === undefined ? {} : { limit },
        headers: headers(context),
        schema: z.looseObject({ changed: z.number() }),
      });
      return answer.changed;
    },

    async requestToPay(context, input) {
      const parsed = parse(requestToPaySchema, input, '[payments/govstack] request to pay');
      const body = {
        requestId: parsed.rtpId,
        rtpId: Number(parsed.rtpId),
        billID: parsed.billId,
        requestType: parsed.payer.fi ? ('00' as const) : ('01' as const),
        ...(parsed.payer.fi
          ? {
              payerFiDetails: {
                payerFIBIC: parsed.payer.fi.bic,
                financialAddress: parsed.payer.fi.financialAddress,
              },
            }
          : {}),
        ...(parsed.payer.alias
          ? { alias: { aliasType: parsed.payer.alias.type, aliasId: parsed.payer.alias.id } }
          : {}),
        ...(parsed.amount
          ? { billDetails: { amount: parsed.amount.amount, currency: parsed.amount.currency } }
          : {}),
        ...(parsed.expiresAt ? { expiresAt: parsed.expiresAt } : {}),
      };
      const answer = await billerRtpApi.call('post', '/rtpRequest', {
        body,
        headers: headers(context, {
          'X-billerId': parsed.billerId,
          ...(parsed.callbackUrl ? { 'X-Callback-URL': parsed.callbackUrl } : {}),
        }),
        // (billerId, rtpId) makes the request idempotent: a retry is safe.
        idempotencyKey: `rtp-${parsed.billerId}-${parsed.rtpId}`,
        schema: rtpAnswer,
      });
      return asRtp(answer.requestToPay);
    },

    async respondToRequestToPay(context, input) {
      const parsed = parse(respondToRequestToPaySchema, input, '[payments/govstack] RTP response');
      const answer = await payerRtpApi.call('post', '/rtpResponse', {
        body: {
          rtpId: Number(parsed.rtpId),
          rtpStatus: parsed.decision === 'accept' ? '00' : '01',
          ...(parsed.reason ? { rejectReason: parsed.reason } : {}),
        },
        headers: headers(context, { 'X-billerId': parsed.billerId }),
        schema: rtpAnswer,
      });
      return asRtp(answer.requestToPay);
    },

    async getRequestToPay(context, key) {
      const parsed = parse(rtpKeySchema, key, '[payments/govstack] RTP id');
      const answer = await rtpStatusApi.call('get', '/transferRequests/{transferRequestId}', {
        params: { transferRequestId: parsed.rtpId },
        body: undefined as unknown as RequestBodyOf<
          RtpStatusPaths['/transferRequests/{transferRequestId}']['get']
        >,
        headers: headers(context, { 'X-billerId': parsed.billerId }),
        schema: rtpAnswer,
      });
      return asRtp(answer.requestToPay);
    },

    close: () => http.close(),
  };
}

// ───────────────────────────── A biller over HTTP ─────────────────────────────

/**
 * The biller's answer to a bill inquiry, written by hand from GovStack's
 * `P2G-api/billInquiryBillerResponse.yml` (published as a chat answer wrapped around YAML, so it
 * cannot be generated). Lenient: only the members we read; `currency` is a govblocks extension
 * (the spec's amounts carry none).
 */
export const billInquiryBillerResponseSchema = z.looseObject({
  code: z.string().max(2),
  reason: z.string().optional(),
  requestID: z.string().optional(),
  billId: z.string(),
  billDetails: z
    .looseObject({
      billerId: z.string().optional(),
      billerName: z.string().optional(),
      billStatus: z.string().optional(),
      dueDate: z.union([z.string(), z.number()]).optional(),
      amountonDueDate: z.number().int().optional(),
      amountAfterDueDate: z.number().int().optional(),
      currency: z.string().optional(),
      /** Extension: the smallest part the biller takes (absent: payment in full only). */
      minimumPayment: z.number().int().positive().optional(),
      payerId: z.string().optional(),
    })
    .optional(),
});
export type BillInquiryBillerResponse = z.infer<typeof billInquiryBillerResponseSchema>;

/** The biller's answer to a mark-bill-payment advice (`markBillPpaymentResponse.yml`), lenient. */
const markBillPaymentAnswerSchema = z.looseObject({
  responseCode: z.string().optional(),
  reason: z.string().optional(),
  status: z.enum(['ACK', 'RJC']).optional(),
  rejectReason: z.string().optional(),
});

export interface GovStackBillerOptions {
  /** Base URL of the biller's (or aggregator's) P2G API. */
  baseUrl: string;
  billerId: string;
  billerName: string;
  billPrefix: string;
  /** The currency of the biller's amounts when its answers do not name one. */
  currency: string;
  /** `X-Platform-TenantId`. Default `default`. */
  tenantId?: string;
  /** Sent as the payer FI header. Default `govblocks-payments`. */
  payerFiId?: string;
  http?: Omit<HttpClientOptions, 'baseUrl' | 'name'>;
}

const billStatusOf = (status: string | undefined): Bill['status'] => {
  const text = (status ?? 'open').toLowerCase();
  if (text.startsWith('paid')) return 'paid';
  if (text.startsWith('cancel')) return 'cancelled';
  if (text.startsWith('expired')) return 'expired';
  return 'open';
};
const isoOf = (value: string | number | undefined) =>
  value === undefined
    ? undefined
    : new Date(typeof value === 'number' ? value * 1000 : value).toISOString();

/**
 * A {@link Biller} over an agency's (or aggregator's) GovStack P2G biller API:
 * `GET /bills/{billId}` (billInquiryBiller; the answer is read in the shape of
 * `billInquiryBillerResponse`) and `POST /billTransferRequests` (markBillPayment; `status`
 * `ACK`/`RJC` in the answer, or `responseCode` 00 for an accepted advice). It expects billers
 * that answer in the response; the spec's asynchronous variant (the answer POSTed back later)
 * is not supported. A `code` other than 00 reads as an unknown bill.
 *
 * @example
 * const water = govstackBiller({ baseUrl: 'https://billing.water.example.gov', billerId: 'WATER',
 *   billerName: 'City Water', billPrefix: 'WTR-', currency: 'KES' });
 * createBillPaymentService({ store, billers: [water], audit });
 */
export function govstackBiller(
  options: GovStackBillerOptions,
): Biller & { close(): Promise<void> } {
  const http: HttpClient = createHttpClient({
    ...options.http,
    baseUrl: options.baseUrl,
    name: `payments/biller-${options.billerId}`,
  });
  const inquiryApi = createOpenApiClient<BillerInquiryPaths>(http);
  const markApi = createOpenApiClient<MarkBillPaidPaths>(http);
  const headers = () => ({
    'X-CorrelationID': correlationId(),
    'X-Platform-TenantId': options.tenantId ?? 'default',
    'X-PayerFI-Id': options.payerFiId ?? 'govblocks-payments',
  });
  return {
    specificationVersion: 'biller/v1',
    billerId: options.billerId,
    billerName: options.billerName,
    billPrefix: options.billPrefix,
    async getBill(billId) {
      const response = await inquiryApi.send('get', '/bills/{billId}', {
        params: { billId },
        headers: headers(),
        acceptStatus: [400, 404],
        schema: billInquiryBillerResponseSchema,
      });
      const answer = response.data;
      if (response.status >= 400 || answer.code !== '00' || !answer.billDetails) return undefined;
      const details = answer.billDetails;
      const dueDate = isoOf(details.dueDate);
      return {
        billId: answer.billId,
        billerId: options.billerId,
        billerName: details.billerName ?? options.billerName,
        ...(details.payerId ? { payerId: details.payerId } : {}),
        currency: details.currency ?? options.currency,
        amountDue: details.amountonDueDate ?? 0,
        ...(details.amountAfterDueDate !== undefined
          ? { amountAfterDueDate: details.amountAfterDueDate }
          : {}),
        ...(dueDate ? { dueDate } : {}),
        status: billStatusOf(details.billStatus),
        ...(details.minimumPayment ? { partialPayment: { minimum: details.minimumPayment } } : {}),
      };
    },
    async markPaid(advice) {
      // The spec's advice, with what a biller needs to settle parts (govblocks extensions).
      const body = {
        requestID: advice.paymentId.replaceAll('-', '').slice(-12),
        billId: advice.billId,
        PaymentReferenceID: advice.paymentReference,
        amount: advice.amount.amount,
        currency: advice.amount.currency,
        settles: advice.settles,
      };
      const answer = await markApi.call('post', '/billTransferRequests', {
        body,
        headers: headers(),
        // The biller dedupes repeats of one advice by this key (the payment's id).
        idempotencyKey: advice.paymentId,
        schema: markBillPaymentAnswerSchema,
      });
      if (answer.status === 'RJC')
        return {
          status: 'rejected',
          reason:
            (['Def', 'Dup', 'Und'] as const).find((code) => code === answer.rejectReason) ?? 'Und',
        };
      if (answer.status === 'ACK' || answer.responseCode === '00')
        return { status: 'acknowledged' };
      return { status: 'rejected', reason: 'Und' };
    },
    close: () => http.close(),
  };
}
