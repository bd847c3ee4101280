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
