import type { ActorContext } from '@govblocks/core';
import { type GovStackMock, startGovStackMock } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { govstackRegistrationService } from '../src/govstack/index.js';
import type { RegistrationService } from '../src/registration/ports.js';
import { conformanceAdmin, conformanceBirthService } from '../src/testing/index.js';

// The adapter against GovStack's reference mock: a server that serves only the GovStack API
// (fixed example answers, no govblocks extensions, no `govblocks` member), so every answer is
// mapped from GovStack's own shapes.
const applicant: ActorContext = {
  actor: { type: 'person', id: '11962de0-11b2-11cc-9390-0242ac121114', roles: [] },
};
const operator: ActorContext = {
  actor: { type: 'operator', id: 'clerk-1', roles: ['registrar'] },
};

describe('govstackRegistrationService against the GovStack reference mock', () => {
  let mock: GovStackMock | undefined;
  let skipReason = '';
  let service: RegistrationService;
  beforeAll(async () => {
    const started = await startGovStackMock('registration');
    mock = started.mock;
    skipReason = started.skip ?? '';
    if (mock) {
      service = govstackRegistrationService({
        baseUrl: mock.url,
        informationMediatorClient: 'eGovStack/GOV/90000009/eregistrations-dev',
        retries: 0,
      });
    }
  }, 120_000);
  afterAll(() => mock?.stop());

  const skipWithout = (context: { skip: () => void }) => {
    if (!mock) {
      console.warn(`[registration] SKIPPED the remote adapter against the mock: ${skipReason}`);
      context.skip();
    }
  };

  it('reads the service catalogue and e-forms', async (context) => {
    skipWithout(context);
    const services = await service.listServices(applicant);
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({
      id: 'P2c9280957e579ad7017e58a3399f0068',
      version: 123,
      workflow: [],
    });
    const one = await service.getService(applicant, 'f7d33db0-2809-484e-a780-76b7ccd4ecbf');
    expect(one).toMatchObject({
      name: 'Mother and Child Registration',
      version: 123,
      eForms: [{ id: 'd98a205a-679b-485b-823d-7a32a391e744', name: 'FORM', version: 1 }],
    });
    const form = await service.getEForm(applicant, 'd98a205a-679b-485b-823d-7a32a391e744');
    expect(form).toMatchObject({ name: 'A1', version: 1, schema: { additionalProp1: {} } });
    await expect(service.getEForm(applicant, 'n0t-ex1st1ng-eForm#-1d')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
  });

  it('files, reads and lists applications; an upload the mock refuses', async (context) => {
    skipWithout(context);
    // GovStack has no drafts: the mock files the application at once.
    const filed = await service.createApplication(applicant, {
      service: 'f7d33db0-2809-484e-a780-76b7ccd4ecbf',
      name: 'Ada',
      formData: { child: { firstName: 'Ada' } },
    });
    expect(filed.id).toMatch(/^[0-9a-zA-Z]{8}-/);
    expect(filed).toMatchObject({
      serviceId: 'f7d33db0-2809-484e-a780-76b7ccd4ecbf',
      applicantId: applicant.actor.id,
      name: 'Ada',
    });
    expect(['submitted', 'approved', 'more_information_requested', 'rejected']).toContain(
      filed.status,
    );
    // The person's own files: the adapter names them as the applicant (the mock answers this
    // applicant's example list; it does not fill in templated fields).
    const mine = await service.listApplications(applicant);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      id: '81c4445c-bff6-11ed-afa1-0242ac120002',
      status: 'submitted',
      eFormId: expect.any(String),
    });
    expect(
      await service.listApplications(applicant, { applicantId: 'n0t-ex1st1ng-applicant#-1d' }),
    ).toEqual([]);
    const read = await service.getApplication(applicant, '81c4445c-bff6-11ed-afa1-0242ac120002');
    expect(read).toMatchObject({
      applicantId: '42962de0-bdb2-11ed-9397-0242ac120004',
      name: 'Amya Yuko',
      eFormId: '42962de0-bdb2-11ed-9397-0242ac120004',
      formData: {},
    });
    await expect(
      service.getApplication(applicant, 'n0t-ex1st1ng-serv1ce#-1d'),
    ).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND', status: 404 });
    const resubmitted = await service.submit(applicant, 'b8508d35-c2f3-442b-88a1-267ca25e85c0');
    expect(resubmitted).toMatchObject({
      id: 'b8508d35-c2f3-442b-88a1-267ca25e85c0',
      status: 'submitted',
    });
    // The upload is multipart/form-data, as the spec says; the mock's rule looks for `file` in a
    // parsed body, which Mockoon does not do for multipart, so it answers its 400 example —
    // which comes back as a validation error.
    await expect(
      service.uploadDocument(applicant, filed.id, {
        key: 'medical-certificate',
        fileName: 'cert.pdf',
        contentType: 'application/pdf',
        content: new TextEncoder().encode('%PDF-1.7 mock'),
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
  });

  it('lists, reads and completes tasks', async (context) => {
    skipWithout(context);
    const tasks = await service.listTasks(operator, {
      applicationId: '81c4445c-bff6-11ed-afa1-0242ac120002',
    });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      status: 'claimed',
      stepName: 'task name',
      assigneeId: '42962de0-bdb2-11ed-9397-0242ac120022',
    });
    const task = await service.getTask(operator, '81c4445c-bff6-11ed-afa1-0242ac120002');
    expect(task).toMatchObject({
      id: '81c4445c-bff6-11ed-afa1-0242ac120002',
      stepName: 'task name xyz',
    });
    await expect(service.getTask(operator, 'n0t-ex1st1ng-task#-1d')).rejects.toMatchObject({
      code: 'TASK_NOT_FOUND',
    });
    const done = await service.completeTask(operator, 'd1e33d56-c5c7-4272-aeb6-bc2732cce1f2', {
      decision: 'approve',
      reason: 'in order',
    });
    expect(done.task).toMatchObject({
      id: 'd1e33d56-c5c7-4272-aeb6-bc2732cce1f2',
      status: 'completed',
      decision: 'approve',
    });
    await expect(
      service.completeTask(operator, 'n0t-ex1st1ng-task', { decision: 'reject', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
  });

  it('answers NOT_SUPPORTED for the calls that need govblocks extensions', async (context) => {
    skipWithout(context);
    const id = '81c4445c-bff6-11ed-afa1-0242ac120002';
    for (const call of [
      () => service.defineService(conformanceAdmin, conformanceBirthService),
      () => service.updateApplication(applicant, id, {}),
      () => service.withdraw(applicant, id, 'changed my mind'),
      () => service.giveFeedback(applicant, id, { rating: 4 }),
      () => service.claimTask(operator, id),
      () =>
        service.confirmPayment(operator, {
          billId: `${id}.fee`,
          amount: { amount: 100, currency: 'EUR' },
          reference: 'r',
        }),
      () => service.getDocument(applicant, id, 'document-1'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
    }
  });
});
