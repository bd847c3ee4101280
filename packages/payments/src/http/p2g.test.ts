import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryBillPaymentStore } from '../bills/memory.js';
import { createTestBillEngine } from '../bills/test-engine.js';
import { billPaymentsHttpApp } from './p2g.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP server standing in for the payer FI's and the biller's callback endpoints. */
async function receiver() {
  const received: Received[] = [];
  const waiting: Array<(item: Received) => void> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const item = { path: request.url ?? '', headers: request.headers, body };
      const waiter = waiting.shift();
      if (waiter) waiter(item);
      else received.push(item);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ack":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    next: () =>
      new Promise<Received>((resolve, reject) => {
        const ready = received.shift();
        if (ready) return resolve(ready);
        const timer = setTimeout(() => reject(new Error('no callback within 5 s')), 5000);
        waiting.push((item) => {
          clearTimeout(timer);
          resolve(item);
        });
      }),
    pending: () => received.length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('P2G HTTP binding', () => {
  const secret = 'callback-secret-for-tests';
  let engine: ReturnType<typeof createTestBillEngine>;
  let server: RunningServer;
  let callbacks: Awaited<ReturnType<typeof receiver>>;
  const base = {
    'X-CorrelationID': 'CORR-0001',
    'X-Platform-TenantId': 'tenant-1',
    'X-PayerFI-Id': 'BANK-7',
  };
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...base,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    engine = createTestBillEngine(memoryBillPaymentStore());
    callbacks = await receiver();
    server = await startServer(
      billPaymentsHttpApp({ bills: engine.service, callbacks: { secret } }),
      {
        port: 0,
      },
    );
  });
  afterAll(async () => {
    engine.teardown();
    await server.close();
    await callbacks.close();
  });

  const verify = (item: Received) => {
    const expected = `sha256=${createHmac('sha256', secret).update(item.body).digest('hex')}`;
    expect(item.headers['x-signature']).toBe(expected);
    return JSON.parse(item.body) as Record<string, unknown>;
  };

  it('walks an inquiry and a payment, posting each result to X-Callback-URL', async () => {
    engine.addBill({ billId: 'WTR-100', currency: 'KES', amountDue: 125_000, status: 'open' });
    const inquiry = await call('GET', '/bills/WTR-100?fields=inquiry', undefined, {
      'Platform-TenantId': 'tenant-1',
      'PayerFI-Id': 'BANK-7',
      'X-Callback-URL': `${callbacks.url}/bills/WTR-100`,
    });
    expect(inquiry.status).toBe(202);
    expect(inquiry.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const answer = (await inquiry.json()) as {
      responseCode: string;
      billInquiryRequestId: string;
      billDetails: Record<string, unknown>;
    };
    expect(answer.responseCode).toBe('00');
    expect(answer.billDetails).toMatchObject({
      billerId: 'WATER',
      amountonDueDate: 125_000,
      currency: 'KES',
    });
    const posted = await callbacks.next();
    expect(posted.path).toBe('/bills/WTR-100');
    expect(posted.headers['x-correlationid']).toBe('CORR-0001');
    expect(verify(posted)).toMatchObject({
      code: '00',
      billId: 'WTR-100',
      billDetails: answer.billDetails,
    });

    const paymentBody = {
      requestId: 'REQ-PAY-1',
      billInquiryRequestId: answer.billInquiryRequestId,
      billId: 'WTR-100',
      paymentReferenceID: 'FT-000123',
    };
    const paid = await call('POST', '/billTransferRequests', paymentBody, {
      'X-Callback-URL': `${callbacks.url}/billTransferRequests`,
    });
    expect(paid.status).toBe(202);
    const payment = ((await paid.json()) as { payment: { paymentId: string; state: string } })
      .payment;
    expect(payment.state).toBe('confirmed');
    expect(verify(await callbacks.next())).toMatchObject({
      requestId: 'REQ-PAY-1',
      billId: 'WTR-100',
      status: 'ACK',
    });

    // The same request again: the same payment. Another body under its id: 422. Another id: 409.
    const again = await call('POST', '/billTransferRequests', paymentBody);
    expect(((await again.json()) as { payment: { paymentId: string } }).payment.paymentId).toBe(
      payment.paymentId,
    );
    const reused = await call('POST', '/billTransferRequests', {
      ...paymentBody,
      paymentReferenceID: 'FT-9',
    });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(((await reused.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_MISMATCH');
    const second = await call('POST', '/billTransferRequests', {
      ...paymentBody,
      requestId: 'REQ-PAY-2',
    });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { code: string }).code).toBe('BILL_ALREADY_PAID');
    expect(engine.biller.advices.filter((advice) => advice.billId === 'WTR-100')).toHaveLength(1);
  });

  it('runs a request to pay and tells the biller of the payer’s answer', async () => {
    engine.addBill({ billId: 'WTR-200', currency: 'KES', amountDue: 5_000, status: 'open' });
    const created = await call(
      'POST',
      '/rtpRequest',
      {
        requestId: 'RTP-REQ-1',
        rtpId: 4242,
        billID: 'WTR-200',
        requestType: '01',
        alias: { aliasType: '01', aliasId: '+255700000042' },
        billDetails: { billerName: 'City Water', amount: 5_000, currency: 'KES' },
      },
      { 'X-billerId': 'WATER', 'X-Callback-URL': `${callbacks.url}/rtpUpdate` },
    );
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({
      responseCode: '00',
      requestToPay: { state: 'created' },
    });
    const answered = await call(
      'POST',
      '/rtpResponse',
      {
        RequestId: 'RESP-1',
        txnId: 'T1',
        rtpId: 4242,
        billId: 'WTR-200',
        rtpStatus: '01',
        rejectReason: 'R',
      },
      { 'X-billerId': 'WATER' },
    );
    expect(answered.status).toBe(200);
    const update = await callbacks.next();
    expect(update.path).toBe('/rtpUpdate');
    expect(verify(update)).toMatchObject({
      rtpId: 4242,
      billId: 'WTR-200',
      rtpStatus: '01',
      rejectReason: 'R',
    });
    const status = await call('GET', '/transferRequests/4242', undefined, {
      'X-billerId': 'WATER',
    });
    expect(status.status).toBe(202);
    expect(await status.json()).toMatchObject({
      responseCode: '00',
      requestStatus: 'RJC',
      rtpId: 4242,
    });
  });

  it('answers bad requests with problem+json, never a 500', async () => {
    const noCorrelation = await fetch(`${server.url}/bills/WTR-100?fields=inquiry`);
    expect(noCorrelation.status).toBe(400);
    expect(noCorrelation.headers.get('content-type')).toBe('application/problem+json');
    const unknown = await call('GET', '/bills/WTR-404?fields=inquiry');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('BILL_NOT_FOUND');
    const malformed = await fetch(`${server.url}/billTransferRequests`, {
      method: 'POST',
      headers: { ...base, 'content-type': 'application/json' },
      body: '{"requestId":',
    });
    expect(malformed.status).toBe(400);
    const noBiller = await call('POST', '/rtpRequest', { rtpId: 1, billID: 'WTR-100' });
    expect(noBiller.status).toBe(400);
    const amountWithoutCurrency = await call(
      'POST',
      '/rtpRequest',
      {
        rtpId: 2,
        billID: 'WTR-100',
        alias: { aliasType: '00', aliasId: 'x' },
        billDetails: { amount: 5 },
      },
      { 'X-billerId': 'WATER' },
    );
    expect(amountWithoutCurrency.status).toBe(400);
    expect(callbacks.pending()).toBe(0);
  });
});
