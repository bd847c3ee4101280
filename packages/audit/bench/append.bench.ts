import { createHash } from 'node:crypto';
import { defineBench } from '../../../tools/bench/harness.js';
import { createAuditLog } from '../src/engine/audit-log.js';
import { memoryAuditStore } from '../src/engine/memory-store.js';
import type { AuditLog } from '../src/ports.js';
import { benchEvents, canonicalJson } from './fixtures.js';

// Append to the memory store (zod validation, RFC 8785 canonical bytes, leaf hash, tree nodes,
// group commit) against the bare minimum any log must do: canonicalise and SHA-256 each event.
const batch = 1_000;
const events = benchEvents(batch);
let log: AuditLog;

export default defineBench({
  name: `append to memory (${batch} concurrent appends per op) vs canonicalize + SHA-256`,
  setup: () => {
    log = createAuditLog({
      store: memoryAuditStore(),
      origin: 'bench.example/audit',
      maxBatch: batch,
    });
  },
  baseline: {
    name: 'canonicalJson + sha256',
    operations: batch,
    fn: () => {
      for (const event of events) createHash('sha256').update(canonicalJson(event)).digest();
    },
  },
  subject: {
    name: 'AuditLog.append (memory)',
    operations: batch,
    fn: () => Promise.all(events.map((event) => log.append(event))),
  },
  target: { ratio: 0.5 },
});
