import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../run.js';
import { payments } from './payments.js';

describe('govblocks payments disburse', () => {
  it('disburses a 3-beneficiary CSV and prints a balanced reconciliation', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gb-payments-'));
    const file = join(folder, 'batch.csv');
    await writeFile(
      file,
      'instruction_id,payee_functional_id,amount,currency,narration,financial_address,modality\n' +
        'I-001,ID-AMINA,25.00,USD,June,+255700000001,mobile_money\n' +
        'I-002,ID-BARAKA,25.00,USD,June,+255700000002,mobile_money\n' +
        'I-003,ID-CHIKU,17.50,USD,June,TZ00BANK0003,bank_account\n',
    );
    let out = '';
    const code = await run(
      [
        'payments',
        'disburse',
        file,
        '--rail',
        'simulator',
        '--count',
        '3',
        '--sum',
        '67.50',
        '--export',
        join(folder, 'report.csv'),
      ],
      { out: (text) => (out += text), err: (text) => (out += text) },
      [payments],
    );
    expect(code, out).toBe(0);
    expect(out).toMatch(/paid\s+3\s+67\.50/);
    expect(out).toContain('balanced   yes');
    const report = await readFile(join(folder, 'report.csv'), 'utf8');
    expect(report.trim().split('\n')).toHaveLength(4);
  });

  it('refuses a file whose control totals do not match', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gb-payments-'));
    const file = join(folder, 'batch.csv');
    await writeFile(
      file,
      'instruction_id,payee_functional_id,amount,currency,financial_address\nI-1,P-1,1.00,USD,+1\n',
    );
    let out = '';
    const code = await run(
      ['payments', 'disburse', file, '--count', '1', '--sum', '2.00'],
      { out: (text) => (out += text), err: (text) => (out += text) },
      [payments],
    );
    expect(code).toBe(1);
    expect(out).toContain('rejected');
  });
});

describe('govblocks serve payments', () => {
  it('serves the v3 G2P routes beside the legacy ones', async () => {
    const errors: string[] = [];
    const server = await payments.serve!({
      port: 0,
      host: '127.0.0.1',
      seed: false,
      flags: {},
      io: { out: () => {}, err: (text) => errors.push(text) },
    });
    try {
      const register = await fetch(`${server.url}/identityAccountMapper/beneficiary`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          RequestID: 'REQ000000001',
          Beneficiaries: [
            { payeeIdentity: 'PAYEE-CLI-1', PaymentModality: '01', FinancialAddress: '+1555001' },
          ],
        }),
      });
      expect(register.status).toBe(200);
      const batch = await fetch(`${server.url}/batchtransactions?type=raw`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'X-CorrelationID': 'CORR-CLI-1',
          'Platform-TenantId': 'gov',
        },
        body: JSON.stringify([
          {
            requestId: 'I1',
            creditParty: [{ key: 'payeeIdentity', value: 'PAYEE-CLI-1' }],
            debitParty: [],
            paymentMode: 'mobile_money',
            amount: 12.5,
            currency: 'USD',
          },
        ]),
      });
      expect(batch.status).toBe(202);
      const { batchId } = (await batch.json()) as { batchId: string };
      const summary = await fetch(`${server.url}/api/v1/batch?batchId=${batchId}`);
      expect(await summary.json()).toMatchObject({
        TotalTransactions: 1,
        state: 'awaiting_approval',
      });
      const validation = await fetch(`${server.url}/beneficiaries?command=validate`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'X-Client-Correlation-ID': 'VAL-CLI-1',
          'X-Registering-Institution-ID': 'MIN-SOCIAL',
        },
        body: JSON.stringify({
          batchId: 'VB-CLI-1',
          destinationDFSPID: 'DFSP1',
          creditInstructions: [{ instructionID: 'V1', financialAddress: 'TZ00BANK0001' }],
        }),
      });
      expect(await validation.json()).toMatchObject({ numberOfFailedCases: 0 });
    } finally {
      await server.close();
    }
  });
});
