import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryPaymentStore } from '../engine/memory-store.js';
import { createPaymentService } from '../engine/payment-service.js';
import type { PaymentRail } from '../ports.js';
import { simulatorRail } from '../rails/simulator.js';
import { callbackReceiver } from './callback-receiver.test-helper.js';
import { createCallbackSender } from './callbacks.js';
import { paymentsHttpApp } from './legacy-app.js';

const keys = {
  maker: 'key-maker-000000000001',
  checker: 'key-checker-0000000001',
  checker2: 'key-checker-0000000002',
  bank: 'key-payer-bank-00000001',
};

/** A rail that takes every transfer and never says how it ended (a payer bank that reports by status push). */
function silentRail(): PaymentRail {
  return {
    specificationVersion: 'payment-rail/v1',
    name: 'bank',
    capabilities: { callbacks: false, modalities: ['bank_account', 'mobile_money'] },
    submit: async (transfer) => ({
      status: 'accepted',
      railReference: `R-${transfer.idempotencyKey.slice(-8)}`,
    }),
    inquire: async () => ({ status: 'pending' }),
  };
}

describe('G2P v3 routes', () => {
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof callbackReceiver>>;
  const rail = simulatorRail({ name: 'simulator', rejectAddresses: ['+15550000666'] });
  const callbacks = createCallbackSender();
  const service = createPaymentService({
    store: memoryPaymentStore(),
    rails: { simulator: rail, bank: silentRail() },
    audit: memoryAuditSink(),
    approval: { thresholds: { USD: 100_000 } },
  });
  const operator = (id: string): ActorContext => ({ actor: { type: 'operator', id, roles: [] } });

  beforeAll(async () => {
    receiver = await callbackReceiver();
    const app = paymentsHttpApp({
      service,
      railByModality: { mobile_money: 'simulator', bank_account: 'bank' },
      auth: {
        apiKeys: {
          keys: [
            { key: keys.maker, id: 'maker-7', type: 'operator' },
            { key: keys.checker, id: 'checker-2', type: 'operator' },
            { key: keys.checker2, id: 'checker-3', type: 'operator' },
            { key: keys.bank, id: 'payer-bank-1', roles: ['payer-bank'] },
          ],
        },
      },
      v3: {
        callbacks,
        verifyAccount: (account) => rail.verifyAccount!({ modality: 'mobile_money', ...account }),
        processOptions: { pollIntervalMs: 5, deadlineMs: 400 },
      },
    });
    server = await startServer(app, { port: 0 });
    await service.registerBeneficiaries(operator('registrar'), [
      ...Array.from({ length: 5 }, (_, index) => ({
        functionalId: `PAYEE-${index + 1}`,
        modality: 'mobile_money' as const,
        financialAddress: `+1555000000${index + 1}`,
        rail: 'simulator',
      })),
      ...Array.from({ length: 2 }, (_, index) => ({
        functionalId: `BANKPAYEE-${index + 1}`,
        modality: 'bank_account' as const,
        financialAddress: `DE0000000${index + 1}`,
        rail: 'bank',
      })),
    ]);
  });
  afterAll(async () => {
    await callbacks.drain();
    await server.close();
    await receiver.close();
    rail.close();
  });

  const call = async (
    method: string,
    path: string,
    options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
  ) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'X-API-Key': options.key ?? keys.maker,
        ...(options.body !== undefined && typeof options.body !== 'string'
          ? { 'content-type': 'application/json' }
          : {}),
        ...options.headers,
      },
      ...(options.body !== undefined
        ? {
            body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
          }
        : {}),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      type,
      headers: response.headers,
      body: /json/.test(type) && !/ndjson/.test(type) ? JSON.parse(text) : text,
    };
  };
  const bulkHeaders = (correlationId: string, callback?: string) => ({
    'X-CorrelationID': correlationId,
    'Platform-TenantId': 'gov',
    ...(callback ? { 'X-Callback-URL': callback } : {}),
  });
  const credit = (requestId: string, payee: string, amount: number | string) => ({
    requestId,
    creditParty: [{ key: 'payeeIdentity', value: payee }],
    debitParty: [{ key: 'accountnumber', value: 'TREASURY-1' }],
    paymentMode: 'mobile_money',
    amount,
    currency: 'USD',
    descriptionText: 'June transfer',
  });

  it('takes a JSON batch, holds bad rows in the report, and answers 202 awaiting approval', async () => {
    const answer = await call('POST', '/batchtransactions?type=raw&batchId=V3-JSON-1', {
      headers: bulkHeaders('CORR-1'),
      body: [
        credit('I1', 'PAYEE-1', 10.5),
        credit('I2', 'PAYEE-2', 2),
        credit('I3', 'NOBODY', 1),
        credit('I4', 'PAYEE-3', 1.001),
        { requestId: 'I5', creditParty: [], amount: 3, currency: 'USD' },
      ],
    });
    expect(answer.status).toBe(202);
    expect(answer.type).toBe('application/json; charset=utf-8');
    expect(answer.body.batchId).toBe('V3-JSON-1');
    expect(answer.body.batch).toMatchObject({
      state: 'awaiting_approval',
      accepted: { count: 2, sum: 1250 },
      held: { count: 3 },
    });
    expect(
      answer.body.validationReport.held.map((row: { rowNumber: number; reason: string }) => [
        row.rowNumber,
        row.reason,
      ]),
    ).toEqual([
      [3, 'ACCOUNT_NOT_FOUND'],
      [4, 'INVALID_ROW'],
      [5, 'INVALID_ROW'],
    ]);
    expect(answer.body.validationReport.complete).toBe(true);
  });

  it('takes a CSV batch streamed with declared control totals; a mismatch rejects it', async () => {
    const csv =
      'instruction_id,payee_functional_id,amount,currency\nC1,PAYEE-1,1.00,USD\nC2,PAYEE-2,2.00,USD\n';
    const good = await call(
      'POST',
      '/batchtransactions?type=csv&currency=USD&controlCount=2&controlSum=300',
      { headers: { ...bulkHeaders('CORR-2'), 'content-type': 'text/csv' }, body: csv },
    );
    expect(good.status).toBe(202);
    expect(good.body.batch).toMatchObject({ state: 'awaiting_approval', accepted: { count: 2 } });
    const bad = await call(
      'POST',
      '/batchtransactions?type=csv&currency=USD&controlCount=2&controlSum=999',
      { headers: { ...bulkHeaders('CORR-3'), 'content-type': 'text/csv' }, body: csv },
    );
    expect(bad.body.batch).toMatchObject({ state: 'rejected', reason: 'CONTROL_TOTALS_MISMATCH' });
    const noTotals = await call('POST', '/batchtransactions?type=csv&currency=USD', {
      headers: { ...bulkHeaders('CORR-4'), 'content-type': 'text/csv' },
      body: csv,
    });
    expect(noTotals.status).toBe(400);
  });

  it('answers problem+json for missing headers, bad bodies, re-used ids and unknown batches', async () => {
    const noCorrelation = await call('POST', '/batchtransactions?type=raw', {
      headers: { 'Platform-TenantId': 'gov' },
      body: [credit('I1', 'PAYEE-1', 1)],
    });
    expect(noCorrelation.status).toBe(400);
    expect(noCorrelation.type).toBe('application/problem+json');
    expect(noCorrelation.body.code).toBe('VALIDATION_FAILED');
    const notArray = await call('POST', '/batchtransactions?type=raw', {
      headers: bulkHeaders('CORR-5'),
      body: { requestId: 'I1' },
    });
    expect(notArray.status).toBe(400);
    const badCallback = await call('POST', '/batchtransactions?type=raw', {
      headers: bulkHeaders('CORR-6', 'ftp://example.org/x'),
      body: [credit('I1', 'PAYEE-1', 1)],
    });
    expect(badCallback.status).toBe(400);
    const reused = await call('POST', '/batchtransactions?type=raw&batchId=V3-JSON-1', {
      headers: bulkHeaders('CORR-7'),
      body: [credit('I1', 'PAYEE-1', 1)],
    });
    expect([reused.status, reused.body.code]).toEqual([409, 'CONFLICT']);
    const unknown = await call('GET', '/api/v1/batch?batchId=NO-SUCH');
    expect([unknown.status, unknown.type, unknown.body.code]).toEqual([
      404,
      'application/problem+json',
      'NOT_FOUND',
    ]);
    const anonymous = await fetch(`${server.url}/api/v1/batch?batchId=V3-JSON-1`);
    expect(anonymous.status).toBe(401);
  });

  it('authorizes by maker-checker, disburses, and posts the authorization and the final status', async () => {
    const created = await call('POST', '/batchtransactions?type=raw&batchId=V3-PAY-1', {
      headers: bulkHeaders('CORR-PAY-1', receiver.url('/bulk-status')),
      body: [
        credit('P1', 'PAYEE-1', 1),
        credit('P2', 'PAYEE-2', 2.5),
        credit('P3', 'PAYEE-3', '3.25'),
      ],
    });
    expect(created.body.batch).toMatchObject({ accepted: { count: 3, sum: 675 } });
    const authorization = (amount: number) => ({
      batchID: 'V3-PAY-1',
      payerIdentifier: 'TREASURY-1',
      currency: 'USD',
      amount,
    });
    const headers = {
      'X-Client-Correlation-ID': 'AUTH-1',
      'X-Callback-URL': receiver.url('/authorization'),
    };
    const wrongAmount = await call('POST', '/batches/V3-PAY-1?command=authorize', {
      key: keys.checker,
      headers,
      body: authorization(6.7),
    });
    expect([wrongAmount.status, wrongAmount.body.errors[0].pointer]).toEqual([400, '/amount']);
    const byMaker = await call('POST', '/batches/V3-PAY-1?command=authorize', {
      headers,
      body: authorization(6.75),
    });
    expect([byMaker.status, byMaker.type, byMaker.body.code]).toEqual([
      byMaker.status,
      'application/problem+json',
      'PAYMENT_APPROVAL_DENIED',
    ]);
    const notYet = await call('POST', '/batches/V3-PAY-1?command=disburse', {
      key: keys.checker,
      body: {},
    });
    expect(notYet.body.code).toBe('PAYMENT_BATCH_NOT_APPROVED');
    const approved = await call('POST', '/batches/V3-PAY-1?command=authorize', {
      key: keys.checker,
      headers,
      body: authorization(6.75),
    });
    expect(approved.status).toBe(202);
    expect(approved.body.batch.state).toBe('approved');

    const authorized = await receiver.next('/authorization');
    expect(authorized.body).toEqual({
      clientCorrelationId: 'AUTH-1',
      status: 'Y',
      reason: 'Batch authorized',
    });
    expect(authorized.headers['x-correlationid']).toBe('AUTH-1');

    const finished = await receiver.next('/bulk-status');
    expect(finished.headers['x-correlationid']).toBe('CORR-PAY-1');
    expect(finished.body).toMatchObject({
      requestId: 'CORR-PAY-1',
      batchId: 'V3-PAY-1',
      TotalTransactions: 3,
      completed: 3,
      failed: 0,
      ongoing: 0,
      totalAmount: 6.75,
      completed_amount: 6.75,
      failed_amount: 0,
      state: 'completed',
    });
    expect(typeof finished.body.resultGeneratedAt).toBe('string');

    const summary = await call('GET', '/api/v1/batch?batchId=V3-PAY-1');
    expect(summary.body).toMatchObject({ completed: 3, state: 'completed' });
    expect(summary.body.reconciliation.balanced).toBe(true);

    const detail = await call('GET', '/api/v1/batch/detail?batchId=V3-PAY-1&pageSize=2', {
      headers: { 'Platform-TenantId': 'gov' },
    });
    expect(
      detail.body.map((item: { transactionId: string; status: string }) => [
        item.transactionId,
        item.status,
      ]),
    ).toEqual([
      ['P1', 'COMPLETED'],
      ['P2', 'COMPLETED'],
    ]);
    expect(detail.body[1]).toMatchObject({ amount: 2.5, currency: 'USD', payeePartyId: 'PAYEE-2' });
    const second = await call('GET', '/api/v1/batch/detail?batchId=V3-PAY-1&pageSize=2&pageNo=1', {
      headers: { 'Platform-TenantId': 'gov' },
    });
    expect(second.body.map((item: { transactionId: string }) => item.transactionId)).toEqual([
      'P3',
    ]);
    const file = await call('GET', '/api/v1/batch/result_file?batchId=V3-PAY-1&format=csv');
    expect(file.type).toBe('text/csv; charset=utf-8');
    expect(String(file.body).trim().split('\n')).toHaveLength(4);
  });

  it('applies a payer bank status push per instruction, then completes the batch on resume', async () => {
    await call('POST', '/batchtransactions?type=raw&batchId=V3-BANK-1', {
      headers: bulkHeaders('CORR-BANK-1'),
      body: [credit('B1', 'BANKPAYEE-1', 4), credit('B2', 'BANKPAYEE-2', 6)],
    });
    await call('POST', '/batches/V3-BANK-1?command=authorize', {
      key: keys.checker,
      headers: { 'X-Client-Correlation-ID': 'AUTH-2' },
      body: { batchID: 'V3-BANK-1', payerIdentifier: 'TREASURY-1', currency: 'USD', amount: 10 },
    });
    // The silent bank accepts and never answers: the run stops at its deadline, still processing.
    let summary = await call('GET', '/api/v1/batch?batchId=V3-BANK-1&wait=5');
    expect(summary.body).toMatchObject({ state: 'processing', ongoing: 2 });
    expect(summary.body.disbursement.running).toBe(false);

    const push = {
      requestId: 'PUSH-1',
      batchId: 'V3-BANK-1',
      TotalTransactions: 2,
      ongoing: 0,
      failed: 1,
      completed: 1,
      totalAmount: 10,
      completed_amount: 4,
      ongoing_amount: 0,
      failed_amount: 6,
      result_file: null,
      resultGeneratedAt: new Date().toISOString(),
      note: 'settled',
      instructions: [
        { instructionId: 'B1', status: 'COMPLETED', railReference: 'BANK-REF-1' },
        { instructionId: 'B2', status: 'FAILED', reason: 'ACCOUNT_CLOSED' },
      ],
    };
    const path = '/api/v1/batch?batchId=V3-BANK-1&X-CorrelationID=PUSH-1';
    const notBank = await call('POST', path, { key: keys.checker, body: push });
    expect([notBank.status, notBank.body.code]).toEqual([403, 'FORBIDDEN']);
    const unknown = await call('POST', path, {
      key: keys.bank,
      body: {
        ...push,
        instructions: [push.instructions[0], { instructionId: 'B9', status: 'FAILED' }],
      },
    });
    expect(unknown.status).toBe(404);
    // Nothing was applied: B1 is still in flight.
    expect(
      (
        await call('GET', '/api/v1/batch/detail?batchId=V3-BANK-1&transactionId=B1', {
          headers: { 'Platform-TenantId': 'gov' },
        })
      ).body[0].status,
    ).toBe('IN_PROGRESS');
    const pushed = await call('POST', path, { key: keys.bank, body: push });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ message: 'Status updated successfully.', applied: 2 });
    const again = await call('POST', path, { key: keys.bank, body: push });
    expect(again.body).toMatchObject({ applied: 0, ignored: 2 });
    const failedOnly = await call('GET', '/api/v1/batch/detail?batchId=V3-BANK-1&status=FAILED', {
      headers: { 'Platform-TenantId': 'gov' },
    });
    expect(failedOnly.body).toHaveLength(1);
    expect(failedOnly.body[0]).toMatchObject({
      transactionId: 'B2',
      errorInformation: 'ACCOUNT_CLOSED',
    });
    await call('POST', '/batches/V3-BANK-1?command=disburse', { key: keys.checker, body: {} });
    summary = await call('GET', '/api/v1/batch?batchId=V3-BANK-1&wait=5');
    expect(summary.body).toMatchObject({
      state: 'completed',
      completed: 1,
      failed: 1,
      completed_amount: 4,
    });
  });

  it('validates accounts in bulk by functional id or address, answering and posting the result', async () => {
    const answer = await call('POST', '/beneficiaries?command=validate', {
      headers: {
        'X-Client-Correlation-ID': 'VAL-1',
        'X-Registering-Institution-ID': 'MIN-SOCIAL',
        'X-Callback-URL': receiver.url('/validation'),
      },
      body: {
        batchId: 'VB-1',
        destinationDFSPID: 'DFSP1',
        creditInstructions: [
          { instructionID: 'V1', payeeFunctionalID: 'PAYEE-1', amount: 1, currency: 'USD' },
          { instructionID: 'V2', payeeFunctionalID: 'NOBODY', amount: 1, currency: 'USD' },
          { instructionID: 'V3', financialAddress: '+15550000001' },
          { instructionID: 'V4', financialAddress: '+15550000666' },
        ],
      },
    });
    expect(answer.status).toBe(202);
    const expected = {
      clientCorrelationId: 'VAL-1',
      batchId: 'VB-1',
      numberOfFailedCases: 2,
      failedAccountLookups: [
        { instructionID: 'V2', failureReason: 'ACCOUNT_NOT_FOUND' },
        { instructionID: 'V4', failureReason: 'ACCOUNT_REJECTED' },
      ],
    };
    expect(answer.body).toMatchObject(expected);
    const posted = await receiver.next('/validation');
    expect(posted.body).toEqual(expected);
    expect(posted.headers['x-correlationid']).toBe('VAL-1');
  });

  it('keeps the legacy routes as they were', async () => {
    const legacy = await call('POST', '/bulk-payment', {
      body: {
        RequestID: 'REQ000000001',
        SourceBBID: 'SRCBB0000001',
        BatchID: 'BATCH0000001',
        CreditInstructions: [
          {
            InstructionID: 'INSTR00000000001',
            PayeeFunctionalID: 'PAYEE000000000000001',
            Amount: '1.00',
            Currency: 'USD',
          },
        ],
      },
    });
    expect(legacy.status).toBe(200);
    expect(legacy.body.ResponseCode).toBe('00');
  });
});
