import { createHash } from 'node:crypto';
import type { ActorContext, AuditEventInput, AuditSink, Clock, IdGenerator } from '@govblocks/core';
import {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  hasRole,
  NotFoundError,
  parse,
  systemClock,
  uuidv7Generator,
  ValidationError,
} from '@govblocks/core';
import { RegistrationError } from '../errors.js';
import { createSchemaCompiler } from '../json-schema.js';
import type { Registry } from '../registry/ports.js';
import { valueAt } from './dedup.js';
import {
  type DedupStrategy,
  type DocumentStore,
  type RegistrationEvent,
  type RegistrationEventSink,
  type RegistrationService,
  type RegistrationStore,
  type RegistrationStoreTx,
  registrationAdminRole,
  registrationSpecificationVersion,
} from './ports.js';
import {
  type Application,
  applicationFilterSchema,
  completeTaskInputSchema,
  createApplicationInputSchema,
  defineServiceInputSchema,
  type EService,
  feedbackInputSchema,
  type Task,
  taskFilterSchema,
  uploadDocumentInputSchema,
} from './schemas.js';
import { type ApplicationAction, type ApplicationStatus, nextStatus } from './transitions.js';

export interface CreateRegistrationServiceOptions {
  store: RegistrationStore;
  audit: AuditSink;
  /** Where approved applications become records (needed by services with a `registry` target). */
  registry?: Registry;
  /** Document bytes. Needed by services with required documents. */
  documents?: DocumentStore;
  /** Duplicate rules run at submission, for every service. */
  dedup?: DedupStrategy[];
  events?: RegistrationEventSink;
  /** Called when publishing an event fails (the change stays committed). */
  onEventError?: (error: unknown, event: RegistrationEvent) => void;
  clock?: Clock;
  ids?: IdGenerator;
}

const block = 'registration';
const liveStatuses: ApplicationStatus[] = [
  'submitted',
  'in_review',
  'more_information_requested',
  'resubmitted',
  'approved',
];

function illegal(status: ApplicationStatus, action: string): RegistrationError {
  return new RegistrationError(
    'ILLEGAL_TRANSITION',
    `[registration] cannot ${action.replaceAll('_', ' ')} an application that is ${status.replaceAll('_', ' ')}`,
    {
      extensions: { status, action },
    },
  );
}

/**
 * Creates the in-process registration engine.
 *
 * @example
 * const service = createRegistrationService({ store: memoryRegistrationStore(), registry, audit,
 *   documents: memoryDocumentStore() });
 * await service.defineService(admin, birthRegistration);
 * const draft = await service.createApplication(parent, { service: 'birth-registration', formData });
 * await service.submit(parent, draft.id);
 */
export function createRegistrationService(
  options: CreateRegistrationServiceOptions,
): RegistrationService {
  if (!options?.store || !options.audit) {
    throw new ConfigurationError('[registration] createRegistrationService needs store and audit');
  }
  if (options.registry && options.registry.specificationVersion !== 'registry/v1') {
    throw new RegistrationError(
      'UNSUPPORTED_SPECIFICATION_VERSION',
      `[registration] the registry implements '${String(options.registry.specificationVersion)}'; this engine needs 'registry/v1'`,
    );
  }
  const { store, audit } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Generator(clock);
  const compiler = createSchemaCompiler();
  const dedup = options.dedup ?? [];
  const now = () => clock.now().toISOString();

  const isAdmin = (context: ActorContext) => hasRole(context, registrationAdminRole);
  const isOwner = (context: ActorContext, application: Application) =>
    context.actor.id === application.applicantId ||
    context.actor.onBehalfOf === application.applicantId;
  const isServiceOperator = (context: ActorContext, service: EService) =>
    service.workflow.some((step) => hasRole(context, step.role));

  function actorOf(context: ActorContext): AuditEventInput['actor'] {
    return {
      type: context.actor.type,
      id: context.actor.id,
      ...(context.actor.onBehalfOf ? { onBehalfOf: context.actor.onBehalfOf } : {}),
      ...(context.actor.clientId ? { clientId: context.actor.clientId } : {}),
    };
  }

  function event(
    context: ActorContext,
    action: string,
    subject: { type: string; id: string },
    details: AuditEventInput['details'] = {},
  ): AuditEventInput {
    return {
      block,
      action,
      actor: actorOf(context),
      subject,
      outcome: 'success',
      time: now(),
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
      ...(context.requestId ? { requestId: context.requestId } : {}),
      details,
    };
  }

  async function serviceOf(tx: RegistrationStoreTx, id: string): Promise<EService> {
    const service = await tx.getService(id);
    if (!service)
      throw new RegistrationError(
        'SERVICE_NOT_FOUND',
        '[registration] the application’s service is gone',
      );
    return service;
  }

  /** Loads an application the actor may see; anything else is "not found" (existence is not revealed). */
  async function visible(
    tx: RegistrationStoreTx,
    context: ActorContext,
    id: string,
    forUpdate = false,
  ) {
    const application =
      typeof id === 'string' && id.length <= 128
        ? await tx.getApplication(id, { forUpdate })
        : undefined;
    if (application) {
      const service = await serviceOf(tx, application.serviceId);
      if (
        isAdmin(context) ||
        isOwner(context, application) ||
        (context.actor.type !== 'person' && isServiceOperator(context, service))
      ) {
        return { application, service };
      }
    }
    if (application) {
      // The application exists but is not theirs: answered as "not found", logged as denied.
      await audit.record({
        ...event(context, 'application.access.denied', { type: 'application', id: application.id }),
        outcome: 'denied',
      });
    }
    throw new RegistrationError('APPLICATION_NOT_FOUND', '[registration] no such application');
  }

  async function owned(tx: RegistrationStoreTx, context: ActorContext, id: string) {
    const found = await visible(tx, context, id, true);
    if (!isOwner(context, found.application)) {
      throw new ForbiddenError(
        '[registration] only the applicant (or someone acting on their behalf) may do this',
      );
    }
    return found;
  }

  function transition(
    application: Application,
    action: ApplicationAction,
    context: ActorContext,
    extra: { step?: string; reason?: string } = {},
  ): Application {
    const to = nextStatus(application.status, action);
    if (!to) throw illegal(application.status, action);
    const at = now();
    return {
      ...application,
      status: to,
      updatedAt: at,
      revision: application.revision + 1,
      history: [
        ...application.history,
        {
          action,
          from: application.status,
          to,
          at,
          actorId: context.actor.id,
          ...(extra.step ? { step: extra.step } : {}),
          ...(extra.reason ? { reason: extra.reason } : {}),
        },
      ],
    };
  }

  async function saveApplication(
    tx: RegistrationStoreTx,
    application: Application,
    expectedRevision: number,
  ) {
    if (!(await tx.updateApplication(application, expectedRevision))) {
      throw new ConflictError(
        '[registration] the application was changed concurrently; reload and retry',
      );
    }
  }

  function openTask(application: Application, service: EService): Task {
    const step = service.workflow[application.currentStep]!;
    return {
      id: ids(),
      applicationId: application.id,
      serviceId: service.id,
      serviceKey: service.key,
      stepKey: step.key,
      stepName: step.name,
      role: step.role,
      status: 'open',
      createdAt: now(),
      revision: 0,
    };
  }

  function publishable(
    type: RegistrationEvent['type'],
    application: Application,
  ): RegistrationEvent {
    return {
      type,
      applicationId: application.id,
      serviceKey: application.serviceKey,
      serviceVersion: application.serviceVersion,
      status: application.status,
      ...(application.registryRecord ? { registryRecord: application.registryRecord } : {}),
      at: application.updatedAt,
    };
  }

  async function publish(events: RegistrationEvent[]) {
    if (!options.events) return;
    for (const item of events) {
      try {
        await options.events.publish(item);
      } catch (error) {
        options.onEventError?.(error, item);
      }
    }
  }

  function applicationEvent(
    context: ActorContext,
    application: Application,
    action: string,
    details: AuditEventInput['details'] = {},
  ) {
    return event(
      context,
      action,
      { type: 'application', id: application.id },
      {
        service: application.serviceKey,
        status: application.status,
        ...details,
      },
    );
  }

  async function requireTaskRole(context: ActorContext, task: Task) {
    if (!isAdmin(context) && !hasRole(context, task.role)) {
      await audit.record({
        ...event(context, 'task.access.denied', { type: 'task', id: task.id }, { role: task.role }),
        outcome: 'denied',
      });
      throw new ForbiddenError(`[registration] this task needs the role '${task.role}'`);
    }
  }

  function registryContent(
    service: EService,
    application: Application,
    decidedAt: string,
  ): Record<string, unknown> {
    const content: Record<string, unknown> = {};
    for (const [field, source] of Object.entries(service.registry?.fields ?? {})) {
      const value =
        source === '$applicationId'
          ? application.id
          : source === '$applicantId'
            ? application.applicantId
            : source === '$decidedAt'
              ? decidedAt
              : valueAt(application.formData, source);
      if (value !== undefined) content[field] = value;
    }
    return content;
  }

  const service: RegistrationService = {
    specificationVersion: registrationSpecificationVersion,

    async defineService(context, input) {
      if (!isAdmin(context))
        throw new ForbiddenError(
          `[registration] defining e-services needs '${registrationAdminRole}'`,
        );
      const parsed = parse(defineServiceInputSchema, input, '[registration] e-service');
      parsed.eForms.forEach((form, index) => {
        try {
          compiler.compile(form.schema);
        } catch (error) {
          throw new ValidationError('An e-form schema is invalid', [
            {
              pointer: `/eForms/${index}/schema`,
              detail: error instanceof Error ? error.message : 'invalid',
            },
          ]);
        }
      });
      if (parsed.registry && !options.registry) {
        throw new ValidationError('This engine has no registry to write approved applications to', [
          { pointer: '/registry', detail: 'no registry configured' },
        ]);
      }
      if (parsed.requiredDocuments.length > 0 && !options.documents) {
        throw new ValidationError('This engine has no document store', [
          { pointer: '/requiredDocuments', detail: 'no document store configured' },
        ]);
      }
      if (parsed.registry && options.registry) {
        await options.registry.getRegistry(context, {
          registry: parsed.registry.registry,
          version: parsed.registry.version,
        });
      }
      return store.transaction(async (tx) => {
        const previous = await tx.getLatestService(parsed.key);
        const version = (previous?.version ?? 0) + 1;
        const defined: EService = {
          id: ids(),
          key: parsed.key,
          version,
          latest: true,
          name: parsed.name,
          ...(parsed.description ? { description: parsed.description } : {}),
          eForms: parsed.eForms.map((form) => ({ ...form, id: ids(), version })),
          requiredDocuments: parsed.requiredDocuments,
          workflow: parsed.workflow,
          ...(parsed.registry ? { registry: parsed.registry } : {}),
          createdAt: now(),
        };
        await tx.saveService(defined);
        await tx.markSuperseded(defined.key, defined.id);
        await audit.record(
          event(
            context,
            'service.defined',
            { type: 'e-service', id: defined.id },
            { key: defined.key, version },
          ),
        );
        return defined;
      });
    },

    async getService(_context, idOrKey) {
      const found =
        (await store.read.getService(idOrKey)) ?? (await store.read.getLatestService(idOrKey));
      if (!found)
        throw new RegistrationError(
          'SERVICE_NOT_FOUND',
          `[registration] no e-service '${idOrKey}'`,
        );
      return found;
    },

    async listServices() {
      return store.read.listLatestServices();
    },

    async getEForm(_context, eFormId) {
      const form = await store.read.getEForm(eFormId);
      if (!form) throw new NotFoundError('[registration] no such e-form');
      return form;
    },

    async createApplication(context, input) {
      const parsed = parse(createApplicationInputSchema, input, '[registration] application');
      const target = await service.getService(context, parsed.service);
      const latest = target.latest ? target : await service.getService(context, target.key);
      let applicantId: string;
      if (context.actor.type === 'person') {
        applicantId = context.actor.onBehalfOf ?? context.actor.id;
        if (parsed.applicantId !== undefined && parsed.applicantId !== applicantId) {
          throw new ForbiddenError(
            '[registration] a person applies for themselves or whom they act on behalf of',
          );
        }
      } else {
        applicantId = parsed.applicantId ?? context.actor.onBehalfOf ?? context.actor.id;
      }
      const at = now();
      const application: Application = {
        id: ids(),
        serviceId: latest.id,
        serviceKey: latest.key,
        serviceVersion: latest.version,
        eFormId: latest.eForms[0]!.id,
        applicantId,
        ...(parsed.name ? { name: parsed.name } : {}),
        status: 'draft',
        formData: parsed.formData,
        documents: [],
        currentStep: 0,
        history: [{ action: 'create', to: 'draft', at, actorId: context.actor.id }],
        createdAt: at,
        updatedAt: at,
        revision: 0,
      };
      await store.transaction(async (tx) => {
        await tx.insertApplication(application);
        await audit.record(applicationEvent(context, application, 'application.created'));
      });
      await publish([publishable('application.created', application)]);
      return application;
    },

    async updateApplication(context, applicationId, formData) {
      const data = parse(
        createApplicationInputSchema.shape.formData,
        formData,
        '[registration] form data',
      );
      return store.transaction(async (tx) => {
        const { application } = await owned(tx, context, applicationId);
        if (application.status !== 'draft' && application.status !== 'more_information_requested') {
          throw illegal(application.status, 'update');
        }
        const updated = {
          ...application,
          formData: data,
          updatedAt: now(),
          revision: application.revision + 1,
        };
        await saveApplication(tx, updated, application.revision);
        await audit.record(applicationEvent(context, updated, 'application.updated'));
        return updated;
      });
    },

    async uploadDocument(context, applicationId, input) {
      const parsed = parse(uploadDocumentInputSchema, input, '[registration] document');
      const documents = options.documents;
      if (!documents) throw new ConfigurationError('[registration] no document store configured');
      // Checks first, then the bytes (outside the transaction: a document store may share the
      // database connection), then the reference, under the revision that was checked.
      const { application: checked, service: owner } = await owned(
        store.read,
        context,
        applicationId,
      );
      if (checked.status !== 'draft' && checked.status !== 'more_information_requested') {
        throw illegal(checked.status, 'attach documents to');
      }
      const required = owner.requiredDocuments.find((document) => document.key === parsed.key);
      if (!required) {
        throw new ValidationError(`No document '${parsed.key}' is asked for`, [
          { pointer: '/key', detail: 'not a document of this e-service' },
        ]);
      }
      const mediaType = parsed.contentType.split(';')[0]!.trim().toLowerCase();
      if (!required.contentTypes.map((type) => type.toLowerCase()).includes(mediaType)) {
        throw new RegistrationError(
          'DOCUMENT_TYPE_REFUSED',
          `[registration] '${mediaType}' is not accepted for '${parsed.key}'`,
          {
            extensions: { accepted: required.contentTypes },
          },
        );
      }
      if (parsed.content.byteLength > required.maxBytes) {
        throw new RegistrationError(
          'DOCUMENT_TOO_LARGE',
          `[registration] '${parsed.key}' may be at most ${required.maxBytes} bytes`,
          {
            extensions: { maxBytes: required.maxBytes },
          },
        );
      }
      const sha256 = createHash('sha256').update(parsed.content).digest('hex');
      const ref = {
        id: ids(),
        key: parsed.key,
        fileName: parsed.fileName,
        contentType: mediaType,
        size: parsed.content.byteLength,
        sha256,
        uploadedAt: now(),
      };
      await documents.put(ref.id, parsed.content, { contentType: mediaType, sha256 });
      let result: { ref: typeof ref; replaced: typeof checked.documents };
      try {
        result = await store.transaction(async (tx) => {
          const { application } = await owned(tx, context, applicationId);
          if (application.revision !== checked.revision) {
            throw new ConflictError(
              '[registration] the application was changed concurrently; reload and retry',
            );
          }
          const replaced = application.documents.filter((document) => document.key === parsed.key);
          const updated = {
            ...application,
            documents: [
              ...application.documents.filter((document) => document.key !== parsed.key),
              ref,
            ],
            updatedAt: ref.uploadedAt,
            revision: application.revision + 1,
          };
          await saveApplication(tx, updated, application.revision);
          await audit.record(
            applicationEvent(context, updated, 'application.document.attached', {
              document: parsed.key,
              size: ref.size,
              sha256,
            }),
          );
          return { ref, replaced };
        });
      } catch (error) {
        await documents.delete(ref.id);
        throw error;
      }
      for (const old of result.replaced) await documents.delete(old.id);
      return result.ref;
    },

    async getDocument(context, applicationId, documentId) {
      const { application } = await visible(store.read, context, applicationId);
      const ref = application.documents.find((document) => document.id === documentId);
      const content = ref ? await options.documents?.get(ref.id) : undefined;
      if (!ref || !content)
        throw new RegistrationError('DOCUMENT_NOT_FOUND', '[registration] no such document');
      return { ref, content };
    },

    async submit(context, applicationId) {
      const events: RegistrationEvent[] = [];
      const submitted = await store.transaction(async (tx) => {
        const { application, service: owner } = await owned(tx, context, applicationId);
        const action = application.status === 'more_information_requested' ? 'resubmit' : 'submit';
        if (!nextStatus(application.status, action)) throw illegal(application.status, action);
        const form =
          owner.eForms.find((candidate) => candidate.id === application.eFormId) ??
          owner.eForms[0]!;
        const issues = compiler
          .compile(form.schema, `eform:${form.id}`)
          .check(application.formData);
        const missing = owner.requiredDocuments
          .filter(
            (document) =>
              document.required &&
              !application.documents.some((attached) => attached.key === document.key),
          )
          .map((document) => ({
            pointer: `/documents/${document.key}`,
            detail: 'required document missing',
            code: 'required',
          }));
        const all = [
          ...issues.map((issue) => ({ ...issue, pointer: `/formData${issue.pointer}` })),
          ...missing,
        ];
        if (all.length > 0)
          throw new ValidationError(
            `[registration] the application is incomplete (${all[0]!.pointer}: ${all[0]!.detail})`,
            all,
          );
        if (dedup.length > 0) {
          const others = await tx.listApplications({
            serviceKey: application.serviceKey,
            statuses: liveStatuses,
            limit: 100_000,
            offset: 0,
          });
          for (const strategy of dedup) {
            const match = others.find(
              (other) =>
                other.id !== application.id &&
                strategy.score(application.formData, other.formData) >= strategy.threshold,
            );
            if (match) {
              await audit.record({
                ...applicationEvent(context, application, 'application.duplicate.refused', {
                  rule: strategy.name,
                }),
                outcome: 'denied',
              });
              throw new RegistrationError(
                'DUPLICATE_DETECTED',
                `[registration] a matching application already exists (rule '${strategy.name}')`,
                {
                  extensions: { rule: strategy.name },
                },
              );
            }
          }
        }
        const updated = transition(application, action, context);
        await saveApplication(tx, updated, application.revision);
        await tx.insertTask(openTask(updated, owner));
        await audit.record(
          applicationEvent(
            context,
            updated,
            action === 'submit' ? 'application.submitted' : 'application.resubmitted',
          ),
        );
        events.push(
          publishable(
            action === 'submit' ? 'application.submitted' : 'application.resubmitted',
            updated,
          ),
        );
        return updated;
      });
      await publish(events);
      return submitted;
    },

    async withdraw(context, applicationId, reason) {
      const withdrawn = await store.transaction(async (tx) => {
        const { application } = await owned(tx, context, applicationId);
        const updated = transition(
          application,
          'withdraw',
          context,
          reason ? { reason: reason.slice(0, 2_000) } : {},
        );
        await saveApplication(tx, updated, application.revision);
        for (const task of await tx.listTasks({ applicationId, limit: 1_000, offset: 0 })) {
          if (task.status === 'open' || task.status === 'claimed') {
            await tx.updateTask(
              {
                ...task,
                status: 'cancelled',
                completedAt: updated.updatedAt,
                revision: task.revision + 1,
              },
              task.revision,
            );
          }
        }
        await audit.record(applicationEvent(context, updated, 'application.withdrawn'));
        return updated;
      });
      await publish([publishable('application.withdrawn', withdrawn)]);
      return withdrawn;
    },

    async getApplication(context, applicationId) {
      return (await visible(store.read, context, applicationId)).application;
    },

    async listApplications(context, filter = {}) {
      const parsed = parse(applicationFilterSchema, filter, '[registration] application filter');
      if (context.actor.type === 'person') {
        const self = context.actor.onBehalfOf ?? context.actor.id;
        if (parsed.applicantId !== undefined && parsed.applicantId !== self) return [];
        return store.read.listApplications({ ...parsed, applicantId: self });
      }
      const found = await store.read.listApplications(parsed);
      if (isAdmin(context)) return found;
      const services = new Map<string, EService | undefined>();
      const result: Application[] = [];
      for (const application of found) {
        if (!services.has(application.serviceId))
          services.set(application.serviceId, await store.read.getService(application.serviceId));
        const owner = services.get(application.serviceId);
        if (isOwner(context, application) || (owner && isServiceOperator(context, owner)))
          result.push(application);
      }
      return result;
    },

    async giveFeedback(context, applicationId, input) {
      const parsed = parse(feedbackInputSchema, input, '[registration] feedback');
      return store.transaction(async (tx) => {
        const { application } = await owned(tx, context, applicationId);
        if (!['approved', 'rejected', 'withdrawn'].includes(application.status))
          throw illegal(application.status, 'give feedback on');
        const updated: Application = {
          ...application,
          feedback: {
            rating: parsed.rating,
            ...(parsed.comment ? { comment: parsed.comment } : {}),
            at: now(),
          },
          updatedAt: now(),
          revision: application.revision + 1,
        };
        await saveApplication(tx, updated, application.revision);
        await audit.record(
          applicationEvent(context, updated, 'application.feedback.given', {
            rating: parsed.rating,
          }),
        );
        return updated;
      });
    },

    async listTasks(context, filter = {}) {
      const parsed = parse(taskFilterSchema, filter, '[registration] task filter');
      let roles = parsed.roles;
      if (!isAdmin(context)) {
        roles = (parsed.roles ?? context.actor.roles).filter((role) =>
          context.actor.roles.includes(role),
        );
        if (roles.length === 0) return [];
      }
      return store.read.listTasks({ ...parsed, ...(roles ? { roles } : {}) });
    },

    async getTask(context, taskId) {
      const task = await store.read.getTask(taskId);
      if (!task) throw new RegistrationError('TASK_NOT_FOUND', '[registration] no such task');
      await requireTaskRole(context, task);
      return task;
    },

    async claimTask(context, taskId) {
      const events: RegistrationEvent[] = [];
      const claimed = await store.transaction(async (tx) => {
        const task = await tx.getTask(taskId, { forUpdate: true });
        if (!task) throw new RegistrationError('TASK_NOT_FOUND', '[registration] no such task');
        await requireTaskRole(context, task);
        if (task.status === 'claimed') {
          if (task.assigneeId === context.actor.id) return task;
          throw new RegistrationError(
            'TASK_ALREADY_CLAIMED',
            '[registration] another operator has claimed this task',
          );
        }
        if (task.status !== 'open')
          throw new RegistrationError(
            'ILLEGAL_TRANSITION',
            `[registration] the task is ${task.status}`,
          );
        const application = await tx.getApplication(task.applicationId, { forUpdate: true });
        if (!application)
          throw new RegistrationError(
            'APPLICATION_NOT_FOUND',
            '[registration] no such application',
          );
        const updated = transition(application, 'claim', context, { step: task.stepKey });
        await saveApplication(tx, updated, application.revision);
        const next: Task = {
          ...task,
          status: 'claimed',
          assigneeId: context.actor.id,
          claimedAt: now(),
          revision: task.revision + 1,
        };
        if (!(await tx.updateTask(next, task.revision)))
          throw new ConflictError('[registration] the task was changed concurrently');
        await audit.record(
          event(
            context,
            'task.claimed',
            { type: 'task', id: task.id },
            { application: task.applicationId, step: task.stepKey },
          ),
        );
        if (application.status !== 'in_review')
          events.push(publishable('application.in_review', updated));
        return next;
      });
      await publish(events);
      return claimed;
    },

    async completeTask(context, taskId, input) {
      const parsed = parse(completeTaskInputSchema, input, '[registration] task completion');
      const events: RegistrationEvent[] = [];

      async function load(tx: RegistrationStoreTx, forUpdate: boolean) {
        const task = await tx.getTask(taskId, { forUpdate });
        if (!task) throw new RegistrationError('TASK_NOT_FOUND', '[registration] no such task');
        await requireTaskRole(context, task);
        if (task.status === 'open') {
          throw new RegistrationError(
            'ILLEGAL_TRANSITION',
            '[registration] claim the task before completing it',
          );
        }
        if (task.status !== 'claimed') {
          throw new RegistrationError(
            'ILLEGAL_TRANSITION',
            `[registration] the task is ${task.status}`,
          );
        }
        if (task.assigneeId !== context.actor.id) {
          throw new ForbiddenError(
            '[registration] only the operator who claimed the task may complete it',
          );
        }
        const application = await tx.getApplication(task.applicationId, { forUpdate });
        if (!application)
          throw new RegistrationError(
            'APPLICATION_NOT_FOUND',
            '[registration] no such application',
          );
        const owner = await serviceOf(tx, application.serviceId);
        const lastStep = application.currentStep >= owner.workflow.length - 1;
        return {
          task,
          application,
          owner,
          finalApproval: parsed.decision === 'approve' && lastStep,
        };
      }

      // The registry record of a final approval is written first, outside the transaction (the
      // registry is another port, possibly on the same connection), under the revisions checked
      // here; the transaction then re-checks them, and the record is removed if it fails.
      const checked = await load(store.read, false);
      const at = now();
      let record: { registry: string; version: string; uuid: string } | undefined;
      if (checked.finalApproval && checked.owner.registry) {
        if (!options.registry)
          throw new ConfigurationError('[registration] no registry configured');
        const created = await options.registry.create(
          context,
          { registry: checked.owner.registry.registry, version: checked.owner.registry.version },
          registryContent(checked.owner, checked.application, at),
        );
        record = { registry: created.registry, version: created.version, uuid: created.uuid };
      }
      let result: { task: Task; application: Application };
      try {
        result = await store.transaction(async (tx) => {
          const { task, application, owner, finalApproval } = await load(tx, true);
          if (
            task.revision !== checked.task.revision ||
            application.revision !== checked.application.revision
          ) {
            throw new ConflictError(
              '[registration] the task or application was changed concurrently; reload and retry',
            );
          }
          let updated: Application;
          let nextTask: Task | undefined;
          let published: RegistrationEvent['type'];
          const step = { step: task.stepKey, reason: parsed.reason };
          if (parsed.decision === 'approve' && !finalApproval) {
            updated = {
              ...transition(application, 'approve_step', context, step),
              currentStep: application.currentStep + 1,
            };
            nextTask = openTask(updated, owner);
            published = 'application.step_approved';
          } else if (parsed.decision === 'approve') {
            updated = {
              ...transition(application, 'approve', context, step),
              decision: { decision: 'approved', reason: parsed.reason, at },
              ...(record ? { registryRecord: record } : {}),
            };
            published = 'application.approved';
          } else if (parsed.decision === 'reject') {
            updated = {
              ...transition(application, 'reject', context, step),
              decision: { decision: 'rejected', reason: parsed.reason, at },
            };
            published = 'application.rejected';
          } else {
            updated = {
              ...transition(application, 'request_information', context, step),
              informationRequest: { reason: parsed.reason, at },
            };
            published = 'application.more_information_requested';
          }
          await saveApplication(tx, updated, application.revision);
          const done: Task = {
            ...task,
            status: 'completed',
            decision: parsed.decision,
            reason: parsed.reason,
            completedAt: at,
            revision: task.revision + 1,
          };
          if (!(await tx.updateTask(done, task.revision))) {
            throw new ConflictError('[registration] the task was changed concurrently');
          }
          if (nextTask) await tx.insertTask(nextTask);
          await audit.record(
            event(
              context,
              'task.completed',
              { type: 'task', id: task.id },
              {
                application: task.applicationId,
                step: task.stepKey,
                decision: parsed.decision,
              },
            ),
          );
          await audit.record(
            applicationEvent(
              context,
              updated,
              `application.${published.slice('application.'.length)}`,
              updated.registryRecord ? { registryRecord: updated.registryRecord.uuid } : {},
            ),
          );
          events.push(publishable(published, updated));
          return { task: done, application: updated };
        });
      } catch (error) {
        if (record && options.registry) {
          await options.registry
            .delete(context, { registry: record.registry, version: record.version }, record.uuid)
            .catch(() => undefined);
        }
        throw error;
      }
      await publish(events);
      return result;
    },
  };
  return service;
}
