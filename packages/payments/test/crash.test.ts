import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { openDatabase, type SqlClient } from '@govblocks/core/sql';
import { openTestDatabase, type TestDatabase } from '@govblocks/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createPaymentService } from '../src/engine/payment-service.js';
import { simulatorRail } from '../src/rails/simulator.js';
import { sqlPaymentStore, sqlSimulatorLedger } from '../src/sql/sql-store.js';

/**
 * Kill a worker process with SIGKILL at random points while it disburses a batch, resume each
 * time, and check that every instruction ends paid exactly once (by the rail's own ledger, kept
 * in the same database) or failed with a reason, that reconciliation agrees with the rail, and
 * that no audit event and no payment-status event was lost (the worker's audit sink and status
 * consumer write to the same database).
 *
 * Runs on PostgreSQL with DATABASE_URL: PAYMENTS_CRASH_SIZE instructions (default 10,000),
 * PAYMENTS_CRASH_KILLS kills (default 20). And on embedded PGlite stored in a folder (the
 * default store), smaller by default because every worker start opens PGlite anew (about 5 s
 * per run on a shared 2-core machine): PAYMENTS_CRASH_PGLITE_SIZE (default 1,000) and
 * PAYMENTS_CRASH_PGLITE_KILLS (default 10); 2,000 × 20 passed in 124 s. By default the PGlite
 * run happens when DATABASE_URL is unset; PAYMENTS_CRASH_KINDS=pglite,postgres picks both.
 */
const scale = {
  postgres: {
    size: Number(process.env.PAYMENTS_CRASH_SIZE ?? 10_000),
    kills: Number(process.env.PAYMENTS_CRASH_KILLS ?? 20),
  },
  pglite: {
    size: Number(process.env.PAYMENTS_CRASH_PGLITE_SIZE ?? 1000),
    kills: Number(process.env.PAYMENTS_CRASH_PGLITE_KILLS ?? 10),
  },
};
// With a server, CI runs the full size there and skips the slower PGlite run (set
// PAYMENTS_CRASH_KINDS=pglite,postgres to run both).
const kinds = (
  process.env.PAYMENTS_CRASH_KINDS ?? (process.env.DATABASE_URL ? 'postgres' : 'pglite')
)
  .split(',')
  .filter((kind) => kind !== 'postgres' || process.env.DATABASE_URL);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const workerPath = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));
const maker: ActorContext = { actor: { type: 'operator', id: 'maker', roles: [] } };

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs the worker; with `killAfter`, kills it (SIGKILL) once it has claimed that many
 * instructions, after a further random 0–25 ms so the kill lands anywhere in the code.
 */
function runWorker(
  url: string,
  schema: string,
  batchId: string,
  seed: number,
  killAfter?: number,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', workerPath, url, schema, batchId, String(seed)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let claimed = 0;
    let armed = false;
    child.stdout.on('data', (data: Buffer) => {
      const text = data.toString();
      output += text;
      for (const match of text.matchAll(/claimed (\d+)/g)) claimed += Number(match[1]);
      if (killAfter !== undefined && !armed && claimed >= killAfter) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 25));
      }
    });
    child.stderr.on('data', (data: Buffer) => {
      output += data.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output: output.slice(-2000) }));
  });
}

/** Registers payees, ingests and approves a batch of `size` (in the test process). */
async function setup(client: SqlClient, size: number): Promise<string> {
  const store = await sqlPaymentStore(client);
  await client.execute(`
    create table crash_audit (event_id text not null, action text not null, subject_id text, details jsonb);
    create table crash_status (event_id text primary key, type text not null, deliveries integer not null);`);
  const service = createPaymentService({
    store,
    rails: { sim: simulatorRail({ name: 'sim', ledger: sqlSimulatorLedger(client) }) },
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
  await service.approveBatch({ actor: { type: 'operator', id: 'c1', roles: [] } }, batch.batchId);
  await service.approveBatch({ actor: { type: 'operator', id: 'c2', roles: [] } }, batch.batchId);
  service.close();
  return batch.batchId;
}

/** Kills the worker `kills` times at random claim counts, then lets one run to the end. */
async function crashAndResume(
  url: string,
  schema: string,
  batchId: string,
  { size, kills }: { size: number; kills: number },
) {
  let killed = 0;
  let finished = 0;
  // A kill point per run, uniform up to 1.2 × an even share: about 60 % of the batch is
  // claimed across the killed runs, so every kill lands mid-batch.
  const share = (1.2 * size) / kills;
  for (let run = 0; killed < kills && run < kills * 2; run++) {
    const killAfter = 1 + Math.floor(Math.random() * share);
    const result = await runWorker(url, schema, batchId, 1000 + run, killAfter);
    if (result.signal === 'SIGKILL') killed += 1;
    else {
      expect(result.output, result.output).toContain('done');
      finished += 1;
    }
  }
  const last = await runWorker(url, schema, batchId, 9999);
  expect(last.code, last.output).toBe(0);
  return { killed, finished };
}

/** The books after the crashes: engine, rail, audit trail and status events all agree. */
async function check(client: SqlClient, batchId: string, size: number) {
  const store = await sqlPaymentStore(client);
  const service = createPaymentService({
    store,
    rails: { sim: simulatorRail({ name: 'sim', ledger: sqlSimulatorLedger(client) }) },
    audit: memoryAuditSink(),
  });
  const reconciliation = await service.reconcile(maker, batchId);
  expect(reconciliation.batchState).toBe('completed');
  expect(reconciliation.balanced).toBe(true);
  const open = ['pending', 'submitting', 'unknown', 'accepted', 'cancelled'] as const;
  for (const state of open) expect(reconciliation.byState[state].count).toBe(0);
  expect(reconciliation.byState.paid.count + reconciliation.byState.failed.count).toBe(size);

  // Kills landed while instructions were in flight (claimed, outcome not yet recorded).
  const totals = await store.totals(batchId);
  expect(totals.attempts.recover).toBeGreaterThan(0);

  // The rail's books, in the same database: paid exactly once, amounts agree.
  const mismatches = await client.query<{ n: number }>(
    `select count(*)::integer as n
     from payments_instructions i
     left join payments_simulator_ledger l on l.idempotency_key = i.idempotency_key
     where (i.state = 'paid' and (l.status is distinct from 'paid' or l.amount <> i.amount))
        or (i.state = 'failed' and (l.status = 'paid' or i.failure_reason is null))`,
  );
  expect(mismatches.rows[0]!.n).toBe(0);
  const ledger = await client.query<{ n: number; total: number }>(
    `select count(*)::integer as n, coalesce(sum(amount), 0)::bigint as total from payments_simulator_ledger where status = 'paid'`,
  );
  expect(Number(ledger.rows[0]!.n)).toBe(reconciliation.byState.paid.count);
  expect(Number(ledger.rows[0]!.total)).toBe(reconciliation.byState.paid.sum);

  // Nothing left in the outbox: every audit event forwarded, every status event acknowledged.
  expect(await store.outboxBacklog('audit')).toBe(0);
  expect(await store.outboxBacklog('status')).toBe(0);

  // The audit trail, per instruction, matches the state it committed with: one `submitting`
  // event per claim (the attempts counter), one `unknown` (recover) event per recovery in the
  // attempts ledger, and one event for the final state.
  const audit = await client.query<{ n: number }>(
    `with events as (
       select distinct on (event_id) event_id, action, subject_id, details from crash_audit
       where action like 'payment.instruction.%'),
     per as (
       select subject_id,
              count(*) filter (where action = 'payment.instruction.submitting') as submitting,
              count(*) filter (where details->>'event' = 'recover') as recovered,
              count(*) filter (where action in ('payment.instruction.paid', 'payment.instruction.failed')) as final,
              max(action) filter (where action in ('payment.instruction.paid', 'payment.instruction.failed')) as final_action
       from events group by subject_id),
     recovers as (
       select instruction_id, count(*) as n from payments_attempts
       where batch_id = $1 and kind = 'recover' group by instruction_id)
     select count(*)::integer as n
     from payments_instructions i
     left join per on per.subject_id = i.batch_id || '/' || i.instruction_id
     left join recovers r on r.instruction_id = i.instruction_id
     where i.batch_id = $1 and (
       per.subject_id is null
       or per.submitting <> i.attempts
       or per.recovered <> coalesce(r.n, 0)
       or per.final <> 1
       or per.final_action <> 'payment.instruction.' || i.state)`,
    [batchId],
  );
  expect(audit.rows[0]!.n).toBe(0);
  const batchEvents = await client.query<{ action: string }>(
    `select distinct action from crash_audit where subject_id = $1`,
    [batchId],
  );
  expect(batchEvents.rows.map((row) => row.action)).toEqual(
    expect.arrayContaining(['payment.batch.processing', 'payment.batch.completed']),
  );
  const repeats = await client.query<{ n: number }>(
    'select (count(*) - count(distinct event_id))::integer as n from crash_audit',
  );

  // Status events: exactly the final state of each instruction, and the completion.
  const status = await client.query<{ n: number }>(
    `select count(*)::integer as n from payments_instructions i
     full join crash_status s on s.event_id = i.batch_id || '/' || i.instruction_id || '/' || i.state
     where (i.batch_id = $1 and s.event_id is null)
        or (i.batch_id is null and s.event_id <> $1 || '/completed')`,
    [batchId],
  );
  expect(status.rows[0]!.n).toBe(0);
  const completed = await client.query('select 1 from crash_status where event_id = $1', [
    `${batchId}/completed`,
  ]);
  expect(completed.rows).toHaveLength(1);
  const redelivered = await client.query<{ n: number }>(
    'select coalesce(sum(deliveries - 1), 0)::integer as n from crash_status',
  );
  service.close();
  return {
    auditRepeats: repeats.rows[0]!.n,
    statusRedeliveries: Number(redelivered.rows[0]!.n),
    recovered: totals.attempts.recover,
  };
}

describe.skipIf(!kinds.includes('postgres'))(
  'crash test: SIGKILL while disbursing (PostgreSQL)',
  () => {
    let db: TestDatabase;
    afterAll(async () => {
      await db?.close();
    });
    const { size, kills } = scale.postgres;

    it(`pays ${size} instructions exactly once across ${kills} kills, losing no event`, {
      timeout: 600_000,
    }, async () => {
      const started = Date.now();
      db = await openTestDatabase('postgres');
      const batchId = await setup(db.client, size);
      const runs = await crashAndResume(
        process.env.DATABASE_URL!,
        db.schema,
        batchId,
        scale.postgres,
      );
      expect(runs.killed).toBeGreaterThanOrEqual(kills);
      const figures = await check(db.client, batchId, size);
      const seconds = Math.round((Date.now() - started) / 1000);
      console.info(`[crash/postgres] ${size} instructions`, { ...runs, ...figures, seconds });
    });
  },
);

describe.skipIf(!kinds.includes('pglite'))(
  'crash test: SIGKILL while disbursing (embedded PGlite in a folder)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'payments-crash-'));
    const url = pathToFileURL(dir).href;
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const { size, kills } = scale.pglite;

    it(`pays ${size} instructions exactly once across ${kills} kills, losing no event`, {
      timeout: 600_000,
    }, async () => {
      const started = Date.now();
      // PGlite is one process: the test opens the folder only while no worker runs.
      const before = await openDatabase(url);
      const batchId = await setup(before, size);
      await before.close();
      const runs = await crashAndResume(url, '-', batchId, scale.pglite);
      expect(runs.killed).toBeGreaterThanOrEqual(kills);
      const after = await openDatabase(url);
      try {
        const figures = await check(after, batchId, size);
        const seconds = Math.round((Date.now() - started) / 1000);
        console.info(`[crash/pglite] ${size} instructions`, { ...runs, ...figures, seconds });
      } finally {
        await after.close();
      }
    });
  },
);
