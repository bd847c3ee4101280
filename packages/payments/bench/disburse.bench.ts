/**
 * A batch through the engine to the zero-latency simulator rail, on PGlite and (with
 * DATABASE_URL) PostgreSQL: instructions/s and peak RSS, next to the raw baseline — the same
 * rows inserted, claimed and updated by plain batched SQL, without the engine — and the ratio.
 *
 * PAYMENTS_BENCH_SIZE scales it (default 20,000; the target run is 1,000,000);
 * PAYMENTS_BENCH_KINDS=postgres (or pglite) limits the databases.
 */
import type { AuditSink } from '@govblocks/core';
import type { SqlClient } from '@govblocks/core/sql';
import {
  openTestDatabase,
  type TestDatabaseKind,
  testDatabaseKinds,
} from '@govblocks/core/testing';
import { createPaymentService, simulatorRail } from '@govblocks/payments';
import { sqlPaymentStore } from '@govblocks/payments/sql';
import { defineBench, type Report } from '../../../tools/bench/harness.js';

const size = Number(process.env.PAYMENTS_BENCH_SIZE ?? 20_000);
const chunk = 1000;

/** Samples RSS while `fn` runs; returns its result, the seconds it took and the peak RSS in MB. */
async function measure<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; seconds: number; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 25);
  const started = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds: (performance.now() - started) / 1000, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The raw baseline: the same rows inserted, then claimed and settled range by range, in plain
 * batched SQL with the same indexes — no validation, no ledger, no audit. (A queue that finds
 * pending rows through an index on `state` is quadratic at this scale: dead index entries pile
 * up in front of every claim. The engine walks the seq index with a cursor instead.)
 */
async function rawBaseline(client: SqlClient): Promise<void> {
  await client.execute(`
    create table bench_raw (
      batch_id text not null, instruction_id text not null, seq integer not null, payee text not null,
      amount bigint not null, state text not null, attempts integer not null, rail_reference text,
      updated_at timestamptz not null, primary key (batch_id, instruction_id), unique (batch_id, payee))
      with (fillfactor = 70);
    create index bench_raw_seq on bench_raw (batch_id, seq);`);
  for (let start = 0; start < size; start += chunk) {
    const rows = Array.from({ length: Math.min(chunk, size - start) }, (_, index) => ({
      batch_id: 'raw',
      instruction_id: `I${start + index}`,
      seq: start + index + 1,
      payee: `P${start + index}`,
      amount: 100 + ((start + index) % 1000),
      state: 'pending',
      attempts: 0,
      updated_at: new Date().toISOString(),
    }));
    await client.query(
      `insert into bench_raw select * from jsonb_to_recordset($1::jsonb) as x(batch_id text, instruction_id text, seq integer,
         payee text, amount bigint, state text, attempts integer, rail_reference text, updated_at timestamptz)`,
      [JSON.stringify(rows)],
    );
  }
  await client.execute('analyze bench_raw');
  for (let from = 0; from < size; from += chunk) {
    const claimed = await client.query<{ instruction_id: string }>(
      `update bench_raw set state = 'submitting', attempts = attempts + 1, updated_at = now()
       where batch_id = 'raw' and seq > $1 and seq <= $2 and state = 'pending' returning instruction_id`,
      [from, from + chunk],
    );
    const changes = claimed.rows.map((row) => ({
      id: row.instruction_id,
      ref: `R${row.instruction_id}`,
    }));
    await client.query(
      `update bench_raw as b set state = 'paid', rail_reference = c.ref, updated_at = now()
       from jsonb_to_recordset($1::jsonb) as c(id text, ref text)
       where b.batch_id = 'raw' and b.instruction_id = c.id and b.state = 'submitting'`,
      [JSON.stringify(changes)],
    );
  }
}

/** An audit sink that counts (the bench measures the engine, not a log). */
function countingSink(): AuditSink & { count: number } {
  const sink = {
    count: 0,
    async record() {
      sink.count += 1;
    },
  };
  return sink;
}

async function engineRun(client: SqlClient) {
  const store = await sqlPaymentStore(client);
  // The rail is another system: its books must not count against the engine's memory.
  const rail = simulatorRail({
    name: 'sim',
    ledger: { record: async (entry) => entry, get: async () => undefined, entries: async () => [] },
  });
  const audit = countingSink();
  const service = createPaymentService({
    store,
    rails: { sim: rail },
    audit,
    approval: { defaultThreshold: Number.MAX_SAFE_INTEGER },
  });
  const maker = { actor: { type: 'operator' as const, id: 'maker', roles: [] } };
  for (let start = 0; start < size; start += chunk) {
    await service.registerBeneficiaries(
      maker,
      Array.from({ length: Math.min(chunk, size - start) }, (_, index) => ({
        functionalId: `P${start + index}`,
        modality: 'mobile_money' as const,
        financialAddress: `+1555${start + index}`,
        rail: 'sim',
      })),
    );
  }
  let sum = 0;
  function* rows() {
    for (let index = 0; index < size; index++) {
      const cents = 100 + (index % 1000);
      yield {
        instructionId: `I${index}`,
        payeeFunctionalId: `P${index}`,
        amount: (cents / 100).toFixed(2),
        currency: 'USD',
      };
    }
  }
  for (let index = 0; index < size; index++) sum += 100 + (index % 1000);
  audit.count = 0;
  const ingest = await measure(() =>
    service.createBatch(
      maker,
      { batchId: 'bench', currency: 'USD', format: 'json', control: { count: size, sum } },
      rows(),
    ),
  );
  await service.approveBatch({ actor: { type: 'operator', id: 'checker', roles: [] } }, 'bench');
  const processing = await measure(() =>
    service.processBatch(maker, 'bench', { chunkSize: chunk, concurrency: 64 }),
  );
  rail.close();
  if (processing.result.byState.paid.count !== size)
    throw new Error(`only ${processing.result.byState.paid.count} of ${size} paid`);
  return { ingest, processing, auditEvents: audit.count };
}

function report(kind: TestDatabaseKind): Report {
  return {
    name: `disburse ${size.toLocaleString('en-US')} instructions on ${kind} (zero-latency simulator)`,
    async run() {
      const baselineDb = await openTestDatabase(kind);
      const raw = await measure(() => rawBaseline(baselineDb.client));
      await baselineDb.close();
      const db = await openTestDatabase(kind);
      try {
        const engine = await engineRun(db.client);
        const rawRate = size / raw.seconds;
        const processRate = size / engine.processing.seconds;
        const endToEnd = size / (engine.ingest.seconds + engine.processing.seconds);
        return [
          {
            label: 'baseline plain batched SQL (insert, claim and settle by seq range)',
            value: `${Math.round(rawRate).toLocaleString('en-US')} rows/s`,
          },
          {
            label: 'subject engine ingest (validate, look up, insert)',
            value: `${Math.round(size / engine.ingest.seconds).toLocaleString('en-US')} rows/s`,
          },
          {
            label: 'subject engine disbursement (claim, submit, settle, ledger, audit)',
            value: `${Math.round(processRate).toLocaleString('en-US')} instructions/s`,
          },
          {
            label: 'subject engine end to end (ingest + disbursement)',
            value: `${Math.round(endToEnd).toLocaleString('en-US')} instructions/s`,
          },
          { label: 'ratio end to end ÷ baseline', value: (endToEnd / rawRate).toFixed(3) },
          {
            label: 'peak RSS during disbursement',
            value: `${Math.round(engine.processing.peakMb)} MB`,
          },
          { label: 'peak RSS during ingest', value: `${Math.round(engine.ingest.peakMb)} MB` },
          { label: 'audit events written', value: engine.auditEvents.toLocaleString('en-US') },
        ];
      } finally {
        await db.close();
      }
    },
  };
}

// PostgreSQL first: PGlite's WebAssembly heap stays in the process and would inflate its RSS.
const kinds = [...testDatabaseKinds()]
  .reverse()
  .filter(
    (kind) =>
      !process.env.PAYMENTS_BENCH_KINDS ||
      process.env.PAYMENTS_BENCH_KINDS.split(',').includes(kind),
  );
export default defineBench(...kinds.map(report));
