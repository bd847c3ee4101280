import { createHash } from 'node:crypto';
import type {
  ActorContext,
  AuditEventInput,
  AuditSink,
  Clock,
  IdGenerator,
  Money,
} from '@govblocks/core';
import {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  hasRole,
  isGovBlocksError,
  moneySchema,
  NotFoundError,
  parse,
  sumMoney,
  systemClock,
  uuidv7Generator,
  ValidationError,
} from '@govblocks/core';
import { z } from 'zod';
import { RegistrationError } from '../errors.js';
import { type CompiledSchema, createSchemaCompiler } from '../json-schema.js';
import type { Registry } from '../registry/ports.js';
import { valueAt } from './dedup.js';
import {
  type DedupStrategy,
  type DocumentStore,
  type FeeBill,
  type FeeCollector,
  type PendingStep,
  type RegistrationEvent,
  type RegistrationEventSink,
  type RegistrationService,
  type RegistrationStore,
  type RegistrationStoreTx,
  registrationAdminRole,
  registrationPaymentsRole,
  registrationSpecificationVersion,
} from './ports.js';
import {
  type Application,
  type ApplicationPayment,
  applicationFilterSchema,
  completeTaskInputSchema,
  createApplicationInputSchema,
  defineServiceInputSchema,
  type EService,
  feedbackInputSchema,
  type PaymentStep,
  type ReviewStep,
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
  /** Collects the fees of payment steps (needed by services with a payment step). */
  fees?: FeeCollector;
  /**
   * Where {@link RegistrationEvent}s go. Either way each event is written to the store's outbox
   * in the transaction of the change that causes it, so no event is lost in a crash.
   * - a sink: the engine delivers the application's events right after each change, and
   *   `reconcile()` delivers what is left (the sink threw, or the process stopped): at least
   *   once, in order per application — dedupe by `event.id`.
   * - `'pull'`: the events stay in the outbox until a consumer takes them with `drainEvents`.
   * Without it no events are kept.
   */
  events?: RegistrationEventSink | 'pull';
  /**
   * Called when delivering an event fails (it stays in the outbox for `reconcile()`; the change
   * stays committed). `event` is undefined when the outbox itself could not be read.
   */
  onEventError?: (error: unknown, event?: RegistrationEvent) => void;
  /**
   * Called when a pending step (issuing a registry record, opening or cancelling a bill) fails
   * after its state change was committed. The step stays pending; `reconcile()` retries it.
   */
  onPendingStepError?: (error: unknown, step: PendingStep) => void;
  clock?: Clock;
  ids?: IdGenerator;
}

/** What one `reconcile()` pass did. */
export interface ReconcileResult {
  /** Pending steps finished. */
  completed: number;
  /** Steps that failed again (they stay pending): ids, kinds and error codes only. */
  failed: Array<{ id: string; kind: PendingStep['kind']; applicationId: string; error: string }>;
  /** Events delivered from the outbox to the sink (none without a sink, or with `'pull'`). */
  events: EventDelivery;
}

/** What one pass over the event outbox did. */
export interface EventDelivery {
  /** Events delivered (and removed from the outbox). */
  delivered: number;
  /**
   * Events whose delivery failed (they stay in the outbox, and the later events of the same
   * application wait behind them): ids, types and error codes only.
   */
  failed: Array<{
    id: string;
    type: RegistrationEvent['type'];
    applicationId: string;
    error: string;
  }>;
}

/**
 * The in-process engine: the {@link RegistrationService} port plus what only an engine with a
 * store can do.
 */
export interface RegistrationEngine extends RegistrationService {
  /**
   * Finishes pending steps that a crash (or a failing registry or fee collector) left behind:
   * issues the registry records of committed approvals (with the same deterministic record id,
   * so a record is never created twice), opens and cancels bills. Run it at start-up and then
   * periodically. Oldest first, at most `limit` (default 100) steps per call.
   * Audit: what each step writes (`application.record.issued`, …).
   *
   * Then, with an event sink, delivers the events still in the outbox (oldest first, at most
   * `limit`), in order per application; an application whose event fails again keeps the rest
   * of its events for the next pass.
   */
  reconcile(options?: { limit?: number }): Promise<ReconcileResult>;
  /**
   * The pull side of the event outbox (an engine created with `events: 'pull'`): hands the
   * undelivered events to `handler` oldest first (at most `limit`, default 100) and removes each
   * once `handler` resolves. A throw keeps that event, and the later ones of its application, for
   * the next call (at least once, in order per application — dedupe by `event.id`). Run one
   * drainer at a time for strict order. @throws CONFIGURATION_ERROR without `events: 'pull'`.
   */
  drainEvents(
    handler: (event: RegistrationEvent) => Promise<void>,
    options?: { limit?: number },
  ): Promise<EventDelivery>;
}

const confirmationSchema = z.strictObject({
  billId: z.string().min(1).max(256),
  amount: moneySchema,
  reference: z.string().min(1).max(256),
  paidAt: z.iso.datetime({ offset: true }).optional(),
  collectionCost: moneySchema
    .refine((value) => value.amount >= 0, 'a cost is not negative')
    .optional(),
});

/**
 * The registry record id of an application's approval: a UUID (version 8) derived from the
 * application id, so that issuing the record again after a crash finds the same record.
 */
export function approvalRecordUuid(applicationId: string): string {
  const hex = createHash('sha256')
    .update(`govblocks/registration/approval-record/${applicationId}`)
    .digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const isPaymentStep = (step: EService['workflow'][number]): step is PaymentStep =>
  step.type === 'payment';

/** Costs per currency, sorted by currency; zero amounts kept (a free service costs 0). */
function costsByCurrency(values: readonly Money[]): Money[] {
  const currencies = [...new Set(values.map((value) => value.currency))].sort();
  return currencies.map((currency) =>
    sumMoney(
      values.filter((value) => value.currency === currency),
      currency,
    ),
  );
}

const block = 'registration';
const liveStatuses: ApplicationStatus[] = [
  'submitted',
  'in_review',
  'more_information_requested',
  'resubmitted',
  'payment_pending',
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
): RegistrationEngine {
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
    service.workflow.some((step) => !isPaymentStep(step) && hasRole(context, step.role));

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
    const step = service.workflow[application.currentStep] as ReviewStep;
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
      id: ids(),
      type,
      applicationId: application.id,
      serviceKey: application.serviceKey,
      serviceVersion: application.serviceVersion,
      status: application.status,
      ...(application.registryRecord ? { registryRecord: application.registryRecord } : {}),
      ...(type === 'application.payment_requested' || type === 'application.payment_confirmed'
        ? paymentSummary(application)
        : {}),
      at: application.updatedAt,
    };
  }

  function paymentSummary(application: Application) {
    const payment = application.payments?.at(-1);
    return payment
      ? { payment: { billId: payment.billId, amount: payment.amount, status: payment.status } }
      : {};
  }

  const sink = typeof options.events === 'object' ? options.events : undefined;
  const outbox = options.events !== undefined;

  /** Writes events to the outbox, in the transaction of the change that causes them. */
  async function enqueue(tx: RegistrationStoreTx, events: readonly RegistrationEvent[]) {
    if (outbox && events.length > 0) await tx.enqueueEvents(events);
  }

  /**
   * Hands queued events to `handler`, oldest first, removing each once it was handled. After a
   * failure the application's later events wait (order per application). A store failure is
   * thrown.
   */
  async function deliver(
    handler: (event: RegistrationEvent) => Promise<void>,
    filter: { applicationId?: string; limit: number },
  ): Promise<EventDelivery> {
    const result: EventDelivery = { delivered: 0, failed: [] };
    const blocked = new Set<string>();
    for (const { event } of await store.read.listQueuedEvents(filter)) {
      if (blocked.has(event.applicationId)) continue;
      try {
        await handler(event);
      } catch (error) {
        blocked.add(event.applicationId);
        const code = errorCode(error);
        result.failed.push({
          id: event.id,
          type: event.type,
          applicationId: event.applicationId,
          error: code,
        });
        await store
          .transaction((tx) => tx.recordEventFailure(event.id, code))
          .catch(() => undefined);
        options.onEventError?.(error, event);
        continue;
      }
      // One statement, outside a transaction: a crash before it only means a second delivery.
      await store.read.deleteQueuedEvent(event.id);
      result.delivered += 1;
    }
    return result;
  }

  /**
   * After a change committed: delivers the application's queued events to the sink. Never
   * throws — the change stands, and what is left is for `reconcile()`.
   */
  async function deliverAfterCommit(applicationId: string) {
    if (!sink) return;
    try {
      await deliver((event) => sink.publish(event), { applicationId, limit: 100 });
    } catch (error) {
      options.onEventError?.(error);
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

  /** The application after one step, with what else the same transaction must write. */
  interface Advance {
    application: Application;
    task?: Task;
    steps: PendingStep[];
    published: RegistrationEvent['type'][];
  }

  function pendingStep(
    application: Application,
    kind: PendingStep['kind'],
    stepKey: string,
    payload: Record<string, unknown>,
  ): PendingStep {
    return {
      id: `${application.id}:${kind}:${stepKey}`,
      applicationId: application.id,
      kind,
      payload,
      createdAt: now(),
      attempts: 0,
    };
  }

  /** Approves an application in review: the decision, its cost, and the record to issue. */
  function approve(
    application: Application,
    owner: EService,
    context: ActorContext,
    extra: { step: string; reason: string },
    at: string,
  ): Advance {
    const updated: Application = {
      ...transition(application, 'approve', context, extra),
      decision: { decision: 'approved', reason: extra.reason, at },
      ...transactionCost(application, owner),
    };
    const steps: PendingStep[] = [];
    if (owner.registry) {
      steps.push(
        pendingStep(updated, 'issue_record', 'approval', {
          registry: owner.registry.registry,
          version: owner.registry.version,
          uuid: approvalRecordUuid(updated.id),
          content: registryContent(owner, updated, at),
          actor: context.actor,
        }),
      );
    }
    return { application: updated, steps, published: ['application.approved'] };
  }

  /** The processing cost plus what collecting the paid fees cost, at the decision. */
  function transactionCost(application: Application, owner: EService) {
    const costs: Money[] = [
      ...(owner.processingCost ? [owner.processingCost] : []),
      ...(application.payments ?? []).flatMap((payment) =>
        payment.status === 'paid' && payment.collectionCost ? [payment.collectionCost] : [],
      ),
    ];
    return costs.length > 0 ? { transactionCost: costsByCurrency(costs) } : {};
  }

  /**
   * Moves an application (in review, or just submitted) to workflow step `index`: a review
   * step's task, a payment step's bill, or — past the last step — the approval.
   */
  function enterStep(
    application: Application,
    owner: EService,
    index: number,
    context: ActorContext,
  ): Advance {
    const step = owner.workflow[index];
    if (!step) {
      return approve(
        application,
        owner,
        context,
        { step: owner.workflow.at(-1)!.key, reason: 'all steps completed' },
        now(),
      );
    }
    const moved = { ...application, currentStep: index };
    if (!isPaymentStep(step)) {
      return { application: moved, task: openTask(moved, owner), steps: [], published: [] };
    }
    const lines = step.fees.map((key) => {
      const fee = (owner.fees ?? []).find((candidate) => candidate.key === key)!;
      return { key: fee.key, name: fee.name, amount: fee.amount };
    });
    const amount = sumMoney(
      lines.map((line) => line.amount),
      lines[0]!.amount.currency,
    );
    const payment: ApplicationPayment = {
      billId: `${application.id}.${step.key}`,
      stepKey: step.key,
      amount: { amount: amount.amount, currency: amount.currency },
      lines,
      status: 'pending',
      requestedAt: now(),
    };
    const updated: Application = {
      ...transition(moved, 'request_payment', context, { step: step.key }),
      payments: [...(application.payments ?? []), payment],
    };
    const bill: FeeBill = {
      billId: payment.billId,
      applicationId: application.id,
      serviceKey: application.serviceKey,
      stepKey: step.key,
      payerId: application.applicantId,
      amount: payment.amount,
      lines,
    };
    return {
      application: updated,
      steps: [pendingStep(updated, 'open_bill', step.key, { bill })],
      published: ['application.payment_requested'],
    };
  }

  /** Writes what an {@link Advance} adds besides the application itself. */
  async function writeAdvance(tx: RegistrationStoreTx, context: ActorContext, advance: Advance) {
    if (advance.task) await tx.insertTask(advance.task);
    for (const step of advance.steps) await tx.insertPendingStep(step);
    const payment = advance.application.payments?.at(-1);
    if (advance.published.includes('application.payment_requested') && payment) {
      await audit.record(
        applicationEvent(context, advance.application, 'application.payment_requested', {
          bill: payment.billId,
          amount: payment.amount.amount,
          currency: payment.amount.currency,
        }),
      );
    }
  }

  const errorCode = (error: unknown) =>
    isGovBlocksError(error) ? error.code : error instanceof Error ? error.name : 'ERROR';

  /**
   * Finishes a committed pending step: the side effect (idempotent), then — in one transaction —
   * what it changes on the application, its audit event, and the step marked done.
   * Returns the application afterwards, or undefined when the step failed (it stays pending).
   */
  async function runStep(
    step: PendingStep,
    onError: (error: unknown) => void = (error) => options.onPendingStepError?.(error, step),
  ): Promise<Application | undefined> {
    try {
      let change: ((application: Application) => Application | undefined) | undefined;
      let action: string | undefined;
      let details: AuditEventInput['details'] = {};
      const payload = step.payload;
      if (step.kind === 'issue_record') {
        if (!options.registry)
          throw new ConfigurationError('[registration] no registry configured');
        const ref = { registry: String(payload.registry), version: String(payload.version) };
        const created = await options.registry.create(
          { actor: payload.actor as ActorContext['actor'] },
          ref,
          payload.content as Record<string, unknown>,
          { uuid: String(payload.uuid) },
        );
        const record = { registry: created.registry, version: created.version, uuid: created.uuid };
        change = (application) =>
          application.registryRecord ? undefined : { ...application, registryRecord: record };
        action = 'application.record.issued';
        details = { registryRecord: record.uuid, registry: `${record.registry}/${record.version}` };
      } else if (step.kind === 'open_bill') {
        if (!options.fees)
          throw new ConfigurationError('[registration] no fee collector configured');
        const bill = payload.bill as FeeBill;
        const answer = await options.fees.openBill(bill);
        const collector = {
          ...(answer?.reference ? { reference: String(answer.reference) } : {}),
          ...(answer?.paymentUrl ? { paymentUrl: String(answer.paymentUrl) } : {}),
        };
        if (Object.keys(collector).length > 0) {
          change = (application) => ({
            ...application,
            payments: (application.payments ?? []).map((payment) =>
              payment.billId === bill.billId ? { ...payment, collector } : payment,
            ),
          });
        }
      } else {
        if (!options.fees)
          throw new ConfigurationError('[registration] no fee collector configured');
        await options.fees.cancelBill(String(payload.billId));
      }
      const system: ActorContext = { actor: { type: 'system', id: 'registration', roles: [] } };
      return await store.transaction(async (tx) => {
        const current = await tx.getPendingStep(step.id, { forUpdate: true });
        const application = await tx.getApplication(step.applicationId, { forUpdate: true });
        if (!current || current.doneAt !== undefined || !application) return application;
        let result = application;
        const changed = change?.(application);
        if (changed) {
          result = { ...changed, updatedAt: now(), revision: application.revision + 1 };
          await saveApplication(tx, result, application.revision);
          if (action) await audit.record(applicationEvent(system, result, action, details));
          if (step.kind === 'issue_record')
            await enqueue(tx, [publishable('application.record_issued', result)]);
        }
        await tx.updatePendingStep({ ...current, doneAt: now() });
        return result;
      });
    } catch (error) {
      await store
        .transaction(async (tx) => {
          const current = await tx.getPendingStep(step.id, { forUpdate: true });
          if (current && current.doneAt === undefined) {
            await tx.updatePendingStep({
              ...current,
              attempts: current.attempts + 1,
              lastError: errorCode(error),
            });
          }
        })
        .catch(() => undefined);
      onError(error);
      return undefined;
    }
  }

  /** Runs the steps a command committed; the application as it is afterwards. */
  async function runSteps(steps: readonly PendingStep[], application: Application) {
    let latest = application;
    for (const step of steps) latest = (await runStep(step)) ?? latest;
    return latest;
  }

  /** Compiles the target registry's schema, so an approval whose record would not fit is refused up front. */
  async function registryValidator(
    context: ActorContext,
    owner: EService,
  ): Promise<CompiledSchema | undefined> {
    if (!owner.registry) return undefined;
    if (!options.registry) throw new ConfigurationError('[registration] no registry configured');
    const info = await options.registry.getRegistry(context, {
      registry: owner.registry.registry,
      version: owner.registry.version,
    });
    return compiler.compile(info.schema, `registry:${info.id}:${info.modifiedAt}`);
  }

  const service: RegistrationEngine = {
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
      const feeIssues: Array<{ pointer: string; detail: string }> = [];
      parsed.fees.forEach((fee, index) => {
        if (parsed.fees.findIndex((other) => other.key === fee.key) !== index)
          feeIssues.push({ pointer: `/fees/${index}/key`, detail: 'fee keys are unique' });
      });
      parsed.workflow.forEach((step, index) => {
        if (!isPaymentStep(step)) return;
        const fees = step.fees.map((feeKey) => parsed.fees.find((fee) => fee.key === feeKey));
        fees.forEach((fee, position) => {
          if (!fee)
            feeIssues.push({
              pointer: `/workflow/${index}/fees/${position}`,
              detail: 'not a fee of this e-service',
            });
        });
        if (new Set(fees.flatMap((fee) => (fee ? [fee.amount.currency] : []))).size > 1)
          feeIssues.push({
            pointer: `/workflow/${index}/fees`,
            detail: 'the fees of one payment step share a currency',
          });
        if (!options.fees)
          feeIssues.push({
            pointer: `/workflow/${index}`,
            detail: 'this engine has no fee collector',
          });
      });
      if (feeIssues.length > 0)
        throw new ValidationError(
          `[registration] the fees of the e-service do not add up (${feeIssues[0]!.pointer}: ${feeIssues[0]!.detail})`,
          feeIssues,
        );
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
          fees: parsed.fees,
          ...(parsed.processingCost ? { processingCost: parsed.processingCost } : {}),
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
        await enqueue(tx, [publishable('application.created', application)]);
      });
      await deliverAfterCommit(application.id);
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
      const steps: PendingStep[] = [];
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
        const moved = transition(application, action, context);
        await audit.record(
          applicationEvent(
            context,
            moved,
            action === 'submit' ? 'application.submitted' : 'application.resubmitted',
          ),
        );
        events.push(
          publishable(
            action === 'submit' ? 'application.submitted' : 'application.resubmitted',
            moved,
          ),
        );
        // The current step: its task, or — a payment first — the bill.
        const advance = enterStep(moved, owner, moved.currentStep, context);
        await saveApplication(tx, advance.application, application.revision);
        await writeAdvance(tx, context, advance);
        for (const type of advance.published) events.push(publishable(type, advance.application));
        await enqueue(tx, events);
        steps.push(...advance.steps);
        return advance.application;
      });
      const result = await runSteps(steps, submitted);
      await deliverAfterCommit(result.id);
      return result;
    },

    async withdraw(context, applicationId, reason) {
      const steps: PendingStep[] = [];
      const withdrawn = await store.transaction(async (tx) => {
        const { application } = await owned(tx, context, applicationId);
        const moved = transition(
          application,
          'withdraw',
          context,
          reason ? { reason: reason.slice(0, 2_000) } : {},
        );
        // An unpaid bill is cancelled with the application.
        const updated: Application = application.payments?.some(
          (payment) => payment.status === 'pending',
        )
          ? {
              ...moved,
              payments: application.payments.map((payment) => {
                if (payment.status !== 'pending') return payment;
                steps.push(
                  pendingStep(moved, 'cancel_bill', payment.stepKey, { billId: payment.billId }),
                );
                return { ...payment, status: 'cancelled' as const };
              }),
            }
          : moved;
        await saveApplication(tx, updated, application.revision);
        for (const step of steps) await tx.insertPendingStep(step);
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
        await enqueue(tx, [publishable('application.withdrawn', updated)]);
        return updated;
      });
      const result = await runSteps(steps, withdrawn);
      await deliverAfterCommit(result.id);
      return result;
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
          await enqueue(tx, [publishable('application.in_review', updated)]);
        return next;
      });
      await deliverAfterCommit(claimed.applicationId);
      return claimed;
    },

    async completeTask(context, taskId, input) {
      const parsed = parse(completeTaskInputSchema, input, '[registration] task completion');

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

      // An approval commits the decision together with a pending "issue the record" step, then
      // issues the record under a deterministic id and marks the step done: a crash in between
      // leaves the step for reconcile(), never a second record or an approval without one.
      const checked = await load(store.read, false);
      const validator = checked.finalApproval
        ? await registryValidator(context, checked.owner)
        : undefined;
      const at = now();
      const steps: PendingStep[] = [];
      const result = await store.transaction(async (tx) => {
        const { task, application, owner, finalApproval } = await load(tx, true);
        if (
          task.revision !== checked.task.revision ||
          application.revision !== checked.application.revision
        ) {
          throw new ConflictError(
            '[registration] the task or application was changed concurrently; reload and retry',
          );
        }
        let advance: Advance;
        const step = { step: task.stepKey, reason: parsed.reason };
        if (parsed.decision === 'approve' && !finalApproval) {
          advance = enterStep(
            transition(application, 'approve_step', context, step),
            owner,
            application.currentStep + 1,
            context,
          );
          advance.published.unshift('application.step_approved');
        } else if (parsed.decision === 'approve') {
          advance = approve(application, owner, context, step, at);
          const content = advance.steps[0]?.payload.content;
          const issues = validator && content !== undefined ? validator.check(content) : [];
          if (issues.length > 0) {
            throw new ValidationError(
              `[registration] the approved application does not make a valid '${owner.registry!.registry}' record (${issues[0]!.pointer}: ${issues[0]!.detail})`,
              issues.map((issue) => ({ ...issue, pointer: `/registry${issue.pointer}` })),
            );
          }
        } else if (parsed.decision === 'reject') {
          advance = {
            application: {
              ...transition(application, 'reject', context, step),
              decision: { decision: 'rejected', reason: parsed.reason, at },
              ...transactionCost(application, owner),
            },
            steps: [],
            published: ['application.rejected'],
          };
        } else {
          advance = {
            application: {
              ...transition(application, 'request_information', context, step),
              informationRequest: { reason: parsed.reason, at },
            },
            steps: [],
            published: ['application.more_information_requested'],
          };
        }
        const updated = advance.application;
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
        const [first] = advance.published;
        await audit.record(
          applicationEvent(context, updated, `application.${first!.slice('application.'.length)}`),
        );
        await writeAdvance(tx, context, advance);
        steps.push(...advance.steps);
        await enqueue(
          tx,
          advance.published.map((type) => publishable(type, updated)),
        );
        return { task: done, application: updated };
      });
      const application = await runSteps(steps, result.application);
      await deliverAfterCommit(application.id);
      return { task: result.task, application };
    },

    async confirmPayment(context, confirmation) {
      const parsed = parse(confirmationSchema, confirmation, '[registration] payment confirmation');
      if (!isAdmin(context) && !hasRole(context, registrationPaymentsRole)) {
        throw new ForbiddenError(
          `[registration] confirming payments needs '${registrationPaymentsRole}'`,
        );
      }
      const applicationId = parsed.billId.split('.')[0]!;
      const notFound = () =>
        new RegistrationError('APPLICATION_NOT_FOUND', '[registration] no such bill');
      const events: RegistrationEvent[] = [];
      const steps: PendingStep[] = [];
      const confirmed = await store.transaction(async (tx) => {
        const application = await tx.getApplication(applicationId, { forUpdate: true });
        const payment = application?.payments?.find((entry) => entry.billId === parsed.billId);
        if (!application || !payment) throw notFound();
        if (payment.status === 'paid') {
          if (payment.reference === parsed.reference) return application;
          throw new ConflictError('[registration] this bill was already paid by another payment');
        }
        if (payment.status !== 'pending' || application.status !== 'payment_pending')
          throw illegal(application.status, 'confirm payment for');
        if (
          parsed.amount.amount !== payment.amount.amount ||
          parsed.amount.currency !== payment.amount.currency
        ) {
          throw new ValidationError('[registration] the payment does not match the bill', [
            {
              pointer: '/amount',
              detail: `the bill is ${payment.amount.amount} ${payment.amount.currency} (minor units)`,
            },
          ]);
        }
        const owner = await serviceOf(tx, application.serviceId);
        const paid: ApplicationPayment = {
          ...payment,
          status: 'paid',
          paidAt: parsed.paidAt ?? now(),
          reference: parsed.reference,
          ...(parsed.collectionCost ? { collectionCost: parsed.collectionCost } : {}),
        };
        const moved: Application = {
          ...transition(application, 'confirm_payment', context, { step: payment.stepKey }),
          payments: application.payments!.map((entry) =>
            entry.billId === payment.billId ? paid : entry,
          ),
        };
        await audit.record(
          applicationEvent(context, moved, 'application.payment.confirmed', {
            bill: paid.billId,
            amount: paid.amount.amount,
            currency: paid.amount.currency,
          }),
        );
        events.push(publishable('application.payment_confirmed', moved));
        const advance = enterStep(moved, owner, application.currentStep + 1, context);
        await saveApplication(tx, advance.application, application.revision);
        await writeAdvance(tx, context, advance);
        if (advance.published.includes('application.approved'))
          await audit.record(
            applicationEvent(context, advance.application, 'application.approved'),
          );
        steps.push(...advance.steps);
        for (const type of advance.published) events.push(publishable(type, advance.application));
        await enqueue(tx, events);
        return advance.application;
      });
      const application = await runSteps(steps, confirmed);
      await deliverAfterCommit(application.id);
      return application;
    },

    async reconcile(reconcileOptions = {}) {
      const limit = Math.min(Math.max(reconcileOptions.limit ?? 100, 1), 10_000);
      const pending = await store.read.listPendingSteps({ limit });
      const result: ReconcileResult = {
        completed: 0,
        failed: [],
        events: { delivered: 0, failed: [] },
      };
      for (const step of pending) {
        let failure: unknown;
        const application = await runStep(step, (error) => {
          failure = error;
          options.onPendingStepError?.(error, step);
        });
        if (application && failure === undefined) {
          result.completed += 1;
        } else {
          result.failed.push({
            id: step.id,
            kind: step.kind,
            applicationId: step.applicationId,
            error: errorCode(failure),
          });
        }
      }
      if (sink) result.events = await deliver((event) => sink.publish(event), { limit });
      return result;
    },

    async drainEvents(handler, drainOptions = {}) {
      if (options.events !== 'pull') {
        throw new ConfigurationError(
          "[registration] drainEvents needs an engine created with events: 'pull'",
        );
      }
      const limit = Math.min(Math.max(drainOptions.limit ?? 100, 1), 10_000);
      return deliver(handler, { limit });
    },
  };
  return service;
}
