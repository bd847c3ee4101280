import { randomUUID } from 'node:crypto';
import type { ActorContext } from '@govblocks/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentService } from '../ports.js';
import { rejectsWith } from './rejects-with.js';

export interface PaymentServiceConformanceOptions {
  name: string;
  /**
   * A fresh service per test, with one rail (named `rail`) that pays every modality without
   * faults, and approval thresholds of `approvalThreshold` minor units for USD.
   */
  create: () => Promise<{
    service: PaymentService;
    rail: string;
    /** Read-back hook: the idempotency keys the rail paid, with how often each was paid. */
    railLedger?: () => Promise<Map<string, number>>;
    teardown?: () => Promise<void> | void;
  }>;
  /** The USD threshold (minor units) above which the service needs two checkers. */
  approvalThreshold: number;
  /**
   * Port methods the implementation does not carry (a remote adapter whose API has no such
   * call): the suite then checks that they throw `PAYMENT_NOT_SUPPORTED` instead of their behaviour.
   */
  unsupported?: ReadonlyArray<keyof PaymentService>;
}

const actor = (id: string, type: 'operator' | 'service' = 'operator'): ActorContext => ({
  actor: { type, id, roles: [] },
});

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let index = 0; index < bytes.length; index += size)
    yield bytes.subarray(index, index + size);
}

/**
 * The `PaymentService` conformance suite: the engine over every store, and any remote
 * implementation, must pass it. Uses only the public port.
 *
 * @example
 * paymentServiceConformanceSuite({
 *   name: 'engine on memory',
 *   approvalThreshold: 100_000,
 *   create: async () => {
 *     const rail = simulatorRail({ name: 'rail' });
 *     return { service: createPaymentService({ store: memoryPaymentStore(), rails: { rail }, audit: memoryAuditSink(),
 *       approval: { thresholds: { USD: 100_000 } } }), rail: 'rail' };
 *   },
 * });
 */
export function paymentServiceConformanceSuite(options: PaymentServiceConformanceOptions): void {
  describe(`PaymentService conformance: ${options.name}`, () => {
    let service: PaymentService;
    let rail: string;
    let railLedger: (() => Promise<Map<string, number>>) | undefined;
    let teardown: (() => Promise<void> | void) | undefined;
    const maker = actor('maker-1');
    const checkerA = actor('checker-a');
    const checkerB = actor('checker-b');
    let prefix: string;

    beforeEach(async () => {
      const created = await options.create();
      service = created.service;
      rail = created.rail;
      railLedger = created.railLedger;
      teardown = created.teardown;
      prefix = randomUUID().slice(0, 8);
    });
    afterEach(async () => {
      await teardown?.();
    });

    const payee = (index: number) => `P${prefix}-${index}`;
    const register = async (count: number) =>
      service.registerBeneficiaries(
        maker,
        Array.from({ length: count }, (_, index) => ({
          functionalId: payee(index + 1),
          modality: 'mobile_money' as const,
          financialAddress: `+1555${String(index).padStart(7, '0')}`,
          rail,
        })),
      );
    const csv = (rows: Array<[string, string, string, string?]>) =>
      `instruction_id,payee_functional_id,amount,currency\n${rows.map((row) => `${row[0]},${row[1]},${row[2]},${row[3] ?? 'USD'}`).join('\n')}\n`;

    it('registers beneficiaries idempotently and looks them up, singly and in bulk', async () => {
      expect(await register(2)).toEqual([
        { functionalId: payee(1), outcome: 'registered' },
        { functionalId: payee(2), outcome: 'registered' },
      ]);
      expect((await register(1))[0]!.outcome).toBe('already_registered');
      const one = await service.lookupAccount(maker, payee(1));
      expect(one).toMatchObject({
        functionalId: payee(1),
        found: true,
        rail,
        modality: 'mobile_money',
      });
      const many = await service.lookupAccounts(maker, [payee(2), 'nobody', payee(1)]);
      expect(many.map((item) => item.found)).toEqual([true, false, true]);
      expect(many[1]).toEqual({ functionalId: 'nobody', found: false });
    });

    it('registers a beneficiary before its account is known; it becomes payable once updated', async () => {
      expect(await service.registerBeneficiaries(maker, [{ functionalId: payee(1) }])).toEqual([
        { functionalId: payee(1), outcome: 'registered' },
      ]);
      expect(await service.lookupAccount(maker, payee(1))).toEqual({
        functionalId: payee(1),
        found: false,
      });
      await rejectsWith(
        service.registerBeneficiaries(maker, [{ functionalId: payee(2), financialAddress: '+1' }]),
        'VALIDATION_FAILED',
      );
      await service.updateBeneficiaries(maker, [
        { functionalId: payee(1), modality: 'mobile_money', financialAddress: '+15550001', rail },
      ]);
      expect(await service.lookupAccount(maker, payee(1))).toMatchObject({
        found: true,
        financialAddress: '+15550001',
      });
    });

    it('updates beneficiaries and reports unknown ones', async () => {
      await register(1);
      const results = await service.updateBeneficiaries(maker, [
        { functionalId: payee(1), financialAddress: '+15559999999' },
        { functionalId: 'nobody' },
      ]);
      expect(results).toEqual([
        { functionalId: payee(1), outcome: 'updated' },
        { functionalId: 'nobody', outcome: 'not_found' },
      ]);
      expect(await service.lookupAccount(maker, payee(1))).toMatchObject({
        financialAddress: '+15559999999',
      });
    });

    it('refuses malformed beneficiaries with VALIDATION_FAILED and writes none', async () => {
      await rejectsWith(
        service.registerBeneficiaries(maker, [
          { functionalId: payee(1), modality: 'mobile_money', financialAddress: '+1', rail },
          {
            functionalId: payee(2),
            modality: 'carrier_pigeon',
            financialAddress: '+1',
            rail,
          } as never,
        ]),
        'VALIDATION_FAILED',
      );
      expect((await service.lookupAccount(maker, payee(1))).found).toBe(false);
    });

    it('validates payments before paying: amounts, duplicates, unknown accounts', async () => {
      await register(2);
      const report = await service.validatePayments(maker, 'USD', [
        { instructionId: 'I1', payeeFunctionalId: payee(1), amount: '10.00', currency: 'USD' },
        { instructionId: 'I2', payeeFunctionalId: payee(1), amount: '5.00', currency: 'USD' },
        { instructionId: 'I3', payeeFunctionalId: payee(2), amount: '1.001', currency: 'USD' },
        { instructionId: 'I4', payeeFunctionalId: 'nobody', amount: '1.00', currency: 'USD' },
        { instructionId: 'I5', payeeFunctionalId: payee(2), amount: '1.00', currency: 'EUR' },
      ]);
      expect(report.map((row) => row.valid)).toEqual([true, false, false, false, false]);
      expect(report.map((row) => row.reason)).toEqual([
        undefined,
        'DUPLICATE_BENEFICIARY',
        'INVALID_ROW',
        'ACCOUNT_NOT_FOUND',
        'CURRENCY_MISMATCH',
      ]);
    });

    it('ingests a CSV batch: good rows become instructions, bad rows are held with reasons', async () => {
      await register(3);
      const file = csv([
        ['I1', payee(1), '10.00'],
        ['I2', payee(2), 'ten'],
        ['I3', payee(1), '3.00'],
        ['I4', 'nobody', '1.00'],
        ['I5', payee(3), '2.50'],
      ]);
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count: 5, sum: 1000 + 300 + 100 + 250 } },
        chunked(file, 7),
      );
      expect(batch.state).toBe('awaiting_approval');
      expect(batch.accepted).toEqual({ count: 2, sum: 1250 });
      expect(batch.held).toEqual({ count: 3, sum: 400 });
      expect(batch.computed).toEqual({ count: 5, sum: 1650 });
      const held = await service.listHeldRows(maker, batch.batchId);
      expect(held.map((row) => [row.rowNumber, row.reason])).toEqual([
        [2, 'INVALID_ROW'],
        [3, 'DUPLICATE_BENEFICIARY'],
        [4, 'ACCOUNT_NOT_FOUND'],
      ]);
      const reconciliation = await service.reconcile(maker, batch.batchId);
      expect(reconciliation.byState.pending).toEqual({ count: 2, sum: 1250 });
      expect(reconciliation.balanced).toBe(true);
    });

    it('ingests JSON arrays and NDJSON streamed in odd chunks', async () => {
      await register(2);
      const rows = [
        {
          instructionId: 'J1',
          payeeFunctionalId: payee(1),
          amount: '1.00',
          currency: 'USD',
          narration: 'a, "quoted" [note]',
        },
        { instructionId: 'J2', payeeFunctionalId: payee(2), amount: '2.00', currency: 'USD' },
      ];
      const json = await service.createBatch(
        maker,
        { currency: 'USD', format: 'json', control: { count: 2, sum: 300 } },
        chunked(JSON.stringify(rows, null, 2), 5),
      );
      expect(json.accepted).toEqual({ count: 2, sum: 300 });
      const ndjson = await service.createBatch(
        maker,
        { currency: 'USD', format: 'ndjson', control: { count: 2, sum: 300 } },
        chunked(rows.map((row) => JSON.stringify(row)).join('\n'), 3),
      );
      expect(ndjson.accepted).toEqual({ count: 2, sum: 300 });
    });

    it('rejects a batch whose control totals do not match the file', async () => {
      await register(2);
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count: 2, sum: 999 } },
        csv([
          ['I1', payee(1), '1.00'],
          ['I2', payee(2), '2.00'],
        ]),
      );
      expect(batch.state).toBe('rejected');
      expect(batch.reason).toBe('CONTROL_TOTALS_MISMATCH');
      await rejectsWith(
        service.processBatch(checkerA, batch.batchId),
        'PAYMENT_BATCH_NOT_APPROVED',
      );
    });

    it('refuses a batch id used before', async () => {
      await register(1);
      const batchId = `B-${prefix}`;
      const options = {
        batchId,
        currency: 'USD',
        format: 'csv' as const,
        control: { count: 1, sum: 100 },
      };
      await service.createBatch(maker, options, csv([['I1', payee(1), '1.00']]));
      await rejectsWith(
        service.createBatch(maker, options, csv([['I1', payee(1), '1.00']])),
        'CONFLICT',
      );
    });

    it('enforces maker-checker: not the maker, two distinct checkers above the threshold', async () => {
      await register(1);
      const amount = options.approvalThreshold + 1;
      const decimal = (amount / 100).toFixed(2);
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count: 1, sum: amount } },
        csv([['I1', payee(1), decimal]]),
      );
      expect(batch.approvalsRequired).toBe(2);
      await rejectsWith(service.approveBatch(maker, batch.batchId), 'PAYMENT_APPROVAL_DENIED');
      await rejectsWith(
        service.processBatch(checkerA, batch.batchId),
        'PAYMENT_BATCH_NOT_APPROVED',
      );
      const once = await service.approveBatch(checkerA, batch.batchId);
      expect(once.state).toBe('awaiting_approval');
      await rejectsWith(service.approveBatch(checkerA, batch.batchId), 'PAYMENT_APPROVAL_DENIED');
      const twice = await service.approveBatch(checkerB, batch.batchId);
      expect(twice.state).toBe('approved');
      await rejectsWith(
        service.approveBatch(actor('checker-c'), batch.batchId),
        'PAYMENT_ILLEGAL_TRANSITION',
      );
    });

    it('needs one checker at or below the threshold', async () => {
      await register(1);
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count: 1, sum: 100 } },
        csv([['I1', payee(1), '1.00']]),
      );
      expect(batch.approvalsRequired).toBe(1);
      expect((await service.approveBatch(checkerA, batch.batchId)).state).toBe('approved');
    });

    it('disburses an approved batch exactly once, reconciles, and exports', async () => {
      const count = 25;
      await register(count);
      const rows = Array.from({ length: count }, (_, index): [string, string, string] => [
        `I${index + 1}`,
        payee(index + 1),
        `${index + 1}.00`,
      ]);
      const sum = rows.reduce((total, row) => total + Number(row[2]) * 100, 0);
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count, sum } },
        csv(rows),
      );
      for (const checker of [checkerA, checkerB].slice(0, batch.approvalsRequired))
        await service.approveBatch(checker, batch.batchId);
      const result = await service.processBatch(checkerA, batch.batchId, {
        chunkSize: 7,
        concurrency: 4,
      });
      expect(result.batchState).toBe('completed');
      expect(result.byState.paid).toEqual({ count, sum });
      expect(result.balanced).toBe(true);
      expect(result.attempts.submit).toBeGreaterThanOrEqual(count);
      // Processing again is a no-op with the same answer.
      expect(await service.processBatch(checkerA, batch.batchId)).toEqual(result);
      const instruction = await service.getInstruction(maker, batch.batchId, 'I3');
      expect(instruction).toMatchObject({ state: 'paid', amount: 300, attempts: 1 });
      let exported = '';
      for await (const part of service.exportReconciliation(maker, batch.batchId, 'csv'))
        exported += part;
      const lines = exported.trim().split('\n');
      expect(lines).toHaveLength(count + 1);
      expect(lines[0]).toBe(
        'instruction_id,payee_functional_id,amount,currency,rail,state,attempts,rail_reference,failure_reason',
      );
      let json = '';
      for await (const part of service.exportReconciliation(maker, batch.batchId, 'json'))
        json += part;
      expect(
        json
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).state),
      ).toEqual(Array(count).fill('paid'));
      if (railLedger) {
        const ledger = await railLedger();
        const keys = new Set<string>();
        for (let index = 1; index <= count; index++) {
          const paid = await service.getInstruction(maker, batch.batchId, `I${index}`);
          expect(ledger.get(paid.idempotencyKey)).toBe(1);
          keys.add(paid.idempotencyKey);
        }
      }
      if (options.unsupported?.includes('listAttempts')) {
        await rejectsWith(
          service.listAttempts(maker, batch.batchId, 'I1'),
          'PAYMENT_NOT_SUPPORTED',
        );
      } else {
        const attempts = await service.listAttempts(maker, batch.batchId, 'I1');
        expect(attempts.map((attempt) => [attempt.kind, attempt.outcome])).toEqual([
          ['submit', 'paid'],
        ]);
      }
    });

    it('cancels a batch before processing; its instructions end cancelled', async () => {
      await register(2);
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count: 2, sum: 300 } },
        csv([
          ['I1', payee(1), '1.00'],
          ['I2', payee(2), '2.00'],
        ]),
      );
      expect((await service.cancelBatch(checkerA, batch.batchId)).state).toBe('cancelled');
      const result = await service.reconcile(maker, batch.batchId);
      expect(result.byState.cancelled).toEqual({ count: 2, sum: 300 });
      await rejectsWith(
        service.approveBatch(checkerA, batch.batchId),
        'PAYMENT_ILLEGAL_TRANSITION',
      );
    });

    it('answers NOT_FOUND for unknown batches and instructions', async () => {
      await rejectsWith(service.getBatch(maker, 'no-such-batch'), 'NOT_FOUND');
      await rejectsWith(service.reconcile(maker, 'no-such-batch'), 'NOT_FOUND');
      await rejectsWith(service.getInstruction(maker, 'no-such-batch', 'I1'), 'NOT_FOUND');
    });
  });
}
