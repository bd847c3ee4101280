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
import type { BillPaymentService } from '../bills/ports.js';
import {
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
import type { paths as BillInquiryPaths } from './generated/p2g-bill-inquiry-request.js';
import type { paths as BillPaymentPaths } from './generated/p2g-bill-payment-request.js';
import type { paths as BillerRtpPaths } from './generated/p2g-biller-rtp-req.js';
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
