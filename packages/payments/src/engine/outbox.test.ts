import {
  type ActorContext,
  type AuditEventInput,
  type AuditSink,
  memoryAuditSink,
  UnavailableError,
} from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentRail, PaymentStore } from '../ports.js';
import { simulatorRail } from '../rails/simulator.js';
import type { Batch, Instruction } from '../schemas.js';
import { sqlPaymentStore } from '../sql/sql-store.js';
import { memoryPaymentStore } from './memory-store.js';
import type { PaymentStatusEvent } from './outbox.js';
import { createPaymentService, instructionIdempotencyKey } from './payment-service.js';

const maker: ActorContext = { actor: { type: 'operator', id: 'maker', roles: [] } };
const checkers: ActorContext[] = [
  { actor: { type: 'operator', id: 'checker-1', roles: [] } },
  { actor: { type: 'operator', id: 'checker-2', roles: [] } },
];
const sleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

type Kind = 'memory' | ReturnType<typeof testDatabaseKinds>[number];
const kinds: Kind[] = ['memory', ...testDatabaseKinds()];

const batchOf = (batchId: string): Batch => ({
  batchId,
  state: 'processing',
  currency: 'USD',
  createdBy: 'maker',
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
  declared: { count: 2, sum: 200 },
  computed: { count: 2, sum: 200 },
  accepted: { count: 2, sum: 200 },
  held: { count: 0, sum: 0 },
  approvalsRequired: 1,
  approvals: [],
  version: 1,
});
const instructionOf = (batchId: string, index: number): Instruction => ({
  batchId,
  instructionId: `I${index}`,
  seq: index + 1,
  payeeFunctionalId: `P${index}`,
  amount: 100,
  currency: 'USD',
  rail: 'sim',
  modality: 'mobile_money',
  financialAddress: `+1555${index}`,
  state: 'pending',
  attempts: 0,
  idempotencyKey: instructionIdempotencyKey(batchId, `I${index}`),
  updatedAt: new Date(0).toISOString(),
});

async function setupBatch(
  service: ReturnType<typeof createPaymentService>,
  count: number,
  prefix = 'B',
) {
  await service.registerBeneficiaries(
    maker,
    Array.from({ length: count }, (_, index) => ({
      functionalId: `${prefix}${index}`,
      modality: 'mobile_money' as const,
      financialAddress: `+1555${index}`,
      rail: 'sim',
    })),
  );
  const rows = Array.from({ length: count }, (_, index) => ({
    instructionId: `I${index}`,
    payeeFunctionalId: `${prefix}${index}`,
    amount: '1.00',
    currency: 'USD',
  }));
  const batch = await service.createBatch(
    maker,
    { currency: 'USD', format: 'json', control: { count, sum: count * 100 } },
    rows,
  );
  for (const checker of checkers.slice(0, batch.approvalsRequired))
    await service.approveBatch(checker, batch.batchId);
  return batch.batchId;
}

describe.each(kinds)('outbox and leases on %s', (kind) => {
  let db: TestDatabase | undefined;
  let migrated = false;
  const freshStore = async (): Promise<PaymentStore> => {
    if (kind === 'memory') return memoryPaymentStore();
    if (migrated) {
      await db!.client.execute(
        'truncate payments_beneficiaries, payments_batches, payments_instructions, payments_attempts, payments_outbox, payments_leases',
      );
    } else {
      await db!.resetSchema();
      migrated = true;
    }
    return sqlPaymentStore(db!.client);
  };
  beforeAll(async () => {
    if (kind !== 'memory') db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('writes the outbox with the change, or nothing at all', async () => {
    const store = await freshStore();
    const audit = (id: string) => ({ topic: 'audit' as const, id, payload: { id } });
    await store.createBatch(batchOf('X'), { outbox: () => [audit('created')] });
    await store.insertInstructions([instructionOf('X', 0), instructionOf('X', 1)]);
    // A stale compare-and-set writes no events.
    expect(
      await store.updateBatch({ ...batchOf('X'), version: 3 }, 2, {
        outbox: () => [audit('stale')],
      }),
    ).toBe(false);
    // A failure while building the events rolls the change back.
    await expect(
      store.claimPending('X', 10, new Date(), -1, {
        outbox: () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect((await store.getInstruction('X', 'I0'))?.state).toBe('pending');
    const claimed = await store.claimPending('X', 10, new Date(), -1, {
      outbox: (rows) => rows.map((row) => audit(`claim-${row.instructionId}`)),
    });
    expect(claimed.map((row) => row.state)).toEqual(['submitting', 'submitting']);
    const change = (id: string) => ({
      batchId: 'X',
      instructionId: id,
      from: 'submitting' as const,
      to: 'paid' as const,
    });
    const attempt = {
      batchId: 'X',
      instructionId: 'I0',
      kind: 'submit' as const,
      attempt: 1,
      outcome: 'paid' as const,
      at: new Date().toISOString(),
    };
    await expect(
      store.applyChanges([change('I0')], [attempt], new Date(), {
        outbox: () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect((await store.getInstruction('X', 'I0'))?.state).toBe('submitting');
    expect(await store.listAttempts('X')).toEqual([]);
    // Only the changes that applied get events (I1 is listed twice: the second is stale).
    const applied = await store.applyChanges(
      [change('I0'), change('I1'), change('I1')],
      [attempt],
      new Date(),
      {
        outbox: (ids) => [
          ...[...ids].map((id) => audit(`paid-${id}`)),
          { topic: 'status' as const, id: 'S1', payload: { ids: [...ids].sort() } },
        ],
      },
    );
    expect([...applied].sort()).toEqual(['I0', 'I1']);
    const entries = await store.readOutbox('audit', 10);
    expect(entries.map((entry) => entry.events.map((event) => event.id))).toEqual([
      ['created'],
      ['claim-I0', 'claim-I1'],
      ['paid-I0', 'paid-I1'],
    ]);
    expect(entries[0]!.position).toBeLessThan(entries[1]!.position);
    const status = await store.readOutbox('status', 10);
    expect(status.map((entry) => entry.events)).toEqual([
      [{ id: 'S1', payload: { ids: ['I0', 'I1'] } }],
    ]);
    expect(await store.outboxBacklog('audit')).toBe(5);

    // Acknowledgements: partial, then complete (the entry goes); idempotent.
    await store.acknowledgeOutbox('audit', [{ position: entries[1]!.position, acknowledged: 1 }]);
    expect(await store.outboxBacklog('audit')).toBe(4);
    expect((await store.readOutbox('audit', 10))[1]!.acknowledged).toBe(1);
    const all = entries.map((entry) => ({ position: entry.position, acknowledged: 2 }));
    await store.acknowledgeOutbox('audit', all);
    await store.acknowledgeOutbox('audit', all);
    expect(await store.readOutbox('audit', 10)).toEqual([]);
    expect(await store.outboxBacklog('audit')).toBe(0);
    expect(await store.outboxBacklog('status')).toBe(1);
  });

  it('reads back exactly the events it stored, whatever their payloads', async () => {
    const store = await freshStore();
    await store.createBatch(batchOf('J'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 6 }),
        async (payloads) => {
          const events = payloads.map((payload, index) => ({
            topic: 'status' as const,
            id: `E${index}`,
            payload,
          }));
          const before = (await store.readOutbox('status', 1000)).length;
          await store.updateBatch(batchOf('J'), 1, { outbox: () => events });
          const entries = await store.readOutbox('status', 1000);
          expect(entries).toHaveLength(before + 1);
          // JSON semantics (-0 is 0 once stored as JSON; the memory store keeps -0).
          expect(JSON.parse(JSON.stringify(entries.at(-1)!.events))).toEqual(
            JSON.parse(JSON.stringify(events.map(({ id, payload }) => ({ id, payload })))),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives a lease to one holder at a time and fences out a holder that lost it', async () => {
    const store = await freshStore();
    await store.createBatch(batchOf('L'));
    await store.insertInstructions([instructionOf('L', 0), instructionOf('L', 1)]);
    const a = await store.acquireLease('batch:L', 'worker-a', 150, new Date());
    expect(a).toBeDefined();
    expect(await store.acquireLease('batch:L', 'worker-b', 150, new Date())).toBeUndefined();
    expect(await store.renewLease(a!, 150, new Date())).toBe(true);
    // Worker A stops renewing (paused, partitioned, dead): its lease runs out and B takes over.
    await sleep(200);
    const b = await store.acquireLease('batch:L', 'worker-b', 10_000, new Date());
    expect(b!.token).toBeGreaterThan(a!.token);
    expect(await store.renewLease(a!, 150, new Date())).toBe(false);
    // A's writes are refused and leave nothing behind; B's go through.
    await expect(
      store.claimPending('L', 10, new Date(), -1, {
        fence: a!,
        outbox: () => [{ topic: 'audit', id: 'from-a', payload: {} }],
      }),
    ).rejects.toMatchObject({ code: 'PAYMENT_LEASE_LOST' });
    await expect(
      store.applyChanges(
        [{ batchId: 'L', instructionId: 'I0', from: 'pending', to: 'cancelled' }],
        [],
        new Date(),
        { fence: a! },
      ),
    ).rejects.toMatchObject({ code: 'PAYMENT_LEASE_LOST' });
    expect((await store.getInstruction('L', 'I0'))?.state).toBe('pending');
    expect(await store.readOutbox('audit', 10)).toEqual([]);
    expect(await store.claimPending('L', 10, new Date(), -1, { fence: b! })).toHaveLength(2);
    // A release lets the next worker in at once; the token keeps growing.
    await store.releaseLease(a!); // stale: no effect
    expect(await store.acquireLease('batch:L', 'worker-c', 150, new Date())).toBeUndefined();
    await store.releaseLease(b!);
    const c = await store.acquireLease('batch:L', 'worker-c', 150, new Date());
    expect(c!.token).toBeGreaterThan(b!.token);
  });

  it('delivers status events at least once, in order, and redelivers what a crash left unacknowledged', async () => {
    const store = await freshStore();
    const rail = simulatorRail({ name: 'sim', seed: 8, failureRate: 0.25, asyncRate: 0.3 });
    const make = (target: PaymentStore) =>
      createPaymentService({ store: target, rails: { sim: rail }, audit: memoryAuditSink() });
    const service = make(store);
    const batchId = await setupBatch(service, 30);
    const result = await service.processBatch(maker, batchId, { pollIntervalMs: 1 });
    expect(result.byState.paid.count + result.byState.failed.count).toBe(30);
    expect(await service.statusEvents.backlog()).toBe(31);

    // A consumer that fails on the 5th event: the first 4 are acknowledged, the rest wait.
    const seen: PaymentStatusEvent[] = [];
    await expect(
      service.statusEvents.drain((event) => {
        if (seen.length === 4) {
          seen.push(event);
          throw new Error('consumer down');
        }
        seen.push(event);
      }),
    ).rejects.toThrow('consumer down');
    expect(await service.statusEvents.backlog()).toBe(27);

    // A process that delivers and dies before acknowledging: the events come again.
    let crashes = 0;
    const crashing: PaymentStore = {
      ...store,
      async acknowledgeOutbox() {
        crashes += 1;
        throw new Error('killed before the acknowledgement');
      },
    };
    await expect(
      make(crashing).statusEvents.drain((event) => void seen.push(event)),
    ).rejects.toThrow('killed');
    expect(crashes).toBe(1);
    expect(await service.statusEvents.backlog()).toBe(27);

    // A fresh consumer gets everything that was not acknowledged, once.
    const rest: PaymentStatusEvent[] = [];
    expect(await make(store).statusEvents.drain((event) => void rest.push(event))).toBe(27);
    expect(await service.statusEvents.backlog()).toBe(0);
    expect(await service.statusEvents.drain(() => {})).toBe(0);

    // Nothing lost: every final instruction and the completion, by stable id.
    const delivered = new Set([...seen.slice(0, 4), ...rest].map((event) => event.eventId));
    expect(delivered.size).toBe(31);
    for (let index = 0; index < 30; index++) {
      const instruction = await service.getInstruction(maker, batchId, `I${index}`);
      expect(delivered.has(`${batchId}/I${index}/${instruction.state}`)).toBe(true);
    }
    expect(rest.at(-1)).toMatchObject({ type: 'payment.batch.completed', batchId });
    expect(rest.at(-1)).toMatchObject({ eventId: `${batchId}/completed` });
    // The redelivered event is the one the consumer failed on.
    expect(rest[0]!.eventId).toBe(seen[4]!.eventId);
    rail.close();
  });

  it('subscribes: events arrive as instructions settle', async () => {
    const store = await freshStore();
    const rail = simulatorRail({ name: 'sim', seed: 2 });
    const service = createPaymentService({ store, rails: { sim: rail }, audit: memoryAuditSink() });
    const batchId = await setupBatch(service, 12);
    const received: PaymentStatusEvent[] = [];
    const stop = service.statusEvents.subscribe((event) => void received.push(event), {
      pollIntervalMs: 20,
    });
    await service.processBatch(maker, batchId, { pollIntervalMs: 1 });
    for (let tries = 0; tries < 100 && received.length < 13; tries++) await sleep(10);
    await stop();
    expect(received.map((event) => event.type).filter((type) => type.includes('batch'))).toEqual([
      'payment.batch.completed',
    ]);
    expect(new Set(received.map((event) => event.eventId)).size).toBe(13);
    rail.close();
  });

  it('keeps audit events of committed changes when the sink is down, and forwards them later', async () => {
    const store = await freshStore();
    const rail = simulatorRail({ name: 'sim', seed: 1 });
    const events: AuditEventInput[] = [];
    let down = false;
    const audit: AuditSink = {
      async record(event) {
        if (down) throw new UnavailableError('[test] audit down');
        events.push(event);
      },
    };
    const service = createPaymentService({ store, rails: { sim: rail }, audit });
    await service.registerBeneficiaries(maker, [
      { functionalId: 'P1', modality: 'mobile_money', financialAddress: '+1', rail: 'sim' },
    ]);
    const batch = await service.createBatch(
      maker,
      { currency: 'USD', format: 'json', control: { count: 1, sum: 100 } },
      [{ instructionId: 'I1', payeeFunctionalId: 'P1', amount: '1.00', currency: 'USD' }],
    );
    down = true;
    await expect(service.approveBatch(checkers[0]!, batch.batchId)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    // The approval committed, its audit events with it (fail closed: the caller was told).
    expect((await service.getBatch(maker, batch.batchId)).approvals).toHaveLength(1);
    expect(await store.outboxBacklog('audit')).toBeGreaterThan(0);
    down = false;
    expect(await service.flushAudit()).toBeGreaterThan(0);
    expect(await store.outboxBacklog('audit')).toBe(0);
    const actions = events.map((event) => event.action);
    expect(actions).toContain('payment.batch.approval_recorded');
    // Every event carries a unique id (the relay is at least once; readers drop repeats by it).
    const ids = events.map((event) => event.details?.eventId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    rail.close();
  });

  it('lets a second worker take a batch over only when the first lost its lease; the first cannot write again', async () => {
    const store = await freshStore();
    const inner = simulatorRail({ name: 'sim', seed: 5 });
    // Worker A's rail hangs until released: A is stuck mid-batch (paused, partitioned).
    let releaseA!: () => void;
    const gateA = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const stuckRail: PaymentRail = {
      ...inner,
      async submit(transfer) {
        await gateA;
        return inner.submit(transfer);
      },
      onCallback: undefined,
    };
    // A's lease renewals never reach the store (it believes it still holds the lease).
    const storeA: PaymentStore = { ...store, renewLease: async () => true };
    const ttlMs = 300;
    const workerA = createPaymentService({
      store: storeA,
      rails: { sim: stuckRail },
      audit: memoryAuditSink(),
      lease: { ttlMs },
    });
    const audit = memoryAuditSink();
    const workerB = createPaymentService({
      store,
      rails: { sim: inner },
      audit,
      lease: { ttlMs, waitMs: 5000 },
    });
    const batchId = await setupBatch(workerB, 20);
    const runA = workerA.processBatch(maker, batchId, {
      chunkSize: 5,
      pipeline: 1,
      pollIntervalMs: 1,
    });
    const outcomeA = runA.then(
      () => 'finished',
      (error: { code?: string }) => error.code,
    );
    await sleep(50); // A holds the lease and has claimed a chunk
    expect(
      (await store.listInstructions(batchId, { states: ['submitting'], limit: 50 })).length,
    ).toBe(5);
    // While A's lease runs, a worker that will not wait is turned away.
    const impatient = createPaymentService({
      store,
      rails: { sim: inner },
      audit: memoryAuditSink(),
      lease: { ttlMs, waitMs: 0 },
    });
    await expect(impatient.processBatch(maker, batchId)).rejects.toMatchObject({
      code: 'PAYMENT_BATCH_BUSY',
    });
    // B waits for the lease to run out, recovers A's claimed chunk, and finishes the batch.
    const result = await workerB.processBatch(maker, batchId, { pollIntervalMs: 1 });
    expect(result.batchState).toBe('completed');
    expect(result.byState.paid.count).toBe(20);
    expect((await store.totals(batchId)).attempts.recover).toBe(5);
    expect(audit.events.map((event) => event.action)).toContain('payment.batch.resumed');
    // A wakes up: the rail answers it (same idempotency keys, nothing paid twice) and every
    // write it tries is fenced out.
    releaseA();
    expect(await outcomeA).toBe('PAYMENT_LEASE_LOST');
    const ledger = await inner.ledger.entries();
    expect(ledger.filter((entry) => entry.status === 'paid')).toHaveLength(20);
    expect(new Set(ledger.map((entry) => entry.idempotencyKey)).size).toBe(ledger.length);
    expect((await workerB.reconcile(maker, batchId)).balanced).toBe(true);
    inner.close();
  });
});
