import type { ActorContext } from '@govblocks/core';
import {
  ForbiddenError,
  GovBlocksError,
  hasRole,
  isGovBlocksError,
  ValidationError,
} from '@govblocks/core';
import {
  type AuthOptions,
  createHttpApp,
  type HttpContext,
  readJson,
  sendJson,
} from '@govblocks/core/http';
import { z } from 'zod';
import type { RegistrationEngine } from '../registration/engine.js';
import {
  type RegistrationService,
  registrationAdminRole,
  registrationOperationsRole,
  registrationSpecificationVersion,
} from '../registration/ports.js';
import type { Application, EService, Task } from '../registration/schemas.js';
import {
  collectServiceMeasures,
  collectServiceMeasuresByPeriod,
  type ServiceMeasures,
  serviceMeasuresCsv,
  serviceMeasuresJsonSchema,
} from '../registration/statistics.js';
import type { ApplicationStatus } from '../registration/transitions.js';
import { registrationExtensionBase, registrationPortHeader } from './registration-port.js';

export interface RegistrationHttpAppOptions {
  auth?: AuthOptions;
  bodyLimitBytes?: number;
  /**
   * Roles given to a caller known only by its `Information-Mediator-Client` header (no
   * credential). Default none. `govblocks serve registration` in development mode grants the
   * admin role, so that GovStack's published tests can exercise every endpoint.
   */
  mediatorRoles?: string[];
}

/** True for the in-process engine (it has `reconcile` and `drainEvents`), not a remote adapter. */
function isRegistrationEngine(service: RegistrationService): service is RegistrationEngine {
  const candidate = service as Partial<RegistrationEngine>;
  return typeof candidate.reconcile === 'function' && typeof candidate.drainEvents === 'function';
}

const mediatorPattern = /^[a-zA-Z0-9_]+\/[a-zA-Z0-9_]+\/[a-zA-Z0-9_]+\/[a-zA-Z0-9_-]+$/;

const statusCodes: Record<
  ApplicationStatus,
  { code: 'PENDING' | 'APPROVED' | 'SENDBACK' | 'REJECTED'; title: string }
> = {
  draft: { code: 'PENDING', title: 'Draft' },
  submitted: { code: 'PENDING', title: 'Submitted' },
  in_review: { code: 'PENDING', title: 'In review' },
  payment_pending: { code: 'PENDING', title: 'Payment pending' },
  more_information_requested: { code: 'SENDBACK', title: 'More information requested' },
  resubmitted: { code: 'PENDING', title: 'Resubmitted' },
  approved: { code: 'APPROVED', title: 'Approved' },
  rejected: { code: 'REJECTED', title: 'Rejected' },
  withdrawn: { code: 'REJECTED', title: 'Withdrawn' },
};

function serviceBody(service: EService) {
  return {
    id: service.id,
    key: service.key,
    name: service.name,
    version: String(service.version),
    type: 'Public',
    isExecutable: true,
    isClosed: false,
    description: service.description ?? '',
    serviceBody: [],
  };
}

function applicationBody(application: Application, service?: EService) {
  return {
    fileId: application.id,
    registered: application.createdAt,
    serviceId: application.serviceId,
    serviceName: service?.name ?? application.serviceKey,
    status: statusCodes[application.status],
    state: application.status,
    ended: ['approved', 'rejected', 'withdrawn'].includes(application.status),
    ...(application.informationRequest
      ? { informationRequest: application.informationRequest }
      : {}),
    ...(application.decision ? { decision: application.decision } : {}),
    ...(application.registryRecord ? { registryRecord: application.registryRecord } : {}),
    applicationData: {
      applicationName: application.name ?? '',
      applicantId: application.applicantId,
      created: application.createdAt,
      formData: { data: application.formData, eFormId: application.eFormId },
      documentUrls: application.documents.map(
        (document) => `/applications/${application.id}/documents/${document.id}`,
      ),
    },
  };
}

function taskBody(task: Task) {
  return {
    taskId: task.id,
    mainTaskId: task.applicationId,
    name: task.stepName,
    assigneeId: task.assigneeId ?? '',
    roleId: task.role,
    created: task.createdAt,
    description: task.stepName,
    serviceId: task.serviceId,
    serviceName: task.serviceKey,
    fileId: task.applicationId,
    eFormId: '',
    status: { code: task.status === 'completed' ? 'APPROVED' : 'PENDING', title: task.status },
    state: task.status,
    ...(task.decision ? { decision: task.decision, reason: task.reason } : {}),
  };
}

const submitBody = z.looseObject({
  applicationName: z.string().optional(),
  applicantId: z.string().min(1).max(256),
  formData: z
    .looseObject({
      data: z.record(z.string(), z.unknown()).default({}),
      eFormId: z.string().optional(),
    })
    .optional(),
});

const withApplicant = z.looseObject({ applicantId: z.string().min(1).max(256).optional() });

const completeBody = z.looseObject({
  data: z.looseObject({
    decision: z.enum(['approve', 'reject', 'request_information']),
    reason: z.string(),
  }),
});

/**
 * Serves a {@link RegistrationService} as the GovStack Registration BB API (paths as its mock
 * has them): `services`, `services/{id}`, `services/{id}/eForms`, `eForms/{id}`,
 * `services/{id}/applications` (creates and submits), `applications`, `applications/{fileId}`
 * (GET, and PUT to update and (re)submit), `documents` (multipart upload), `tasks`,
 * `tasks/{id}`, `tasks/{id}/complete` (body `{ data: { decision, reason } }`), and
 * `data/statistics/1.0`. Extra: `data/statistics/measures.json|.csv|.schema.json` (open data),
 * `applications/{fileId}/documents/{documentId}` (a document's bytes), and the govblocks
 * extension routes for the port calls GovStack has no route for, under `/govblocks/v1`:
 * `POST services` (defineService), `PUT applications/{id}/form-data` (updateApplication),
 * `POST applications/{id}/withdraw`, `POST applications/{id}/feedback`, `POST tasks/{id}/claim`,
 * `POST payment-confirmations` (confirmPayment), and `POST reconcile` (the engine's
 * `reconcile()`, body `{ limit? }`, for a `service` or `operator` with `registration.operations`
 * or admin; `NOT_SUPPORTED` when `service` is not an engine).
 * See `registrationPortHeader` for how a govblocks client gets the port's exact semantics.
 *
 * @example
 * await startServer(registrationHttpApp(service, { auth: { apiKeys: { keys } } }), { port: 3333 });
 */
export function registrationHttpApp(
  service: RegistrationService,
  options: RegistrationHttpAppOptions = {},
) {
  const app = createHttpApp({
    name: 'registration',
    ...(options.auth ? { auth: options.auth } : {}),
    bodyLimitBytes: options.bodyLimitBytes ?? 12 * 1024 * 1024,
  });

  function actor(c: HttpContext, onBehalfOf?: string): ActorContext {
    const authenticated = c.get('actor');
    const client = c.get('informationMediatorClient');
    let context: ActorContext;
    if (authenticated) context = authenticated;
    else if (client) {
      context = {
        actor: {
          type: 'service',
          id: client,
          roles: [...(options.mediatorRoles ?? [])],
          clientId: client,
        },
        requestId: c.get('requestId'),
        correlationId: c.get('correlationId'),
      };
    } else
      throw new GovBlocksError(
        'UNAUTHORIZED',
        'A credential or an Information-Mediator-Client header is required',
        { status: 401 },
      );
    // A system (portal, X-Road member) files for the applicant it names. People and operators
    // act for someone only when their credential says so (a token's `act` claim): an operator
    // naming an applicant in a body does not become them.
    if (onBehalfOf && context.actor.type === 'service' && !context.actor.onBehalfOf) {
      context = { ...context, actor: { ...context.actor, onBehalfOf } };
    }
    return context;
  }

  /** True when the caller asked for the port's objects and semantics (`registrationPortHeader`). */
  const port = (c: HttpContext) =>
    c.req.header(registrationPortHeader) === registrationSpecificationVersion;
  const withPort = <T extends object>(c: HttpContext, body: T, value: unknown) =>
    port(c) ? { ...body, govblocks: value } : body;

  const services = new Map<string, EService>();
  async function serviceOf(context: ActorContext, id: string) {
    let found = services.get(id);
    if (!found) {
      found = await service.getService(context, id);
      services.set(id, found);
    }
    return found;
  }

  app.get('/services', async (c) => {
    const name = (c.req.query('name') ?? '').toLowerCase();
    const list = await service.listServices(actor(c));
    return sendJson(
      c,
      list
        .filter(
          (entry) => !name || entry.name.toLowerCase().includes(name) || entry.key.includes(name),
        )
        .map((entry) => withPort(c, serviceBody(entry), entry)),
    );
  });

  app.get('/services/:serviceId', async (c) => {
    const found = await service.getService(actor(c), c.req.param('serviceId'));
    return sendJson(c, [withPort(c, serviceBody(found), found)]);
  });

  app.get('/services/:serviceId/eForms', async (c) => {
    const found = await service.getService(actor(c), c.req.param('serviceId'));
    return sendJson(
      c,
      found.eForms.map((form) => ({
        eFormId: form.id,
        name: form.name,
        description: form.description ?? '',
        version: String(form.version),
        latest: found.latest,
      })),
    );
  });

  app.get('/eForms/:eFormId', async (c) => {
    const form = await service.getEForm(actor(c), c.req.param('eFormId'));
    return sendJson(
      c,
      withPort(
        c,
        {
          eFormId: form.id,
          name: form.name,
          description: form.description ?? '',
          version: String(form.version),
          latest: true,
          schema: form.schema,
          ui: form.ui,
        },
        form,
      ),
    );
  });

  app.post('/services/:serviceId/applications', async (c) => {
    const body = await readJson(c, submitBody);
    const context = actor(c, body.applicantId);
    const draft = await service.createApplication(context, {
      service: c.req.param('serviceId'),
      formData: body.formData?.data ?? {},
      applicantId: body.applicantId,
      ...(body.applicationName ? { name: body.applicationName } : {}),
    });
    if (c.req.query('draft') === 'true')
      return sendJson(
        c,
        withPort(c, applicationBody(draft, await serviceOf(context, draft.serviceId)), draft),
      );
    try {
      const submitted = await service.submit(context, draft.id);
      return sendJson(
        c,
        withPort(
          c,
          applicationBody(submitted, await serviceOf(context, draft.serviceId)),
          submitted,
        ),
      );
    } catch (error) {
      // The draft stays, so the applicant can complete it (PUT applications/{fileId}).
      if (isGovBlocksError(error)) error.extensions.fileId = draft.id;
      throw error;
    }
  });

  app.get('/applications', async (c) => {
    const applicantId = c.req.query('applicantId') || undefined;
    const context = actor(c, applicantId);
    const first = Number(c.req.query('firstResult') ?? 0);
    const max = Number(c.req.query('maxResult') ?? 100);
    const serviceId = c.req.query('serviceId') || undefined;
    // Not GovStack query parameters: filters of the port, honoured for govblocks clients.
    const serviceKey = (port(c) && c.req.query('serviceKey')) || undefined;
    const status = (port(c) && c.req.query('status')) || undefined;
    const list = await service.listApplications(context, {
      ...(serviceId ? { serviceId } : {}),
      ...(serviceKey ? { serviceKey } : {}),
      ...(status ? { status: status as ApplicationStatus } : {}),
      ...(applicantId ? { applicantId } : {}),
      offset: Number.isInteger(first) && first >= 0 ? first : 0,
      limit: Number.isInteger(max) && max > 0 && max <= 1_000 ? max : 100,
    });
    const result = [];
    for (const application of list) {
      const owner = await serviceOf(context, application.serviceId);
      const [task] = await service
        .listTasks(context, { applicationId: application.id })
        .catch(() => []);
      const summary = {
        fileId: application.id,
        mainTaskId: application.id,
        taskTitle: task?.stepName ?? '',
        roleId: task?.role ?? '',
        roleName: task?.role ?? '',
        assigneeId: task?.assigneeId ?? '',
        operatorName: '',
        status: statusCodes[application.status],
        state: application.status,
        applicantId: application.applicantId,
        created: application.createdAt,
        registered: application.createdAt,
        description: owner.description ?? '',
        serviceName: owner.name,
        serviceId: owner.id,
        eformId: application.eFormId,
      };
      result.push(withPort(c, summary, application));
    }
    return sendJson(c, result);
  });

  app.get('/applications/:fileId', async (c) => {
    const context = actor(c);
    const application = await service.getApplication(context, c.req.param('fileId'));
    return sendJson(
      c,
      withPort(
        c,
        applicationBody(application, await serviceOf(context, application.serviceId)),
        application,
      ),
    );
  });

  app.put('/applications/:fileId', async (c) => {
    const body = await readJson(c, submitBody);
    const context = actor(c, body.applicantId);
    const id = c.req.param('fileId');
    if (body.formData) await service.updateApplication(context, id, body.formData.data);
    let result: Application;
    if (port(c)) result = await service.submit(context, id);
    else {
      const current = await service.getApplication(context, id);
      result =
        current.status === 'draft' || current.status === 'more_information_requested'
          ? await service.submit(context, id)
          : current;
    }
    return sendJson(
      c,
      withPort(c, applicationBody(result, await serviceOf(context, result.serviceId)), result),
    );
  });

  app.post('/documents', async (c) => {
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new ValidationError('The body must be multipart/form-data with a file', [
        { pointer: '/file', detail: 'required' },
      ]);
    });
    const raw = form.file;
    const file = Array.isArray(raw) ? raw[0] : raw;
    const fileId = String(form.fileId ?? c.req.query('fileId') ?? '');
    const key = String(form.key ?? c.req.query('key') ?? '');
    if (!(file instanceof File) || !fileId || !key) {
      throw new ValidationError('file, fileId and key are required', [
        ...(file instanceof File ? [] : [{ pointer: '/file', detail: 'required' }]),
        ...(fileId ? [] : [{ pointer: '/fileId', detail: 'required' }]),
        ...(key ? [] : [{ pointer: '/key', detail: 'required' }]),
      ]);
    }
    const applicantId = typeof form.applicantId === 'string' ? form.applicantId : undefined;
    const ref = await service.uploadDocument(actor(c, applicantId), fileId, {
      key,
      fileName: file.name || 'document',
      contentType: file.type || 'application/octet-stream',
      content: new Uint8Array(await file.arrayBuffer()),
    });
    return sendJson(c, {
      code: 0,
      type: ref.contentType,
      message: `stored, sha256 ${ref.sha256}`,
      url: `/applications/${fileId}/documents/${ref.id}`,
      document: ref,
    });
  });

  app.get('/applications/:fileId/documents/:documentId', async (c) => {
    const { ref, content } = await service.getDocument(
      actor(c, c.req.query('applicantId') || undefined),
      c.req.param('fileId'),
      c.req.param('documentId'),
    );
    return c.body(content as Uint8Array<ArrayBuffer>, 200, {
      'content-type': ref.contentType,
      // The whole reference, for govblocks clients (base64url JSON).
      'x-govblocks-document': Buffer.from(JSON.stringify(ref)).toString('base64url'),
      'content-disposition': `attachment; filename="${ref.fileName.replace(/["\\\r\n]/g, '_')}"`,
      'x-content-sha256': ref.sha256,
    });
  });

  app.get('/tasks', async (c) => {
    const fileId = c.req.query('fileId') || c.req.query('mainTaskId') || undefined;
    const assigneeId = c.req.query('assigneeId') || undefined;
    const first = Number(c.req.query('firstResult') ?? 0);
    const max = Number(c.req.query('maxResult') ?? 100);
    // Not GovStack query parameters: filters of the port, honoured for govblocks clients.
    const status = (port(c) && c.req.query('status')) || undefined;
    const roles = port(c) ? c.req.query('roles') : undefined;
    const list = await service.listTasks(actor(c), {
      ...(fileId ? { applicationId: fileId } : {}),
      ...(assigneeId ? { assigneeId } : {}),
      ...(status ? { status: status as Task['status'] } : {}),
      ...(roles !== undefined ? { roles: roles.split(',').filter(Boolean) } : {}),
      offset: Number.isInteger(first) && first >= 0 ? first : 0,
      limit: Number.isInteger(max) && max > 0 && max <= 1_000 ? max : 100,
    });
    return sendJson(
      c,
      list.map((task) => withPort(c, taskBody(task), task)),
    );
  });

  app.get('/tasks/:taskId', async (c) => {
    const context = actor(c);
    const task = await service.getTask(context, c.req.param('taskId'));
    const application = await service.getApplication(context, task.applicationId);
    return sendJson(
      c,
      withPort(
        c,
        {
          ...taskBody(task),
          taskName: task.stepName,
          formVariables: {},
          data: application.formData,
        },
        task,
      ),
    );
  });

  app.post('/tasks/:taskId/complete', async (c) => {
    const body = await readJson(c, completeBody);
    const context = actor(c);
    const id = c.req.param('taskId');
    if (!port(c)) {
      // GovStack has no claim step: completing an open task claims it first.
      const current = await service.getTask(context, id);
      if (current.status === 'open') await service.claimTask(context, id);
    }
    const { task, application } = await service.completeTask(context, id, body.data);
    return sendJson(
      c,
      withPort(
        c,
        {
          taskId: task.id,
          fileId: application.id,
          serviceId: application.serviceId,
          status: statusCodes[application.status],
          state: application.status,
          variables: {},
        },
        { task, application },
      ),
    );
  });

  const statistics = async (c: HttpContext) => {
    const client = c.req.header('Information-Mediator-Client');
    if (!c.get('actor') && (!client || !mediatorPattern.test(client))) {
      throw new ValidationError('A valid Information-Mediator-Client header is required', [
        { pointer: '/Information-Mediator-Client', detail: 'INSTANCE/CLASS/MEMBER/SUBSYSTEM' },
      ]);
    }
    const context = actor(c);
    const registrationName = c.req.query('registrationName') || undefined;
    if (registrationName) await service.getService(context, registrationName);
    const timeframe = c.req.query('timeframe') || undefined;
    if (timeframe !== undefined && !['day', 'week', 'month', 'year'].includes(timeframe)) {
      throw new ValidationError('timeframe is day, week, month or year', [
        { pointer: '/timeframe', detail: 'day, week, month or year' },
      ]);
    }
    const query = {
      startDate: c.req.query('startDate') || undefined,
      endDate: c.req.query('endDate') || undefined,
    };
    const filter = {
      ...(query.startDate ? { startDate: query.startDate } : {}),
      ...(query.endDate ? { endDate: query.endDate } : {}),
      ...(registrationName ? { service: registrationName } : {}),
      ...(c.req.query('operator') ? { operator: c.req.query('operator') } : {}),
      ...(c.req.query('role') ? { role: c.req.query('role') } : {}),
    };
    const entry = (measures: ServiceMeasures[], startDate: string, endDate: string) => {
      const sum = (pick: (item: ServiceMeasures) => number | null) =>
        measures.reduce((total, item) => total + (pick(item) ?? 0), 0);
      return {
        processed: sum((item) => item.processed),
        approved: sum((item) => item.approved),
        sentBack: sum((item) => item.sentBack),
        rejected: sum((item) => item.rejected),
        suppressed: measures.some((item) => item.suppressed),
        references: {
          startDate,
          endDate,
          registrationName: registrationName ?? '',
          operator: c.req.query('operator') ?? '',
          role: c.req.query('role') ?? '',
          timeframeDay: timeframe === 'day',
          timeframeWeek: timeframe === 'week',
          timeframeMonth: timeframe === 'month',
          timeframeYear: timeframe === 'year',
        },
      };
    };
    // With a timeframe: one entry per day / week / month / year, its dates in `references`.
    if (timeframe) {
      const periods = await collectServiceMeasuresByPeriod(service, context, {
        ...filter,
        timeframe: timeframe as 'day' | 'week' | 'month' | 'year',
      });
      if (periods.length > 0)
        return sendJson(
          c,
          periods.map((period) => entry(period.measures, period.startDate, period.endDate)),
        );
    }
    const measures = timeframe ? [] : await collectServiceMeasures(service, context, filter);
    return sendJson(c, [entry(measures, query.startDate ?? '', query.endDate ?? '')]);
  };
  app.get('/data/statistics/1.0', statistics);
  app.get('/data/statistics', statistics);

  app.get('/data/statistics/measures.json', async (c) =>
    sendJson(
      c,
      await collectServiceMeasures(service, actor(c), {
        service: c.req.query('service') || undefined,
      }),
    ),
  );
  app.get('/data/statistics/measures.schema.json', (c) => sendJson(c, serviceMeasuresJsonSchema));
  app.get('/data/statistics/measures.csv', async (c) =>
    c.body(
      serviceMeasuresCsv(
        await collectServiceMeasures(service, actor(c), {
          service: c.req.query('service') || undefined,
        }),
      ),
      200,
      {
        'content-type': 'text/csv; charset=utf-8',
      },
    ),
  );

  // govblocks extension routes: port calls the GovStack Registration API has no route for. They
  // answer the port's own objects. `applicantId` in a body names the applicant a system (an
  // Information Mediator client) acts for, as on the GovStack routes.
  const extension = registrationExtensionBase;

  app.post(`${extension}/services`, async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    return sendJson(c, await service.defineService(actor(c), body as never), 201);
  });

  app.put(`${extension}/applications/:fileId/form-data`, async (c) => {
    const body = await readJson(
      c,
      withApplicant.extend({ formData: z.record(z.string(), z.unknown()) }),
    );
    return sendJson(
      c,
      await service.updateApplication(
        actor(c, body.applicantId),
        c.req.param('fileId'),
        body.formData,
      ),
    );
  });

  app.post(`${extension}/applications/:fileId/withdraw`, async (c) => {
    const body = await readJson(
      c,
      withApplicant.extend({ reason: z.string().max(2_000).optional() }).optional(),
    );
    return sendJson(
      c,
      await service.withdraw(actor(c, body?.applicantId), c.req.param('fileId'), body?.reason),
    );
  });

  app.post(`${extension}/applications/:fileId/feedback`, async (c) => {
    const { applicantId, ...input } = await readJson(c, withApplicant);
    return sendJson(
      c,
      await service.giveFeedback(actor(c, applicantId), c.req.param('fileId'), input as never),
    );
  });

  app.post(`${extension}/payment-confirmations`, async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    return sendJson(c, await service.confirmPayment(actor(c), body as never));
  });

  app.post(`${extension}/tasks/:taskId/claim`, async (c) =>
    sendJson(c, await service.claimTask(actor(c), c.req.param('taskId'))),
  );

  app.post(`${extension}/reconcile`, async (c) => {
    const context = actor(c);
    if (
      context.actor.type === 'person' ||
      !(hasRole(context, registrationOperationsRole) || hasRole(context, registrationAdminRole))
    ) {
      throw new ForbiddenError(
        `[registration] reconciling needs a system or operator with '${registrationOperationsRole}'`,
      );
    }
    const body = await readJson(
      c,
      z.strictObject({ limit: z.int().min(1).max(10_000).optional() }).optional(),
    );
    // Only an engine has pending steps and an outbox (a re-served remote adapter has neither).
    if (!isRegistrationEngine(service)) {
      throw new GovBlocksError('NOT_SUPPORTED', '[registration] this service cannot reconcile', {
        status: 501,
      });
    }
    return sendJson(
      c,
      await service.reconcile(body?.limit !== undefined ? { limit: body.limit } : {}),
    );
  });

  return app;
}
