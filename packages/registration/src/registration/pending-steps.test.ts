import { describe, expect, it } from 'vitest';
import { memoryRegistryFixture } from '../../test/memory-registry.js';
import type { Registry } from '../registry/ports.js';
import {
  conformanceAdmin,
  conformanceBirthService,
  conformanceBirthsRegistry,
  conformanceClerk,
  conformancePaidService,
  conformanceParent,
  conformancePayments,
  conformanceRegistrar,
} from '../testing/index.js';
import { approvalRecordUuid, createRegistrationService } from './engine.js';
import { memoryFeeCollector } from './fee-collector.js';
import { memoryRegistrationStore } from './memory-store.js';
import type { FeeCollector, PendingStep } from './ports.js';

const births = { registry: 'births', version: '1.0' };
/** A reconcile pass of an engine without an event sink delivers nothing. */
const noEvents = { delivered: 0, failed: [] };
const birthsDefinition = conformanceBirthsRegistry;

/**
 * An engine whose registry can be made to fail once around `create`, as a crash would: either
 * before the record is written, or after it was written but before the engine heard back.
 */
async function setup(fees: FeeCollector = memoryFeeCollector()) {
  const { clock, audit, registry } = memoryRegistryFixture();
  const fault: { mode?: 'before' | 'after' } = {};
  const flaky: Registry = {
    ...registry,
    async create(context, ref, content, options) {
      const mode = fault.mode;
      fault.mode = undefined;
      if (mode === 'before') throw new Error('crash before the record');
      const record = await registry.create(context, ref, content, options);
      if (mode === 'after') throw new Error('crash after the record');
      return record;
    },
  };
  const errors: Array<{ error: unknown; step: PendingStep }> = [];
  const service = createRegistrationService({
    store: memoryRegistrationStore(),
    registry: flaky,
    audit,
    clock,
    fees,
    onPendingStepError: (error, step) => errors.push({ error, step }),
  });
  await registry.defineRegistry(conformanceAdmin, birthsDefinition);
  await service.defineService(conformanceAdmin, {
    ...conformanceBirthService,
    requiredDocuments: [],
  });
  return { service, registry, fault, errors, audit };
}

async function approveBirth(
  service: Awaited<ReturnType<typeof setup>>['service'],
  child: Record<string, unknown> = { firstName: 'Ada', lastName: 'L', birthDate: '2025-01-02' },
) {
  const draft = await service.createApplication(conformanceParent, {
    service: 'birth-registration',
    formData: { child },
  });
  await service.submit(conformanceParent, draft.id);
  for (const operator of [conformanceClerk, conformanceRegistrar]) {
    const [task] = await service.listTasks(operator, { applicationId: draft.id, status: 'open' });
    await service.claimTask(operator, task!.id);
    const done = await service.completeTask(operator, task!.id, {
      decision: 'approve',
      reason: 'ok',
    });
    if (done.application.status === 'approved') return done.application;
  }
  throw new Error('not approved');
}

async function recordsOf(registry: Registry, applicationId: string) {
  const page = await registry.list(conformanceAdmin, births, { match: { applicationId } });
  return page.results;
}

describe('crash-safe approval', () => {
  it('issues the record with a deterministic id and marks the step done', async () => {
    const { service, registry } = await setup();
    const approved = await approveBirth(service);
    expect(approved.registryRecord).toEqual({ ...births, uuid: approvalRecordUuid(approved.id) });
    expect(await recordsOf(registry, approved.id)).toHaveLength(1);
    expect(await service.reconcile()).toEqual({ completed: 0, failed: [], events: noEvents });
  });

  it('finishes an approval that crashed before the record was written', async () => {
    const { service, registry, fault, errors, audit } = await setup();
    fault.mode = 'before';
    const approved = await approveBirth(service);
    // The decision is committed; the record is not there yet, and the failure was reported.
    expect(approved.status).toBe('approved');
    expect(approved.registryRecord).toBeUndefined();
    expect(errors.map((entry) => entry.step.kind)).toEqual(['issue_record']);
    expect(await recordsOf(registry, approved.id)).toHaveLength(0);
    const result = await service.reconcile();
    expect(result).toEqual({ completed: 1, failed: [], events: noEvents });
    const after = await service.getApplication(conformanceParent, approved.id);
    expect(after.registryRecord?.uuid).toBe(approvalRecordUuid(approved.id));
    expect(await recordsOf(registry, approved.id)).toHaveLength(1);
    expect(await service.reconcile()).toEqual({ completed: 0, failed: [], events: noEvents });
    expect(
      audit.events.filter((event) => event.action === 'application.record.issued'),
    ).toHaveLength(1);
  });

  it('does not create a second record when the crash came after the record was written', async () => {
    const { service, registry, fault } = await setup();
    fault.mode = 'after';
    const approved = await approveBirth(service);
    expect(approved.registryRecord).toBeUndefined();
    const [written] = await recordsOf(registry, approved.id);
    expect(written?.uuid).toBe(approvalRecordUuid(approved.id));
    expect(await service.reconcile()).toEqual({ completed: 1, failed: [], events: noEvents });
    expect(await recordsOf(registry, approved.id)).toHaveLength(1);
    expect((await service.getApplication(conformanceParent, approved.id)).registryRecord).toEqual({
      ...births,
      uuid: written!.uuid,
    });
  });

  it('keeps a failing step pending and reports it, then finishes it', async () => {
    const { service, fault } = await setup();
    fault.mode = 'before';
    const approved = await approveBirth(service);
    fault.mode = 'before';
    const failed = await service.reconcile();
    expect(failed).toEqual({
      completed: 0,
      failed: [
        {
          id: `${approved.id}:issue_record:approval`,
          kind: 'issue_record',
          applicationId: approved.id,
          error: 'Error',
        },
      ],
      events: noEvents,
    });
    expect(await service.reconcile()).toMatchObject({ completed: 1 });
  });

  it('refuses an approval whose record would not fit the registry, writing nothing', async () => {
    const { service, registry } = await setup();
    // The registry now also wants the child's id, which this application does not have.
    await registry.defineRegistry(conformanceAdmin, {
      ...birthsDefinition,
      schema: { ...birthsDefinition.schema, required: ['childId', 'firstName'] },
    });
    await expect(approveBirth(service)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const [application] = await service.listApplications(conformanceAdmin);
    expect(application?.status).toBe('in_review');
    const [task] = await service.listTasks(conformanceRegistrar, {
      applicationId: application!.id,
    });
    expect(task?.status).toBe('claimed');
    expect(await recordsOf(registry, application!.id)).toHaveLength(0);
    expect(await service.reconcile()).toEqual({ completed: 0, failed: [], events: noEvents });
  });
});

describe('bills as pending steps', () => {
  it('opens a bill again after the collector failed, once', async () => {
    const inner = memoryFeeCollector();
    let failNext = true;
    const fees: FeeCollector = {
      specificationVersion: 'fee-collector/v1',
      async openBill(bill) {
        if (failNext) {
          failNext = false;
          throw new Error('collector down');
        }
        return inner.openBill(bill);
      },
      cancelBill: (billId) => inner.cancelBill(billId),
    };
    const { service } = await setup(fees);
    await service.defineService(conformanceAdmin, {
      ...conformancePaidService,
      workflow: [{ key: 'pay', name: 'Pay', type: 'payment', fees: ['state-fee'] }],
    });
    const draft = await service.createApplication(conformanceParent, {
      service: conformancePaidService.key,
      formData: { pitch: 'A' },
    });
    const pending = await service.submit(conformanceParent, draft.id);
    expect(pending.status).toBe('payment_pending');
    expect(inner.bills.size).toBe(0);
    expect(await service.reconcile()).toEqual({ completed: 1, failed: [], events: noEvents });
    const bill = inner.bills.get(pending.payments![0]!.billId);
    expect(bill).toMatchObject({ status: 'open', opened: 1, bill: { payerId: 'parent-1' } });
    const afterOpen = await service.getApplication(conformanceParent, draft.id);
    expect(afterOpen.payments?.[0]?.collector?.reference).toBe(`BILL-${bill!.bill.billId}`);
    const approved = await service.confirmPayment(
      conformancePayments,
      inner.pay(bill!.bill.billId),
    );
    expect(approved.status).toBe('approved');
  });
});
