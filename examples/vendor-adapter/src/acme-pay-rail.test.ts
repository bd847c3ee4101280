import { memoryAuditSink, money } from '@govblocks/core';
import { createPaymentService, memoryPaymentStore } from '@govblocks/payments';
import { railConformanceSuite } from '@govblocks/payments/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmePayRail } from './acme-pay-rail.js';
import { type AcmeSandbox, refusedNumber, startAcmeSandbox } from './sandbox.js';

// Step 1 of the vendor path: the SDK's published PaymentRail kit, against our sandbox.
railConformanceSuite({
  name: 'AcmePay',
  create: async () => {
    const sandbox = await startAcmeSandbox();
    return {
      rail: acmePayRail({ baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey }),
      teardown: () => sandbox.close(),
    };
  },
  transfer: () => ({
    amount: money(25_00, 'USD'),
    modality: 'mobile_money',
    financialAddress: '+221770000001',
  }),
});

// Step 2: the rail inside the SDK's payments engine, end to end.
describe('AcmePay in a govblocks payments engine', () => {
  let sandbox: AcmeSandbox;
  beforeAll(async () => {
    sandbox = await startAcmeSandbox();
  });
  afterAll(() => sandbox.close());

  it('pays a batch exactly once, fails a refused wallet with a reason, and survives an outage', async () => {
    const payments = createPaymentService({
      store: memoryPaymentStore(),
      audit: memoryAuditSink(),
      rails: { acmepay: acmePayRail({ baseUrl: sandbox.baseUrl, apiKey: sandbox.apiKey }) },
      approval: { thresholds: { USD: 1_000_000 } },
    });
    const maker = { actor: { type: 'operator' as const, id: 'maker', roles: [] } };
    const checker = { actor: { type: 'operator' as const, id: 'checker', roles: [] } };
    await payments.registerBeneficiaries(maker, [
      {
        functionalId: 'P-1',
        modality: 'mobile_money',
        financialAddress: '+221770000001',
        rail: 'acmepay',
      },
      {
        functionalId: 'P-2',
        modality: 'mobile_money',
        financialAddress: refusedNumber,
        rail: 'acmepay',
      },
    ]);
    const batch = await payments.createBatch(
      maker,
      { currency: 'USD', format: 'csv', control: { count: 2, sum: 50_00 } },
      'instruction_id,payee_functional_id,amount,currency\nI-1,P-1,25.00,USD\nI-2,P-2,25.00,USD\n',
    );
    await payments.approveBatch(checker, batch.batchId);
    sandbox.failNext(); // the first submission meets a 503: retried with the same key
    const result = await payments.processBatch(maker, batch.batchId, { pollIntervalMs: 10 });
    expect(result.byState.paid.count).toBe(1);
    expect(result.byState.failed.count).toBe(1);
    expect(result.balanced).toBe(true);
    expect([...sandbox.transfers.values()].filter((t) => t.status === 'completed')).toHaveLength(1);
    const failed = await payments.getInstruction(maker, batch.batchId, 'I-2');
    expect(failed.failureReason).toBe('WALLET_CLOSED');
  });
});
