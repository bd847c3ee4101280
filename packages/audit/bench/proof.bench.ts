import { createPgliteClient, createPostgresClient, type SqlClient } from '@govblocks/core/sql';
import { defineBench } from '../../../tools/bench/harness.js';
import { createAuditLog } from '../src/engine/audit-log.js';
import { sqlAuditStore } from '../src/sql/sql-store.js';
import { verifyConsistency, verifyInclusion } from '../src/tree/merkle.js';
import { preparedLeaves } from './fixtures.js';

// Inclusion (and consistency) proof latency from the sql store at a large size.
// AUDIT_BENCH_PROOF_SIZE=1000000 for the figure; the default keeps `pnpm bench` quick.
// PostgreSQL when DATABASE_URL is set (in a throw-away schema), PGlite otherwise.
const size = Number(process.env.AUDIT_BENCH_PROOF_SIZE ?? 100_000);
const samples = 1_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export default defineBench({
  name: `inclusion proof from the sql store at ${size.toLocaleString('en-US')} entries`,
  async run() {
    const url = process.env.DATABASE_URL;
    const schema = `gb_bench_${process.pid}`;
    let client: SqlClient;
    if (url) {
      const admin = await createPostgresClient({ url, max: 1 });
      await admin.execute(`drop schema if exists ${schema} cascade; create schema ${schema}`);
      await admin.close();
      client = await createPostgresClient({ url, schema, max: 4 });
    } else {
      client = await createPgliteClient();
    }
    try {
      const store = await sqlAuditStore(client);
      const log = createAuditLog({ store, origin: 'bench.example/audit' });
      const fillStart = performance.now();
      const chunk = 5_000;
      for (let from = 0; from < size; from += chunk)
        await store.append(preparedLeaves(Math.min(chunk, size - from), from));
      const fillSeconds = (performance.now() - fillStart) / 1000;
      const head = await log.head();
      // An auditor proves against a checkpoint's size (one read); without a size the log reads
      // its head first (two reads).
      const times: number[] = [];
      const timesAtHead: number[] = [];
      for (let sample = 0; sample < samples; sample++) {
        const index = Math.floor(Math.random() * size);
        let start = performance.now();
        const proof = await log.inclusionProof(index, head.size);
        times.push(performance.now() - start);
        if (!verifyInclusion(proof.leafHash, index, head.size, proof.path, head.rootHash))
          throw new Error(`proof ${index} failed`);
        start = performance.now();
        await log.inclusionProof(index);
        timesAtHead.push(performance.now() - start);
      }
      const consistencyTimes: number[] = [];
      for (let sample = 0; sample < 200; sample++) {
        const first = 1 + Math.floor(Math.random() * (size - 1));
        const start = performance.now();
        const proof = await log.consistencyProof(first);
        consistencyTimes.push(performance.now() - start);
        if (
          !verifyConsistency(first, head.size, proof.path, await log.rootAt(first), head.rootHash)
        )
          throw new Error('consistency failed');
      }
      times.sort((a, b) => a - b);
      timesAtHead.sort((a, b) => a - b);
      consistencyTimes.sort((a, b) => a - b);
      const ms = (value: number) => `${value.toFixed(3)} ms`;
      return [
        { label: 'database', value: url ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (in memory)' },
        {
          label: 'fill (store.append, 5,000 per batch)',
          value: `${fillSeconds.toFixed(1)} s, ${Math.round(size / fillSeconds).toLocaleString('en-US')} leaves/s`,
        },
        {
          label: `inclusion proof at a given size (${samples} random leaves) mean / p50 / p99`,
          value: `${ms(times.reduce((a, b) => a + b, 0) / times.length)} / ${ms(percentile(times, 0.5))} / ${ms(percentile(times, 0.99))}  (target ≤ 2 ms)`,
        },
        {
          label: 'inclusion proof at the current size (head + nodes) p50 / p99',
          value: `${ms(percentile(timesAtHead, 0.5))} / ${ms(percentile(timesAtHead, 0.99))}`,
        },
        {
          label: 'consistency proof (200 random sizes) p50 / p99',
          value: `${ms(percentile(consistencyTimes, 0.5))} / ${ms(percentile(consistencyTimes, 0.99))}`,
        },
      ];
    } finally {
      if (url) await client.execute(`drop schema if exists ${schema} cascade`);
      await client.close();
    }
  },
});
