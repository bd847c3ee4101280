import { manualClock } from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanRegistrationTables } from '../../test/clean-database.js';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { createRegistry } from '../registry/engine.js';
import { memoryRegistryStore } from '../registry/memory-store.js';
import type { Registry } from '../registry/ports.js';
import { createSqlRegistrationStore } from '../sql/registration-store.js';
import {
  conformanceAdmin,
  conformanceBirthService,
  conformanceBirthsRegistry,
  conformanceClerk,
  conformanceParent,
  conformanceRegistrar,
} from '../testing/index.js';
import {
  approvalRecordUuid,
  type CreateRegistrationServiceOptions,
  createRegistrationService,
  type RegistrationEngine,
} from './engine.js';
import { memoryRegistrationStore } from './memory-store.js';
import type { RegistrationEvent, RegistrationEventSink, RegistrationStore } from './ports.js';

/** What a birth application publishes from creation to approval (two review steps). */
const approvalEvents: RegistrationEvent['type'][] = [
  'application.created',
  'application.submitted',
  'application.in_review', // the clerk claims
  'application.step_approved', // the clerk approves; the registrar's claim keeps it in review
  'application.approved',
  'application.record_issued',
];

/** A sink that can be switched off (it throws) and records what it was given. */
function recordingSink() {
  const received: RegistrationEvent[] = [];
  const state = { down: false, failOn: undefined as RegistrationEvent['type'] | undefined };
  const sink: RegistrationEventSink = {
    async publish(event) {
      if (state.down || state.failOn === event.type) {
        state.failOn = undefined;
        throw new Error('sink unavailable');
      }
      received.push(event);
    },
  };
  return { sink, received, state };
}

async function approveBirth(service: RegistrationEngine, firstName = 'Ada') {
  const draft = await service.createApplication(conformanceParent, {
    service: 'birth-registration',
    formData: { child: { firstName, lastName: 'L', birthDate: '2025-01-02' } },
  });
  await service.submit(conformanceParent, draft.id);
  for (const operator of [conformanceClerk, conformanceRegistrar]) {
    const [task] = await service.listTasks(operator, { applicationId: draft.id, status: 'open' });
    await service.claimTask(operator, task!.id);
    await service.completeTask(operator, task!.id, { decision: 'approve', reason: 'ok' });
  }
  return draft.id;
}

const typesOf = (events: readonly RegistrationEvent[], applicationId?: string) =>
  events
    .filter((event) => applicationId === undefined || event.applicationId === applicationId)
    .map((event) => event.type);

describe.each(['memory', ...testDatabaseKinds()] as const)('event outbox on %s', (kind) => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    if (kind === 'memory') return;
    db = await openTestDatabase(kind);
    await db.resetSchema();
  });
  afterAll(() => db?.close());

  async function freshStore(): Promise<RegistrationStore> {
    if (!db) return memoryRegistrationStore();
    await cleanRegistrationTables(db.client);
    return createSqlRegistrationStore(db.client);
  }

  /** One engine over `store` (a second call over the same store is a restarted process). */
  async function setup(
    events: CreateRegistrationServiceOptions['events'],
    options: { store?: RegistrationStore; registry?: Registry } = {},
  ) {
    const clock = manualClock();
    const audit = memoryAuditTrail({ clock });
    const store = options.store ?? (await freshStore());
    let registry = options.registry;
    if (!registry) {
      registry = createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit, clock });
      await registry.defineRegistry(conformanceAdmin, conformanceBirthsRegistry);
    }
    const errors: Array<{ error: unknown; event?: RegistrationEvent }> = [];
    const service = createRegistrationService({
      store,
      registry,
      audit,
      clock,
      events,
      onEventError: (error, event) => errors.push({ error, event }),
    });
    if (!options.store) {
      await service.defineService(conformanceAdmin, {
        ...conformanceBirthService,
        requiredDocuments: [],
      });
    }
    return { service, store, registry, errors };
  }

  it('delivers every event of an approval after its commit, in order, each with its own id', async () => {
    const { sink, received } = recordingSink();
    const { service, store } = await setup(sink);
    const id = await approveBirth(service);
    expect(typesOf(received)).toEqual(approvalEvents);
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    const approved = received.find((event) => event.type === 'application.approved');
    expect(approved).toMatchObject({ applicationId: id, status: 'approved' });
    expect(received.at(-1)?.registryRecord).toEqual({
      registry: 'births',
      version: '1.0',
      uuid: approvalRecordUuid(id),
    });
    expect(await store.read.listQueuedEvents({ limit: 100 })).toEqual([]);
    expect((await service.reconcile()).events).toEqual({ delivered: 0, failed: [] });
  });

  it('keeps the events a failing sink refused and delivers them with reconcile(), in order', async () => {
    const { sink, received, state } = recordingSink();
    const { service, store, errors } = await setup(sink);
    state.down = true;
    const id = await approveBirth(service); // every call succeeds: the changes are committed
    expect(received).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    const queued = await store.read.listQueuedEvents({ applicationId: id, limit: 100 });
    expect(queued.map((entry) => entry.event.type)).toEqual(approvalEvents);
    // Each of the six calls (create, submit, two claims, two completions) tried the oldest event
    // first, and nothing behind it went out of turn.
    expect(queued[0]).toMatchObject({ attempts: 6, lastError: 'Error' });
    expect(queued.slice(1).every((entry) => entry.attempts === 0)).toBe(true);

    const stillDown = await service.reconcile();
    expect(stillDown.events).toEqual({
      delivered: 0,
      failed: [
        {
          id: queued[0]!.event.id,
          type: 'application.created',
          applicationId: id,
          error: 'Error',
        },
      ],
    });
    state.down = false;
    expect((await service.reconcile()).events).toEqual({ delivered: 6, failed: [] });
    expect(received.map((event) => event.id)).toEqual(queued.map((entry) => entry.event.id));
    expect(await store.read.listQueuedEvents({ limit: 100 })).toEqual([]);
    expect((await service.reconcile()).events).toEqual({ delivered: 0, failed: [] });
  });

  it('holds back only the application whose event failed', async () => {
    const { sink, received, state } = recordingSink();
    const { service } = await setup(sink);
    const first = await service.createApplication(conformanceParent, {
      service: 'birth-registration',
      formData: { child: { firstName: 'Ada', lastName: 'L', birthDate: '2025-01-02' } },
    });
    state.failOn = 'application.submitted';
    await service.submit(conformanceParent, first.id);
    const second = await approveBirth(service, 'Bea');
    expect(typesOf(received, second)).toEqual(approvalEvents);
    expect(typesOf(received, first.id)).toEqual(['application.created']);
    const [task] = await service.listTasks(conformanceClerk, { applicationId: first.id });
    await service.claimTask(conformanceClerk, task!.id); // delivers the held event first
    expect(typesOf(received, first.id)).toEqual([
      'application.created',
      'application.submitted',
      'application.in_review',
    ]);
  });

  it('delivers with reconcile() after a restart what a crash after the commit left', async () => {
    const { sink: lost, received: neverSeen } = recordingSink();
    const crashing = await setup(lost);
    // The process "dies" right after the commit: the outbox cannot be read any more.
    const store: RegistrationStore = {
      ...crashing.store,
      read: {
        ...crashing.store.read,
        listQueuedEvents: () => Promise.reject(new Error('process stopped')),
      },
    };
    const dying = await setup(lost, { store, registry: crashing.registry });
    const id = await approveBirth(dying.service);
    expect(neverSeen).toEqual([]);
    expect(dying.errors.length).toBeGreaterThan(0);
    expect(dying.errors.every((entry) => entry.event === undefined)).toBe(true);

    const { sink, received } = recordingSink();
    const restarted = await setup(sink, { store: crashing.store, registry: crashing.registry });
    expect((await restarted.service.reconcile()).events).toEqual({ delivered: 6, failed: [] });
    expect(typesOf(received, id)).toEqual(approvalEvents);
  });

  it('delivers again, under the same id, an event whose delivery was not recorded', async () => {
    const { sink, received } = recordingSink();
    const base = await setup(sink);
    let failDelete = true;
    // The sink got the event, then the process stopped before the outbox row was removed.
    const store: RegistrationStore = {
      ...base.store,
      read: {
        ...base.store.read,
        async deleteQueuedEvent(id) {
          if (failDelete) {
            failDelete = false;
            throw new Error('process stopped');
          }
          return base.store.read.deleteQueuedEvent(id);
        },
      },
    };
    const flaky = await setup(sink, { store, registry: base.registry });
    const draft = await flaky.service.createApplication(conformanceParent, {
      service: 'birth-registration',
      formData: {},
    });
    expect(typesOf(received)).toEqual(['application.created']);
    expect((await flaky.service.reconcile()).events).toEqual({ delivered: 1, failed: [] });
    expect(typesOf(received)).toEqual(['application.created', 'application.created']);
    expect(received[1]!.id).toBe(received[0]!.id);
    expect(received[0]!.applicationId).toBe(draft.id);
  });

  it('writes no event when the change is refused', async () => {
    const { service, store } = await setup('pull');
    const draft = await service.createApplication(conformanceParent, {
      service: 'birth-registration',
      formData: { child: {} },
    });
    await expect(service.submit(conformanceParent, draft.id)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const queued = await store.read.listQueuedEvents({ limit: 100 });
    expect(queued.map((entry) => entry.event.type)).toEqual(['application.created']);
  });

  it('keeps no events without a sink', async () => {
    const { service, store } = await setup(undefined);
    await approveBirth(service);
    expect(await store.read.listQueuedEvents({ limit: 100 })).toEqual([]);
    await expect(service.drainEvents(async () => undefined)).rejects.toMatchObject({
      code: 'CONFIGURATION_ERROR',
    });
  });

  it("lets a consumer pull the events with drainEvents (events: 'pull')", async () => {
    const { service, store } = await setup('pull');
    const id = await approveBirth(service);
    expect((await service.reconcile()).events).toEqual({ delivered: 0, failed: [] });
    const taken: RegistrationEvent[] = [];
    let failures = 1;
    const handler = async (event: RegistrationEvent) => {
      if (event.type === 'application.approved' && failures-- > 0) throw new Error('busy');
      taken.push(event);
    };
    const first = await service.drainEvents(handler, { limit: 3 });
    expect(first).toEqual({ delivered: 3, failed: [] });
    const second = await service.drainEvents(handler);
    expect(second.delivered).toBe(1);
    expect(second.failed).toMatchObject([{ type: 'application.approved', applicationId: id }]);
    expect(await service.drainEvents(handler)).toEqual({ delivered: 2, failed: [] });
    expect(typesOf(taken)).toEqual(approvalEvents);
    expect(await store.read.listQueuedEvents({ limit: 100 })).toEqual([]);
  });
});

describe('event order under random sink failures (memory)', () => {
  it('first deliveries follow the order of the changes, per application, and none is lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 8 }),
        async (failures, order) => {
          let call = 0;
          const received: RegistrationEvent[] = [];
          const sink: RegistrationEventSink = {
            async publish(event) {
              if (failures[call++ % failures.length]) throw new Error('flaky');
              received.push(event);
            },
          };
          const clock = manualClock();
          const audit = memoryAuditTrail({ clock });
          const store = memoryRegistrationStore();
          const service = createRegistrationService({
            store,
            audit,
            clock,
            events: sink,
          });
          const { registry: _none, ...withoutRegistry } = conformanceBirthService;
          await service.defineService(conformanceAdmin, {
            ...withoutRegistry,
            requiredDocuments: [],
          });
          // Two applications moved forward in an interleaving the property chooses.
          const ids: string[] = [];
          for (const name of ['Ada', 'Bea']) {
            const draft = await service.createApplication(conformanceParent, {
              service: 'birth-registration',
              formData: { child: { firstName: name, lastName: 'L', birthDate: '2025-01-02' } },
            });
            ids.push(draft.id);
          }
          const progress = [0, 0];
          for (const which of order) {
            const id = ids[which]!;
            if (progress[which] === 0) await service.submit(conformanceParent, id);
            else if (progress[which] === 1) {
              const [task] = await service.listTasks(conformanceClerk, { applicationId: id });
              await service.claimTask(conformanceClerk, task!.id);
            } else if (progress[which] === 2) {
              const [task] = await service.listTasks(conformanceClerk, { applicationId: id });
              await service.completeTask(conformanceClerk, task!.id, {
                decision: 'reject',
                reason: 'no',
              });
            } else continue;
            progress[which]! += 1;
          }
          const expected = (steps: number) =>
            [
              'application.created',
              'application.submitted',
              'application.in_review',
              'application.rejected',
            ].slice(0, steps + 1);
          failures.fill(false);
          for (let pass = 0; pass < 3; pass++) await service.reconcile();
          expect(await store.read.listQueuedEvents({ limit: 100 })).toEqual([]);
          for (const [index, id] of ids.entries()) {
            const firsts = new Map<string, RegistrationEvent>();
            for (const event of received)
              if (event.applicationId === id && !firsts.has(event.id)) firsts.set(event.id, event);
            expect([...firsts.values()].map((event) => event.type)).toEqual(
              expected(progress[index]!),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
