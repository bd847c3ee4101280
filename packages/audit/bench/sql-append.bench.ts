import {
  openTestDatabase,
  type TestDatabase,
  type TestDatabaseKind,
  testDatabaseKinds,
} from '@govblocks/core/testing';
import { type Comparison, defineBench, type Report } from '../../../tools/bench/harness.js';
import { toHex } from '../src/encoding.js';
import { createAuditLog } from '../src/engine/audit-log.js';
import type { AuditLog, PreparedLeaf } from '../src/ports.js';
import { sqlAuditStore } from '../src/sql/sql-store.js';
import { benchEvents, preparedLeaves } from './fixtures.js';

// Batched append through the whole log (validation, canonical bytes, hashing, the head-row
// sequencer, leaves + subtree nodes + head update in one transaction) against a raw batched
// INSERT of the same rows into an identical table with the same indexes.
const batch = Number(process.env.AUDIT_BENCH_BATCH ?? 1_000);

function comparison(kind: TestDatabaseKind): Comparison {
  let db: TestDatabase;
  let log: AuditLog;
  let offset = 0;
  let rawOffset = 0;
  const rawRows = preparedLeaves(batch);
  const insertRaw = async (leaves: PreparedLeaf[]) => {
    const rows = leaves.map((leaf, position) => ({
      idx: rawOffset + position,
      leaf: leaf.leaf,
      leaf_hash: toHex(leaf.leafHash),
      nodes: '',
      event_id: leaf.fields.id,
      time: leaf.fields.time,
      block: leaf.fields.block,
      action: leaf.fields.action,
      actor_id: leaf.fields.actorId,
      subject: leaf.fields.subjectPseudonym ?? null,
      outcome: leaf.fields.outcome,
    }));
    rawOffset += leaves.length;
    await db.client.query(
      `insert into bench_raw (idx, leaf, leaf_hash, nodes, event_id, time, block, action, actor_id, subject, outcome)
       select idx, leaf, decode(leaf_hash, 'hex'), decode(nodes, 'hex'), event_id, time, block, action, actor_id, subject, outcome
       from json_to_recordset($1::json) as r(idx bigint, leaf text, leaf_hash text, nodes text, event_id uuid,
         time timestamptz, block text, action text, actor_id text, subject text, outcome text)`,
      [JSON.stringify(rows)],
    );
  };
  return {
    name: `batched append to ${kind} (${batch} per op) vs raw batched INSERT of the same rows`,
    time: 3_000,
    iterations: 5,
    async setup() {
      db = await openTestDatabase(kind);
      log = createAuditLog({
        store: await sqlAuditStore(db.client),
        origin: 'bench.example/audit',
        maxBatch: batch,
      });
      await db.client.execute('create table bench_raw (like audit_leaves including all)');
    },
    async teardown() {
      await db.close();
    },
    baseline: {
      name: 'raw INSERT … json_to_recordset',
      operations: batch,
      // The raw baseline gets its rows already canonicalised and hashed: only the INSERT is timed.
      fn: () => insertRaw(rawRows),
    },
    subject: {
      name: 'AuditLog.append ×batch (group commit)',
      operations: batch,
      fn: async () => {
        const events = benchEvents(batch, offset);
        offset += batch;
        await Promise.all(events.map((event) => log.append(event)));
      },
    },
    target: { ratio: 0.5 },
  };
}

/**
 * Sustained throughput: several producers append continuously (as the engines of a busy service
 * would), so group commit overlaps preparing the next batch with writing the current one.
 */
function sustained(kind: TestDatabaseKind): Report {
  const producers = 4;
  const seconds = Number(process.env.AUDIT_BENCH_SECONDS ?? 5);
  return {
    name: `sustained appends to ${kind}: ${producers} producers × bursts of 250 for ${seconds} s`,
    async run() {
      const db = await openTestDatabase(kind);
      try {
        const log = createAuditLog({
          store: await sqlAuditStore(db.client),
          origin: 'bench.example/audit',
          maxBatch: 2_000,
        });
        let next = 0;
        let appended = 0;
        const deadline = performance.now() + seconds * 1000;
        const start = performance.now();
        await Promise.all(
          Array.from({ length: producers }, async () => {
            while (performance.now() < deadline) {
              const events = benchEvents(250, next);
              next += 250;
              await Promise.all(events.map((event) => log.append(event)));
              appended += 250;
            }
          }),
        );
        const elapsed = (performance.now() - start) / 1000;
        const head = await log.head();
        if (head.size !== appended) throw new Error(`size ${head.size} ≠ ${appended} appended`);
        return [
          {
            label: 'appends/s',
            value: `${Math.round(appended / elapsed).toLocaleString('en-US')} (${appended.toLocaleString('en-US')} in ${elapsed.toFixed(1)} s; goal ≥ 20,000 on PostgreSQL)`,
          },
        ];
      } finally {
        await db.close();
      }
    },
  };
}

export default defineBench(
  ...testDatabaseKinds().flatMap((kind) => [comparison(kind), sustained(kind)]),
);
