/**
 * A worker that disburses a batch and may be killed at any moment (SIGKILL) by crash.test.ts.
 * Usage: node --import tsx crash-worker.ts <database-url> <schema> <batch-id> <seed>
 */
import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { createPostgresClient } from '@govblocks/core/sql';
import { createPaymentService, simulatorRail } from '@govblocks/payments';
import { sqlPaymentStore, sqlSimulatorLedger } from '@govblocks/payments/sql';

const [url, schema, batchId, seed] = process.argv.slice(2);
if (!url || !schema || !batchId)
  throw new Error('usage: crash-worker <url> <schema> <batch-id> <seed>');
const client = await createPostgresClient({ url, schema, max: 4 });
const store = await sqlPaymentStore(client);
const rail = simulatorRail({
  name: 'sim',
  seed: Number(seed ?? 1),
  latencyMs: [0, 4],
  failureRate: 0.02,
  timeoutRate: 0.05,
  lostRate: 0.02,
  unavailableRate: 0.02,
  asyncRate: 0.1,
  settleMs: 20,
  duplicateCallbackRate: 0.2,
  earlyCallbackRate: 0.1,
  ledger: sqlSimulatorLedger(client),
});
const service = createPaymentService({ store, rails: { sim: rail }, audit: memoryAuditSink() });
const worker: ActorContext = { actor: { type: 'service', id: 'crash-worker', roles: [] } };
process.stdout.write('ready\n');
const result = await service.processBatch(worker, batchId, {
  chunkSize: 50,
  concurrency: 8,
  maxAttempts: 30,
  pollIntervalMs: 5,
});
process.stdout.write(`done ${result.batchState}\n`);
rail.close();
await client.close();
