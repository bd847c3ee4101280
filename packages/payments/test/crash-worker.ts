/**
 * A worker that disburses a batch and may be killed at any moment (SIGKILL) by crash.test.ts.
 * Usage: node --import tsx crash-worker.ts <database-url> <schema|-> <batch-id> <seed>
 * (`postgres://…` with a schema, or `file://<dir>` for embedded PGlite).
 *
 * Its audit sink and its status-event consumer write to tables in the same database, so the test
 * can check after the crashes that no event was lost. It prints `claimed <n>` after every claim
 * (the test kills it at a random one) and `done` at the end.
 */
import type { ActorContext, AuditEventInput, AuditSink } from '@govblocks/core';
import { openDatabase } from '@govblocks/core/sql';
import {
  createPaymentService,
  type PaymentStatusEvent,
  type PaymentStore,
  simulatorRail,
} from '@govblocks/payments';
import { sqlPaymentStore, sqlSimulatorLedger } from '@govblocks/payments/sql';

const [url, schema, batchId, seed] = process.argv.slice(2);
if (!url || !schema || !batchId)
  throw new Error('usage: crash-worker <url> <schema|-> <batch-id> <seed>');
const client = await openDatabase(url, { max: 4, ...(schema === '-' ? {} : { schema }) });
const inner = await sqlPaymentStore(client);
const store: PaymentStore = {
  ...inner,
  async claimPending(...args) {
    const claimed = await inner.claimPending(...args);
    if (claimed.length > 0) process.stdout.write(`claimed ${claimed.length}\n`);
    return claimed;
  },
};
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
/**
 * A durable audit sink: one row per forwarded event (a repeat shows as a second row). Events
 * recorded in the same tick are inserted together, and each `record` resolves once its insert
 * committed (like a batching log).
 */
let queue: Array<{ event: AuditEventInput; done: (error?: unknown) => void }> = [];
const audit: AuditSink = {
  record(event) {
    return new Promise<void>((resolve, reject) => {
      if (queue.length === 0) {
        setImmediate(() => {
          const batch = queue;
          queue = [];
          client
            .query(
              `insert into crash_audit (event_id, action, subject_id, details)
               select e.event_id, e.action, e.subject_id, e.details
               from jsonb_to_recordset($1::jsonb) as e(event_id text, action text, subject_id text, details jsonb)`,
              [
                JSON.stringify(
                  batch.map(({ event }) => ({
                    event_id: event.details?.eventId,
                    action: event.action,
                    subject_id: event.subject?.id ?? null,
                    details: event.details,
                  })),
                ),
              ],
            )
            .then(
              () => {
                for (const item of batch) item.done();
              },
              (error: unknown) => {
                for (const item of batch) item.done(error);
              },
            );
        });
      }
      queue.push({ event, done: (error) => (error ? reject(error) : resolve()) });
    });
  },
};
const ttlMs = 1000;
const service = createPaymentService({
  store,
  rails: { sim: rail },
  audit,
  lease: { ttlMs, waitMs: 10_000 },
});
/** The status consumer: counts deliveries per event id, a committed group at a time. */
const consume = async (events: readonly PaymentStatusEvent[]) => {
  await client.query(
    `insert into crash_status (event_id, type, deliveries)
     select e.event_id, e.type, 1 from jsonb_to_recordset($1::jsonb) as e(event_id text, type text)
     on conflict (event_id) do update set deliveries = crash_status.deliveries + 1`,
    [JSON.stringify(events.map((event) => ({ event_id: event.eventId, type: event.type })))],
  );
};
const stop = service.statusEvents.subscribeBatches(consume, { pollIntervalMs: 200 });
const worker: ActorContext = { actor: { type: 'service', id: 'crash-worker', roles: [] } };
process.stdout.write('ready\n');
const result = await service.processBatch(worker, batchId, {
  chunkSize: 100,
  concurrency: 16,
  maxAttempts: 30,
  pollIntervalMs: 5,
});
await stop();
await service.statusEvents.drainBatches(consume, { waitMs: 2 * ttlMs });
await service.flushAudit();
process.stdout.write(`done ${result.batchState}\n`);
rail.close();
service.close();
await client.close();
