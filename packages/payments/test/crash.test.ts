import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { openTestDatabase, type TestDatabase } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentService } from '../src/engine/payment-service.js';
import { simulatorRail } from '../src/rails/simulator.js';
import { sqlPaymentStore, sqlSimulatorLedger } from '../src/sql/sql-store.js';

/**
 * Kill a worker process with SIGKILL at random points while it disburses a batch, resume each
 * time, and check that every instruction ends paid exactly once (by the rail's own ledger, kept
 * in the same database) or failed with a reason, and that reconciliation agrees with the rail.
 *
 * Runs on PostgreSQL only (DATABASE_URL): embedded PGlite is one process and does not fsync.
 * Scale with PAYMENTS_CRASH_SIZE (default 2,000) and PAYMENTS_CRASH_KILLS (default 20).
 */
const size = Number(process.env.PAYMENTS_CRASH_SIZE ?? 2000);
const kills = Number(process.env.PAYMENTS_CRASH_KILLS ?? 20);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const workerPath = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));
const maker: ActorContext = { actor: { type: 'operator', id: 'maker', roles: [] } };

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runWorker(
  url: string,
  schema: string,
  batchId: string,
  seed: number,
  killAfterMs?: number,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', workerPath, url, schema, batchId, String(seed)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      if (killAfterMs !== undefined && timer === undefined && output.includes('ready')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe.skipIf(!process.env.DATABASE_URL)(
  'crash test: SIGKILL while disbursing (PostgreSQL)',
  () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await openTestDatabase('postgres');
    });
    afterAll(async () => {
      await db?.close();
    });

    it(`pays ${size} instructions exactly once across ${kills} kills`, {
      timeout: 180_000,
    }, async () => {
      const store = await sqlPaymentStore(db.client);
      const service = createPaymentService({
        store,
        rails: { sim: simulatorRail({ name: 'sim', ledger: sqlSimulatorLedger(db.client) }) },
        audit: memoryAuditSink(),
      });
      for (let start = 0; start < size; start += 1000) {
        await service.registerBeneficiaries(
          maker,
          Array.from({ length: Math.min(1000, size - start) }, (_, index) => ({
            functionalId: `B${start + index}`,
            modality: 'mobile_money' as const,
            financialAddress: `+1555${start + index}`,
            rail: 'sim',
          })),
        );
      }
      let csv = 'instruction_id,payee_functional_id,amount,currency\n';
      let sum = 0;
      for (let index = 0; index < size; index++) {
        const cents = 100 + (index % 997);
        sum += cents;
        csv += `I${index},B${index},${(cents / 100).toFixed(2)},USD\n`;
      }
      const batch = await service.createBatch(
        maker,
        { currency: 'USD', format: 'csv', control: { count: size, sum } },
        csv,
      );
      await service.approveBatch(
        { actor: { type: 'operator', id: 'c1', roles: [] } },
        batch.batchId,
      );
      await service.approveBatch(
        { actor: { type: 'operator', id: 'c2', roles: [] } },
        batch.batchId,
      );

      const url = process.env.DATABASE_URL!;
      let killed = 0;
      for (let run = 0; run < kills; run++) {
        const result = await runWorker(
          url,
          db.schema,
          batch.batchId,
          1000 + run,
          Math.floor(Math.random() * 250),
        );
        if (result.signal === 'SIGKILL') killed += 1;
        else expect(result.output, result.output).toContain('done');
      }
      const last = await runWorker(url, db.schema, batch.batchId, 9999);
      expect(last.code, last.output).toBe(0);
      expect(killed).toBeGreaterThanOrEqual(Math.min(kills, 10));

      // The engine's books.
      const reconciliation = await service.reconcile(maker, batch.batchId);
      expect(reconciliation.batchState).toBe('completed');
      expect(reconciliation.balanced).toBe(true);
      const open = ['pending', 'submitting', 'unknown', 'accepted', 'cancelled'] as const;
      for (const state of open) expect(reconciliation.byState[state].count).toBe(0);
      expect(reconciliation.byState.paid.count + reconciliation.byState.failed.count).toBe(size);

      // Kills landed while instructions were in flight (claimed, outcome not yet recorded).
      const totals = await store.totals(batch.batchId);
      expect(totals.attempts.recover).toBeGreaterThan(0);

      // The rail's books, in the same database: paid exactly once, amounts agree.
      const mismatches = await db.client.query<{ n: number }>(
        `select count(*)::integer as n
       from payments_instructions i
       left join payments_simulator_ledger l on l.idempotency_key = i.idempotency_key
       where (i.state = 'paid' and (l.status is distinct from 'paid' or l.amount <> i.amount))
          or (i.state = 'failed' and (l.status = 'paid' or i.failure_reason is null))`,
      );
      expect(mismatches.rows[0]!.n).toBe(0);
      const ledger = await db.client.query<{ n: number; total: number }>(
        `select count(*)::integer as n, coalesce(sum(amount), 0)::bigint as total from payments_simulator_ledger where status = 'paid'`,
      );
      expect(Number(ledger.rows[0]!.n)).toBe(reconciliation.byState.paid.count);
      expect(Number(ledger.rows[0]!.total)).toBe(reconciliation.byState.paid.sum);
    });
  },
);
