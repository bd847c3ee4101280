import { createHmac } from 'node:crypto';
import { type ActorContext, currencySchema, ValidationError } from '@govblocks/core';
import { createHttpClient } from '@govblocks/core/client';
import {
  type AuthOptions,
  createHttpApp,
  type HttpContext,
  type HttpEnv,
  type HttpLogger,
  readJson,
  readParams,
  sendJson,
} from '@govblocks/core/http';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { BillPaymentService } from '../bills/ports.js';
import type { BillInquiry, BillPayment, RequestToPay } from '../bills/schemas.js';

/** Where asynchronous results go (`X-Callback-URL`) and how they are signed. */
export interface P2gCallbackOptions {
  /**
   * HMAC-SHA256 key: each callback carries `X-Signature: sha256=<hex of the body's HMAC>`. Without
   * one, callbacks carry only the request's `X-CorrelationID`.
   */
  secret?: string | Uint8Array;
  /** Which callback URLs may be called (default: any http(s) URL). Guard against SSRF here. */
  allow?: (url: URL) => boolean;
  /** Per attempt, ms. Default 5,000. */
  timeoutMs?: number;
  /** Told of every delivery (host and status or error code only: never bodies). */
  onDelivery?: (event: { host: string; status?: number; code?: string }) => void;
}

export interface P2gHttpOptions {
  bills: BillPaymentService;
  callbacks?: P2gCallbackOptions;
  logger?: HttpLogger;
}

const idText = z.string().min(1).max(64);
const moneyExtension = z.object({
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: currencySchema,
});
const rtpKeyExtension = z.object({ billerId: idText, rtpId: z.union([z.string(), z.number()]) });

// The P2G request bodies, lenient about members we do not read (spec clients send more).
const billPaymentBody = z.object({
  requestId: idText,
  billInquiryRequestId: idText.optional(),
  billId: z.string(),
  paymentReferenceID: idText,
  /** Extension: a part of the bill (default: all that is outstanding). */
  amount: moneyExtension.optional(),
  /** Extension: the request to pay this payment pays. */
  rtp: rtpKeyExtension.optional(),
});
const voucherPaymentBody = z.object({
  requestId: idText,
  billInquiryRequestId: idText.optional(),
  billId: z.string(),
  /** The voucher's secret number (the spec calls it `VoucherSecretHash`). */
  VoucherSecretHash: z.union([z.string(), z.number()]).transform(String),
});
const billerRtpBody = z.object({
  requestId: idText.optional(),
  rtpId: z.union([z.string(), z.number()]).transform(String),
  billID: z.string(),
  requestType: z.enum(['00', '01']).optional(),
  payerFiDetails: z.object({ payerFIBIC: z.string(), financialAddress: z.string() }).optional(),
  alias: z.object({ aliasType: z.enum(['00', '01', '02']), aliasId: z.string() }).optional(),
  billDetails: z
    .object({
      billerName: z.string().optional(),
      amount: z.number().int().positive().optional(),
      /** Extension: the currency of `amount` (required with it). */
      currency: currencySchema.optional(),
    })
    .optional(),
  /** Extension: when the request lapses (ISO 8601). */
  expiresAt: z.string().optional(),
});
const payerRtpBody = z.object({
  RequestId: idText.optional(),
  txnId: idText.optional(),
  rtpId: z.union([z.string(), z.number()]).transform(String),
  billId: z.string().optional(),
  rtpStatus: z.enum(['00', '01']),
  rejectReason: z.string().max(100).nullable().optional(),
});
const byPayerBody = z.object({ payerId: z.string(), billerId: z.string().optional() });
const resendBody = z.object({ limit: z.number().int().min(1).max(1000).optional() }).optional();

const header = (c: HttpContext, ...names: string[]) => {
  for (const name of names) {
    const value = c.req.header(name);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
};

/** A required P2G header (the spec's `X-CorrelationID`, `X-billerId`, …), printable, ≤ 64. */
const requiredHeader = (c: HttpContext, ...names: string[]): string => {
  const value = header(c, ...names);
  if (value === undefined || !/^[\x20-\x7e]{1,64}$/.test(value)) {
    throw new ValidationError(`The ${names[0]} header is required`, [
      { pointer: '', detail: `header ${names[0]} is required (1–64 printable characters)` },
    ]);
  }
  return value;
};

/** Epoch seconds of an ISO time (the spec's integer dates). */
const epoch = (iso: string | undefined) =>
  iso === undefined ? undefined : Math.floor(Date.parse(iso) / 1000);

const rtpStatusCode: Record<RequestToPay['state'], string> = {
  created: 'PND',
  accepted: 'PND',
  paid: 'COM',
  rejected: 'RJC',
  expired: 'EXP',
};

/** The P2G `billDetails` of an inquiry (with the currency as an extension). */
const billDetails = (inquiry: BillInquiry) => ({
  billerId: inquiry.billerId,
  billerName: inquiry.billerName,
  billStatus: inquiry.status,
  ...(inquiry.dueDate ? { dueDate: epoch(inquiry.dueDate) } : {}),
  amountonDueDate: inquiry.amountDue,
  ...(inquiry.amountAfterDueDate !== undefined
    ? { amountAfterDueDate: inquiry.amountAfterDueDate }
    : {}),
  currency: inquiry.currency,
  outstanding: inquiry.outstanding,
});

/** The billerRtpResponse body sent to the biller's callback when an RTP moves. */
const billerRtpUpdate = (rtp: RequestToPay, requestId: string) => ({
  requestId,
  rtpId: Number(rtp.rtpId),
  billId: rtp.billId,
  rtpStatus: rtp.state === 'rejected' || rtp.state === 'expired' ? '01' : '00',
  ...(rtp.state === 'rejected' ? { rejectReason: 'R' } : {}),
  ...(rtp.state === 'expired' ? { rejectReason: 'E' } : {}),
  requestStatus: rtpStatusCode[rtp.state],
  ...(rtp.paymentReference ? { PaymentReferenceID: rtp.paymentReference } : {}),
});

/**
 * Mounts the GovStack Payments BB P2G bill payment API (v3 `P2G-api/*.yml`) on an app made by
 * `createHttpApp` (e.g. `paymentsHttpApp`), over any {@link BillPaymentService}:
 *
 * - `GET /bills/{billId}?fields=inquiry` — bill inquiry (202, the bill in `billInquiry` and
 *   `billDetails`; with `X-Callback-URL`, the billInquiryResponse is also posted there);
 * - `POST /billTransferRequests` — bill payment (202, the payment in `payment`; idempotent by
 *   `Idempotency-Key` or else `requestId`, per caller; with `X-Callback-URL`, the mark-bill
 *   status `ACK`/`RJC` is posted there once the biller answered);
 * - `POST /voucherRedemption` — bill payment with a voucher (202);
 * - `POST /rtpRequest` — a biller's request to pay (`X-billerId`; `X-Callback-URL` receives a
 *   billerRtpResponse on every later change);
 * - `POST /rtpResponse` — the payer FI's answer to an RTP (`rtpStatus` 00 accept, 01 reject);
 * - `GET /transferRequests/{rtpId}` — RTP status (202, `requestStatus` COM/PND/EXP/RJC; with
 *   `X-Callback-URL` the rtpStatusUpdateResponse is posted there too);
 *
 * and three routes the spec lacks but the port needs: `GET /billTransferRequests/{paymentId}`,
 * `POST /billInquiries` (bills of a payer; the payer id travels in the body, never the URL) and
 * `POST /billAdvice/resend`. Errors are `application/problem+json` with the port's codes.
 * Callbacks are posted after the answer, signed when `callbacks.secret` is set, and always carry
 * the request's `X-CorrelationID`.
 *
 * @example
 * const app = paymentsHttpApp({ service, railByModality });
 * mountBillPayments(app, { bills, callbacks: { secret: process.env.CALLBACK_SECRET } });
 */
export function mountBillPayments(app: Hono<HttpEnv>, options: P2gHttpOptions): void {
  const { bills } = options;
  const callbacks = options.callbacks ?? {};

  const actor = (c: HttpContext, ...fallbackHeaders: string[]): ActorContext => {
    const authenticated = c.get('actor');
    const base: ActorContext = authenticated ?? {
      actor: {
        type: 'service',
        id: (
          c.get('informationMediatorClient') ??
          header(c, ...fallbackHeaders) ??
          'anonymous'
        ).slice(0, 256),
        roles: [],
      },
    };
    return { ...base, requestId: c.get('requestId'), correlationId: correlationOf(c) };
  };
  const correlationOf = (c: HttpContext) => header(c, 'X-CorrelationID') ?? c.get('correlationId');

  /** Posts `body` to `target` after the answer went out; failures are reported, never thrown. */
  const deliver = (target: string | undefined, body: unknown, correlationId: string) => {
    if (target === undefined) return;
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      callbacks.onDelivery?.({ host: '', code: 'INVALID_CALLBACK_URL' });
      return;
    }
    if (!/^https?:$/.test(url.protocol) || (callbacks.allow && !callbacks.allow(url))) {
      callbacks.onDelivery?.({ host: url.host, code: 'CALLBACK_NOT_ALLOWED' });
      return;
    }
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'X-CorrelationID': correlationId,
    };
    if (callbacks.secret)
      headers['X-Signature'] =
        `sha256=${createHmac('sha256', callbacks.secret).update(text).digest('hex')}`;
    setImmediate(async () => {
      const client = createHttpClient({
        baseUrl: url.origin,
        name: 'payments/p2g-callback',
        timeoutMs: callbacks.timeoutMs ?? 5000,
        retries: 2,
      });
      try {
        const response = await client.send({
          method: 'POST',
          path: `${url.pathname}${url.search}`,
          body: text,
          headers,
          idempotencyKey: 'auto',
        });
        callbacks.onDelivery?.({ host: url.host, status: response.status });
      } catch (error) {
        callbacks.onDelivery?.({
          host: url.host,
          code: (error as { code?: string }).code ?? 'CALLBACK_FAILED',
        });
        options.logger?.warn('callback not delivered', { host: url.host });
      } finally {
        await client.close();
      }
    });
  };
  const callbackUrl = (c: HttpContext) => header(c, 'X-Callback-URL');

  const markStatus = (payment: BillPayment, requestId: string) => ({
    requestId,
    billId: payment.billId,
    status: payment.state === 'confirmed' ? 'ACK' : 'RJC',
    ...(payment.rejectReason ? { rejectReason: payment.rejectReason } : {}),
    PaymentReferenceID: payment.paymentReference,
  });
  const afterPayment = async (c: HttpContext, payment: BillPayment, requestId: string) => {
    const correlationId = correlationOf(c);
    if (payment.state === 'confirmed' || payment.state === 'rejected')
      deliver(callbackUrl(c), markStatus(payment, requestId), correlationId);
    if (payment.rtpId) {
      const rtp = await bills.getRequestToPay(actor(c), {
        billerId: payment.billerId,
        rtpId: payment.rtpId,
      });
      deliver(rtp.callbackUrl, billerRtpUpdate(rtp, requestId), correlationId);
    }
  };

  app.get('/bills/:billId', async (c) => {
    requiredHeader(c, 'X-CorrelationID');
    const { billId } = readParams(c, z.object({ billId: z.string() }));
    const requestId = header(c, 'X-Request-ID') ?? c.req.query('requestId') ?? correlationOf(c);
    const inquiry = await bills.inquireBill(actor(c, 'PayerFI-Id', 'X-PayerFI-Id'), {
      billId,
      requestId: requestId.slice(0, 64),
    });
    const answer = {
      requestId,
      code: '00',
      reason: 'Bill found',
      billId,
      billDetails: billDetails(inquiry),
    };
    deliver(callbackUrl(c), answer, correlationOf(c));
    return sendJson(
      c,
      {
        responseCode: '00',
        reason: 'Request accepted',
        requestId,
        billInquiryRequestId: inquiry.inquiryId,
        billDetails: answer.billDetails,
        billInquiry: inquiry,
      },
      202,
    );
  });

  app.post('/billInquiries', async (c) => {
    const body = await readJson(c, byPayerBody);
    const inquiries = await bills.inquireBillsByPayer(actor(c, 'PayerFI-Id', 'X-PayerFI-Id'), {
      payerId: body.payerId,
      ...(body.billerId ? { billerId: body.billerId } : {}),
    });
    return sendJson(c, { responseCode: '00', inquiries });
  });

  app.post('/billTransferRequests', async (c) => {
    requiredHeader(c, 'X-CorrelationID');
    const body = await readJson(c, billPaymentBody);
    const payment = await bills.payBill(actor(c, 'X-PayerFI-Id', 'PayerFI-Id'), {
      idempotencyKey: header(c, 'Idempotency-Key') ?? body.requestId,
      billId: body.billId,
      ...(body.billInquiryRequestId ? { inquiryId: body.billInquiryRequestId } : {}),
      ...(body.amount ? { amount: body.amount } : {}),
      paymentReference: body.paymentReferenceID,
      ...(body.rtp ? { rtp: { billerId: body.rtp.billerId, rtpId: String(body.rtp.rtpId) } } : {}),
    });
    await afterPayment(c, payment, body.requestId);
    return sendJson(
      c,
      { responseCode: '00', reason: 'Request accepted', requestID: body.requestId, payment },
      202,
    );
  });

  app.get('/billTransferRequests/:paymentId', async (c) => {
    const { paymentId } = readParams(c, z.object({ paymentId: z.string() }));
    return sendJson(c, { payment: await bills.getPayment(actor(c), paymentId) });
  });

  app.post('/billAdvice/resend', async (c) => {
    const body = await readJson(c, resendBody);
    const changed = await bills.resendAdvice(actor(c), body?.limit);
    return sendJson(c, { changed });
  });

  app.post('/voucherRedemption', async (c) => {
    requiredHeader(c, 'X-CorrelationID');
    const body = await readJson(c, voucherPaymentBody);
    const payment = await bills.payBillWithVoucher(actor(c, 'X-PayerFI-Id', 'PayerFI-Id'), {
      idempotencyKey: header(c, 'Idempotency-Key') ?? body.requestId,
      billId: body.billId,
      ...(body.billInquiryRequestId ? { inquiryId: body.billInquiryRequestId } : {}),
      voucherNumber: body.VoucherSecretHash,
    });
    await afterPayment(c, payment, body.requestId);
    return sendJson(
      c,
      { RequestID: body.requestId, code: '00', reason: 'Voucher redeemed', payment },
      202,
    );
  });

  app.post('/rtpRequest', async (c) => {
    requiredHeader(c, 'X-CorrelationID');
    const billerId = requiredHeader(c, 'X-billerId');
    const body = await readJson(c, billerRtpBody);
    const amount = body.billDetails?.amount;
    const currency = body.billDetails?.currency;
    if (amount !== undefined && currency === undefined)
      throw new ValidationError('The amount needs its currency', [
        { pointer: '/billDetails/currency', detail: 'required with billDetails.amount' },
      ]);
    const rtp = await bills.requestToPay(actor(c, 'X-billerId'), {
      billerId,
      rtpId: body.rtpId,
      billId: body.billID,
      payer: {
        ...(body.payerFiDetails
          ? {
              fi: {
                bic: body.payerFiDetails.payerFIBIC,
                financialAddress: body.payerFiDetails.financialAddress,
              },
            }
          : {}),
        ...(body.alias ? { alias: { type: body.alias.aliasType, id: body.alias.aliasId } } : {}),
      },
      ...(amount !== undefined && currency !== undefined ? { amount: { amount, currency } } : {}),
      ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}),
      ...(callbackUrl(c) ? { callbackUrl: callbackUrl(c) } : {}),
    });
    return sendJson(c, {
      responseCode: '00',
      responseDescription: 'RTP request acknowledged',
      requestID: body.requestId ?? correlationOf(c),
      requestToPay: rtp,
    });
  });

  app.post('/rtpResponse', async (c) => {
    requiredHeader(c, 'X-CorrelationID');
    const billerId = requiredHeader(c, 'X-billerId');
    const body = await readJson(c, payerRtpBody);
    const rtp = await bills.respondToRequestToPay(actor(c, 'X-PayerFI-Id', 'PayerFI-Id'), {
      billerId,
      rtpId: body.rtpId,
      decision: body.rtpStatus === '00' ? 'accept' : 'reject',
      ...(body.rejectReason ? { reason: body.rejectReason } : {}),
    });
    const requestId = body.RequestId ?? correlationOf(c);
    deliver(rtp.callbackUrl, billerRtpUpdate(rtp, requestId), correlationOf(c));
    return sendJson(c, {
      responseCode: '00',
      responseDescription: 'RTP response acknowledged',
      requestID: requestId,
      requestToPay: rtp,
    });
  });

  app.get('/transferRequests/:transferRequestId', async (c) => {
    requiredHeader(c, 'X-CorrelationID');
    const billerId = requiredHeader(c, 'X-billerId');
    const { transferRequestId } = readParams(c, z.object({ transferRequestId: z.string() }));
    const rtp = await bills.getRequestToPay(actor(c, 'X-billerId'), {
      billerId,
      rtpId: transferRequestId,
    });
    const requestId = c.req.query('RequestId') ?? correlationOf(c);
    const status = {
      rtpId: Number(rtp.rtpId),
      RequestId: requestId,
      requestStatus: rtpStatusCode[rtp.state],
      ...(rtp.paymentReference ? { PaymentReferenceID: rtp.paymentReference } : {}),
      lastUpdateDate: epoch(rtp.updatedAt),
    };
    deliver(callbackUrl(c), status, correlationOf(c));
    return sendJson(
      c,
      {
        responseCode: '00',
        reason: 'Request accepted',
        requestID: requestId,
        ...status,
        requestToPay: rtp,
      },
      202,
    );
  });
}

/**
 * The P2G bill payment API as a stand-alone app (see {@link mountBillPayments}).
 *
 * @example
 * await startServer(billPaymentsHttpApp({ bills, auth }), { port: 3334 });
 */
export function billPaymentsHttpApp(
  options: P2gHttpOptions & { auth?: AuthOptions; bodyLimitBytes?: number },
): Hono<HttpEnv> {
  const app = createHttpApp({
    name: 'payments-p2g',
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  mountBillPayments(app, options);
  return app;
}
