import { manualClock } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { memoryDocumentStore } from '../registration/document-stores.js';
import { createRegistrationService } from '../registration/engine.js';
import { memoryRegistrationStore } from '../registration/memory-store.js';
import type { RegistrationService } from '../registration/ports.js';
import { computeServiceMeasures, serviceMeasuresCsv } from '../registration/statistics.js';
import { createRegistry } from '../registry/engine.js';
import { memoryRegistryStore } from '../registry/memory-store.js';
import { conformanceAdmin, conformanceBirthService } from '../testing/index.js';
import { registrationHttpApp } from './registration-app.js';

const client = 'eGovStack/GOV/90000009/eregistrations-dev';

describe('registrationHttpApp', () => {
  let app: ReturnType<typeof registrationHttpApp>;
  let serviceId: string;
  let service: RegistrationService;
  const clock = manualClock('2025-03-01T08:00:00Z');

  beforeEach(async () => {
    const audit = memoryAuditTrail({ clock });
    const registry = createRegistry({
      store: memoryRegistryStore(),
      audit,
      auditReader: audit,
      clock,
    });
    await registry.defineRegistry(conformanceAdmin, {
      name: 'births',
      version: '1.0',
      schema: { type: 'object', properties: { childId: { type: 'string' } } },
    });
    service = createRegistrationService({
      store: memoryRegistrationStore(),
      registry,
      audit,
      clock,
      documents: memoryDocumentStore(),
    });
    serviceId = (await service.defineService(conformanceAdmin, conformanceBirthService)).id;
    app = registrationHttpApp(service, {
      mediatorRoles: ['registration.admin', 'birth.clerk', 'birth.registrar'],
    });
  });

  const call = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: {
        'Information-Mediator-Client': client,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('runs an application from draft to approval over HTTP, with a document upload', async () => {
    const services = (await (await call('GET', '/services?name=birth')).json()) as Array<{
      id: string;
    }>;
    expect(services.map((entry) => entry.id)).toEqual([serviceId]);
    const forms = (await (await call('GET', `/services/${serviceId}/eForms`)).json()) as Array<{
      eFormId: string;
    }>;
    expect((await call('GET', `/eForms/${forms[0]!.eFormId}`)).status).toBe(200);
    const formData = {
      data: {
        child: { nationalId: 'C-1', firstName: 'Ada', lastName: 'L', birthDate: '2025-01-01' },
      },
    };
    const draft = await call('POST', `/services/${serviceId}/applications?draft=true`, {
      applicantId: 'parent-1',
      formData,
    });
    const { fileId } = (await draft.json()) as { fileId: string };
    const upload = new FormData();
    upload.set(
      'file',
      new File([new TextEncoder().encode('%PDF')], 'cert.pdf', { type: 'application/pdf' }),
    );
    upload.set('fileId', fileId);
    upload.set('key', 'medical-certificate');
    upload.set('applicantId', 'parent-1');
    const uploaded = await app.request('/documents', {
      method: 'POST',
      headers: { 'Information-Mediator-Client': client },
      body: upload,
    });
    expect(uploaded.status).toBe(200);
    const submitted = await call('PUT', `/applications/${fileId}`, { applicantId: 'parent-1' });
    expect(await submitted.json()).toMatchObject({
      status: { code: 'PENDING' },
      state: 'submitted',
    });
    for (const step of ['check', 'decide']) {
      const tasks = (await (await call('GET', `/tasks?fileId=${fileId}`)).json()) as Array<{
        taskId: string;
        state: string;
        name: string;
      }>;
      const open = tasks.find((task) => task.state === 'open')!;
      expect(open).toBeDefined();
      clock.advance(3_600_000);
      const done = await call('POST', `/tasks/${open.taskId}/complete`, {
        data: { decision: 'approve', reason: `${step} ok` },
      });
      expect(done.status).toBe(200);
    }
    const final = (await (await call('GET', `/applications/${fileId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(final).toMatchObject({
      status: { code: 'APPROVED' },
      ended: true,
      registryRecord: { registry: 'births' },
    });
    const stats = (await (
      await call('GET', '/data/statistics/1.0?registrationName=birth-registration')
    ).json()) as Array<Record<string, unknown>>;
    // One application: below the suppression threshold, so the counts are withheld.
    expect(stats[0]).toMatchObject({ processed: 0, approved: 0, suppressed: true });
  });

  it('answers the statistics endpoint as the mock does: 400 without a valid mediator header, 404 for an unknown service', async () => {
    expect((await app.request('/data/statistics/1.0')).status).toBe(400);
    expect(
      (
        await app.request('/data/statistics/1.0', {
          headers: { 'Information-Mediator-Client': 'nope' },
        })
      ).status,
    ).toBe(400);
    expect((await call('GET', '/data/statistics/1.0?registrationName=n0tex1st')).status).toBe(404);
    const ok = await call('GET', '/data/statistics/1.0?startDate=2025-01-01&timeframe=week');
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await ok.json()).toMatchObject([
      { processed: 0, references: { startDate: '2025-01-01', timeframeWeek: true } },
    ]);
    expect(
      (await call('GET', '/data/statistics/measures.csv')).headers.get('content-type'),
    ).toContain('text/csv');
    const days = (await (
      await call(
        'GET',
        '/data/statistics/1.0?startDate=2025-01-30&endDate=2025-02-02&timeframe=day',
      )
    ).json()) as Array<{ references: Record<string, unknown> }>;
    expect(days.map((day) => [day.references.startDate, day.references.endDate])).toEqual([
      ['2025-01-30', '2025-01-30'],
      ['2025-01-31', '2025-01-31'],
      ['2025-02-01', '2025-02-01'],
      ['2025-02-02', '2025-02-02'],
    ]);
    expect(days[0]?.references).toMatchObject({ timeframeDay: true, timeframeWeek: false });
    expect((await call('GET', '/data/statistics/1.0?timeframe=fortnight')).status).toBe(400);
  });

  it('keeps GovStack semantics unless a govblocks client asks for the port’s (GovBlocks-Port)', async () => {
    const portCall = (method: string, path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: {
          'Information-Mediator-Client': client,
          'GovBlocks-Port': 'registration/v1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const formData = {
      data: {
        child: { nationalId: 'C-9', firstName: 'Ada', lastName: 'L', birthDate: '2025-01-01' },
      },
    };
    const plain = (await (
      await call('POST', `/services/${serviceId}/applications?draft=true`, {
        applicantId: 'parent-1',
        formData,
      })
    ).json()) as Record<string, unknown>;
    expect(plain).not.toHaveProperty('govblocks');
    const created = (await (
      await portCall('POST', `/services/${serviceId}/applications?draft=true`, {
        applicantId: 'parent-1',
        formData,
      })
    ).json()) as { fileId: string; govblocks: { id: string; status: string; revision: number } };
    expect(created.govblocks).toMatchObject({ id: created.fileId, status: 'draft', revision: 0 });
    // Extension routes: the port's own objects.
    const updated = await portCall(
      'PUT',
      `/govblocks/v1/applications/${created.fileId}/form-data`,
      {
        applicantId: 'parent-1',
        formData: formData.data,
      },
    );
    expect(await updated.json()).toMatchObject({ id: created.fileId, revision: 1 });
    // GovStack's PUT answers an application it cannot submit unchanged; the port's submit refuses.
    const withdrawn = await portCall(
      'POST',
      `/govblocks/v1/applications/${plain.fileId}/withdraw`,
      {
        applicantId: 'parent-1',
        reason: 'changed my mind',
      },
    );
    expect(await withdrawn.json()).toMatchObject({ status: 'withdrawn' });
    const unchanged = await call('PUT', `/applications/${plain.fileId}`, {
      applicantId: 'parent-1',
    });
    expect(unchanged.status).toBe(200);
    expect(await unchanged.json()).toMatchObject({ state: 'withdrawn' });
    const refused = await portCall('PUT', `/applications/${plain.fileId}`, {
      applicantId: 'parent-1',
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    // GovStack's complete claims an open task first; the port's completeTask needs a claim.
    await service.uploadDocument(
      { actor: { type: 'person', id: 'parent-1', roles: [] } },
      created.fileId,
      {
        key: 'medical-certificate',
        fileName: 'c.pdf',
        contentType: 'application/pdf',
        content: new TextEncoder().encode('%PDF'),
      },
    );
    await call('PUT', `/applications/${created.fileId}`, { applicantId: 'parent-1' });
    const [task] = (await (
      await portCall('GET', `/tasks?fileId=${created.fileId}&status=open`)
    ).json()) as Array<{ taskId: string; govblocks: { status: string } }>;
    expect(task?.govblocks.status).toBe('open');
    const early = await portCall('POST', `/tasks/${task!.taskId}/complete`, {
      data: { decision: 'approve', reason: 'ok' },
    });
    expect(early.status).toBe(409);
    expect((await portCall('POST', `/govblocks/v1/tasks/${task!.taskId}/claim`)).status).toBe(200);
    const done = await portCall('POST', `/tasks/${task!.taskId}/complete`, {
      data: { decision: 'approve', reason: 'ok' },
    });
    expect(await done.json()).toMatchObject({
      govblocks: { task: { status: 'completed' }, application: { currentStep: 1 } },
    });
  });

  it('serves reconcile() on an engine only, with bad input refused', async () => {
    const ran = await call('POST', '/govblocks/v1/reconcile', { limit: 5 });
    expect(ran.status).toBe(200);
    expect(await ran.json()).toEqual({
      completed: 0,
      failed: [],
      events: { delivered: 0, failed: [] },
    });
    expect((await call('POST', '/govblocks/v1/reconcile', { limit: 0 })).status).toBe(400);
    expect((await call('POST', '/govblocks/v1/reconcile', { limits: 5 })).status).toBe(400);
    // A service that is not an engine (a port wrapper) has nothing to reconcile.
    const wrapper: RegistrationService = { ...service };
    delete (wrapper as Partial<{ reconcile: unknown }>).reconcile;
    const other = registrationHttpApp(wrapper, { mediatorRoles: ['registration.admin'] });
    const answer = await other.request('/govblocks/v1/reconcile', {
      method: 'POST',
      headers: { 'Information-Mediator-Client': client },
    });
    expect(answer.status).toBe(501);
    expect(await answer.json()).toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('refuses unknown applications and tasks with 404', async () => {
    expect((await call('GET', '/applications/nope')).status).toBe(404);
    expect((await call('GET', '/tasks/nope')).status).toBe(404);
    expect((await call('GET', '/services/nope')).status).toBe(404);
  });
});

describe('service measures', () => {
  it('suppresses small counts and computes rates and medians', () => {
    const base = {
      serviceId: 's',
      serviceKey: 'permit',
      serviceVersion: 1,
      eFormId: 'f',
      formData: {},
      documents: [],
      currentStep: 0,
      revision: 1,
      updatedAt: '',
    };
    const applications = Array.from({ length: 12 }, (_, index) => {
      const created = `2025-01-01T00:00:00.000Z`;
      const submitted = {
        action: 'submit' as const,
        from: 'draft' as const,
        to: 'submitted' as const,
        at: '2025-01-01T01:00:00.000Z',
        actorId: 'p',
      };
      const status =
        index < 6 ? 'approved' : index < 8 ? 'rejected' : index < 10 ? 'withdrawn' : 'draft';
      return {
        ...base,
        id: `a${index}`,
        applicantId: `p${index}`,
        status,
        createdAt: created,
        history: [
          { action: 'create' as const, to: 'draft' as const, at: created, actorId: 'p' },
          ...(status === 'draft' ? [] : [submitted]),
        ],
        ...(status === 'approved' || status === 'rejected'
          ? {
              decision: {
                decision: status,
                reason: 'r',
                at: `2025-01-01T${String(1 + index).padStart(2, '0')}:00:00.000Z`,
              },
            }
          : {}),
        ...(index < 5 ? { feedback: { rating: 4, at: created } } : {}),
      };
    }) as never[];
    const [measures] = computeServiceMeasures(applications, []);
    expect(measures).toMatchObject({
      service: 'permit',
      started: 12,
      processed: 8,
      approved: 6,
      rejected: null,
      withdrawn: null,
      suppressed: true,
    });
    expect(measures!.completionRate).toBe(0.8);
    expect(measures!.dropOffRate).toBeCloseTo(4 / 12, 3);
    expect(measures!.satisfaction).toEqual({ responses: 5, averageRating: 4 });
    expect(measures!.medianHoursToDecision).toBe(3.5);
    const csv = serviceMeasuresCsv([measures!]);
    expect(csv.split('\r\n')[1]).toBe('permit,12,8,6,,0,,0.8,0.333,3.5,5,4,,,true');
  });
});
