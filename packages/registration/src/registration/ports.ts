import type { ActorContext, Money } from '@govblocks/core';
import type {
  Application,
  ApplicationFilter,
  ApplicationPayment,
  CompleteTaskInput,
  CreateApplicationInput,
  DefineServiceInput,
  DocumentRef,
  EForm,
  EService,
  FeedbackInput,
  Task,
  TaskFilter,
  UploadDocumentInput,
} from './schemas.js';
import type { ApplicationStatus } from './transitions.js';

/** The version of the {@link RegistrationService} port this package implements. */
export const registrationSpecificationVersion = 'registration/v1' as const;

/** Role that may define e-services and see every application. */
export const registrationAdminRole = 'registration.admin';

/** Role of the system (a payments block, a payment gateway) that confirms fee payments. */
export const registrationPaymentsRole = 'registration.payments';

/**
 * Role of the system or operator that may run `reconcile()` over HTTP (the govblocks extension
 * route `POST /govblocks/v1/reconcile`); `registration.admin` may too. Never a person.
 */
export const registrationOperationsRole = 'registration.operations';

/**
 * The Registration port: e-services with forms, applications moving through an explicit
 * transition table (see `transitionTable`), operator tasks, documents.
 *
 * Conventions for every method:
 * - Access: a `person` sees and changes only their own applications (`applicantId` is their id,
 *   or the one they act on behalf of) — anything else is `APPLICATION_NOT_FOUND`, so existence
 *   is not revealed. Operators act on tasks whose step role they hold (`FORBIDDEN` otherwise);
 *   `registration.admin` defines services and sees everything.
 * - Bad input → `VALIDATION_FAILED` with field pointers (form data is validated against the
 *   e-form's JSON Schema with Ajv). Illegal transitions → `ILLEGAL_TRANSITION` (409).
 *   Nothing is written when a call fails.
 * - Every state change writes one audit event (`registration` block, `application.*`,
 *   `task.*`, `service.*`) and, for application transitions, publishes a {@link RegistrationEvent}.
 */
export interface RegistrationService {
  readonly specificationVersion: typeof registrationSpecificationVersion;

  /**
   * Defines an e-service, or a new version of an existing key (applications in progress keep
   * their version). Every e-form schema is compiled first. Needs `registration.admin`.
   * Audit: `service.defined`.
   */
  defineService(context: ActorContext, input: DefineServiceInput): Promise<EService>;
  /** An e-service by id, or the latest version of a key. @throws SERVICE_NOT_FOUND */
  getService(context: ActorContext, idOrKey: string): Promise<EService>;
  /** Latest versions of every e-service, by key. */
  listServices(context: ActorContext): Promise<EService[]>;
  /** One e-form by id. @throws NOT_FOUND */
  getEForm(context: ActorContext, eFormId: string): Promise<EForm>;

  /**
   * Starts a draft application on the latest version of the service. Form data may be partial
   * (it is validated at submission). Audit: `application.created`.
   * @throws SERVICE_NOT_FOUND
   */
  createApplication(context: ActorContext, input: CreateApplicationInput): Promise<Application>;
  /**
   * Replaces the form data of a draft, or of an application asked for more information.
   * Audit: `application.updated`. @throws ILLEGAL_TRANSITION in any other status.
   */
  updateApplication(
    context: ActorContext,
    applicationId: string,
    formData: Record<string, unknown>,
  ): Promise<Application>;
  /**
   * Attaches a document (draft or more information requested). The content type must be one the
   * required document accepts (`DOCUMENT_TYPE_REFUSED`, 415) and the size within its limit
   * (`DOCUMENT_TOO_LARGE`, 413). The SHA-256 is recorded. A second upload for the same key
   * replaces the first. Audit: `application.document.attached`.
   */
  uploadDocument(
    context: ActorContext,
    applicationId: string,
    input: UploadDocumentInput,
  ): Promise<DocumentRef>;
  /** A document's bytes and reference. Same access rules as the application. @throws DOCUMENT_NOT_FOUND */
  getDocument(
    context: ActorContext,
    applicationId: string,
    documentId: string,
  ): Promise<{ ref: DocumentRef; content: Uint8Array }>;
  /**
   * Submits a draft (→ submitted) or answers a request for information (→ resubmitted): the
   * form data must satisfy the e-form schema, required documents must be attached, and no
   * configured duplicate rule may match another live application (`DUPLICATE_DETECTED`).
   * Opens the task of the current workflow step. Audit: `application.submitted` / `.resubmitted`.
   */
  submit(context: ActorContext, applicationId: string): Promise<Application>;
  /** The applicant withdraws before a decision (→ withdrawn); open tasks are cancelled. */
  withdraw(context: ActorContext, applicationId: string, reason?: string): Promise<Application>;
  /** One application, if the actor may see it. @throws APPLICATION_NOT_FOUND */
  getApplication(context: ActorContext, applicationId: string): Promise<Application>;
  /** Applications the actor may see (a person: their own), newest first. */
  listApplications(context: ActorContext, filter?: ApplicationFilter): Promise<Application[]>;
  /**
   * Satisfaction feedback (rating 1–5, optional comment) on a decided or withdrawn application,
   * by its applicant; a second call replaces the first. Audit: `application.feedback.given`.
   */
  giveFeedback(
    context: ActorContext,
    applicationId: string,
    input: FeedbackInput,
  ): Promise<Application>;

  /** Tasks for the operator's roles (or all, for an admin), oldest first. */
  listTasks(context: ActorContext, filter?: TaskFilter): Promise<Task[]>;
  /** One task. @throws TASK_NOT_FOUND; FORBIDDEN without the step's role. */
  getTask(context: ActorContext, taskId: string): Promise<Task>;
  /**
   * Assigns an open task to the calling operator (application → in review).
   * @throws FORBIDDEN without the role; TASK_ALREADY_CLAIMED when another operator has it.
   * Idempotent for the same operator. Audit: `task.claimed`.
   */
  claimTask(context: ActorContext, taskId: string): Promise<Task>;
  /**
   * Completes a claimed task with a decision and reason. `approve` moves to the next step (a
   * new task) or, on the last step, approves the application: the configured registry record
   * is created and `application.approved` published (then `application.record_issued`). `reject` rejects; `request_information`
   * returns the application to the applicant. Only the assignee may complete.
   * Audit: `task.completed` and the application transition.
   */
  completeTask(
    context: ActorContext,
    taskId: string,
    input: CompleteTaskInput,
  ): Promise<{ task: Task; application: Application }>;

  /**
   * A fee payment arrived for the bill of a payment step (`application.payments[].billId`): the
   * amount and currency must be the bill's (`VALIDATION_FAILED` at `/amount` otherwise). The
   * application leaves `payment_pending` for the next step's task, or is approved when the
   * payment was the last step. Needs `registration.payments` (or admin).
   * Idempotent: the same confirmation again returns the application unchanged; a different
   * payment reference for a paid bill is `CONFLICT`. @throws APPLICATION_NOT_FOUND for an
   * unknown bill; ILLEGAL_TRANSITION when the bill is not pending (cancelled by a withdrawal).
   * Audit: `application.payment.confirmed` and the transitions.
   */
  confirmPayment(context: ActorContext, confirmation: PaymentConfirmation): Promise<Application>;
}

/** What a payment system reports when a bill was paid. */
export interface PaymentConfirmation {
  /** The bill's id, as the engine gave it to {@link FeeCollector.openBill}. */
  billId: string;
  /** What was paid: must equal the bill. */
  amount: Money;
  /** The payment system's reference of the payment (receipt or transaction id). */
  reference: string;
  /** When the payment was made (ISO 8601). Default: when the confirmation arrives. */
  paidAt?: string;
  /** What collecting it cost (rail, card or agent fee), when the payment system reports it. */
  collectionCost?: Money;
}

/** A bill the engine asks a {@link FeeCollector} to collect. */
export interface FeeBill {
  billId: string;
  applicationId: string;
  serviceKey: string;
  stepKey: string;
  /** The applicant (personal data: a collector must not log it). */
  payerId: string;
  /** The sum of `lines`. */
  amount: Money;
  lines: Array<{ key: string; name: string; amount: Money }>;
}

/**
 * Where the fees of payment steps are collected: a bill is opened when an application reaches a
 * payment step and cancelled when it is withdrawn; the payment system later reports the payment
 * through {@link RegistrationService.confirmPayment}. Shaped after the GovStack P2G bill payment
 * flow (the agency is the biller), so a payments block can implement it. In-memory:
 * `memoryFeeCollector`.
 */
export interface FeeCollector {
  readonly specificationVersion: 'fee-collector/v1';
  /**
   * Opens the bill so that it can be paid. Idempotent on `billId` (the engine calls again after a
   * crash). Returns what the applicant needs to pay it, if anything.
   */
  openBill(bill: FeeBill): Promise<{ reference?: string; paymentUrl?: string }>;
  /** Cancels an unpaid bill. Idempotent; no error for an unknown or paid bill. */
  cancelBill(billId: string): Promise<void>;
}

/**
 * Follow-up work that a state change commits together with itself (in the same store
 * transaction) and the engine carries out right after: issuing the registry record of an
 * approval, opening or cancelling a bill. Each is idempotent, so `reconcile()` can finish what a
 * crash interrupted without doing anything twice.
 */
export interface PendingStep {
  /** Deterministic: `<application id>:<kind>:<step key>`. */
  id: string;
  applicationId: string;
  kind: 'issue_record' | 'open_bill' | 'cancel_bill';
  /** What the step needs, fixed when it was committed. */
  payload: Record<string, unknown>;
  createdAt: string;
  doneAt?: string;
  /** Failed attempts so far, and the last error code. */
  attempts: number;
  lastError?: string;
}

/**
 * Published after every application transition, for payments, messaging and the like. Written to
 * the store's event outbox in the same transaction as the transition, then delivered (see
 * {@link RegistrationEventSink}).
 */
export interface RegistrationEvent {
  /** Unique and stable: a redelivered event has the same id, so consumers dedupe by it. */
  id: string;
  /**
   * `application.approved` is the decision; when the service writes to a registry,
   * `application.record_issued` follows (with `registryRecord`) once the record exists.
   */
  type: `application.${'created' | 'submitted' | 'resubmitted' | 'in_review' | 'more_information_requested' | 'approved' | 'rejected' | 'withdrawn' | 'step_approved' | 'payment_requested' | 'payment_confirmed' | 'record_issued'}`;
  applicationId: string;
  serviceKey: string;
  serviceVersion: number;
  status: ApplicationStatus;
  /** The registry record created on approval (on `record_issued`, and on later events). */
  registryRecord?: { registry: string; version: string; uuid: string };
  /** The payment asked for or confirmed (`payment_requested`, `payment_confirmed`). */
  payment?: Pick<ApplicationPayment, 'billId' | 'amount' | 'status'>;
  at: string;
}

/**
 * Where registration events go. The engine calls it after the change is committed, and
 * `reconcile()` calls it again for every event not delivered yet (the sink threw, or the process
 * stopped in between): delivery is **at least once** — dedupe by {@link RegistrationEvent.id}.
 * The events of one application arrive in the order they happened: after a failure, its later
 * events wait until the failed one is delivered. A throw never undoes the change.
 */
export interface RegistrationEventSink {
  publish(event: RegistrationEvent): Promise<void>;
}

/** An event in the store's outbox, not delivered yet. */
export interface QueuedRegistrationEvent {
  event: RegistrationEvent;
  /** Failed deliveries so far, and the last error code. */
  attempts: number;
  lastError?: string;
}

/** Stored document content. Implementations: memory, filesystem, sql (bytea). */
export interface DocumentStore {
  /** Stores `content` under `id` (a fresh uuid from the engine). Idempotent for equal content. */
  put(
    id: string,
    content: Uint8Array,
    meta: { contentType: string; sha256: string },
  ): Promise<void>;
  /** The bytes, or `undefined` when there are none. */
  get(id: string): Promise<Uint8Array | undefined>;
  /** Removes the bytes (no error when absent). */
  delete(id: string): Promise<void>;
}

/**
 * A rule that decides whether two applications are about the same person or thing. Engines run
 * every configured strategy at submission against the service's other live applications.
 */
export interface DedupStrategy {
  /** Names the rule in errors and audit events. */
  readonly name: string;
  /** 0 (different) to 1 (same). */
  score(candidate: Record<string, unknown>, other: Record<string, unknown>): number;
  /** A score at or above this is a duplicate. */
  readonly threshold: number;
}

/** Applications and tasks as a store keeps them. */
export interface RegistrationStoreTx {
  saveService(service: EService): Promise<void>;
  /** Marks older versions of `key` as not latest. */
  markSuperseded(key: string, latestId: string): Promise<void>;
  getService(id: string): Promise<EService | undefined>;
  getLatestService(key: string): Promise<EService | undefined>;
  listLatestServices(): Promise<EService[]>;
  getEForm(eFormId: string): Promise<EForm | undefined>;
  insertApplication(application: Application): Promise<void>;
  /** Replaces the application if its stored revision is `expectedRevision`; false otherwise. */
  updateApplication(application: Application, expectedRevision: number): Promise<boolean>;
  getApplication(id: string, options?: { forUpdate?: boolean }): Promise<Application | undefined>;
  listApplications(filter: {
    serviceId?: string;
    serviceKey?: string;
    applicantId?: string;
    status?: ApplicationStatus;
    statuses?: readonly ApplicationStatus[];
    limit: number;
    offset: number;
  }): Promise<Application[]>;
  insertTask(task: Task): Promise<void>;
  updateTask(task: Task, expectedRevision: number): Promise<boolean>;
  getTask(id: string, options?: { forUpdate?: boolean }): Promise<Task | undefined>;
  listTasks(filter: {
    applicationId?: string;
    assigneeId?: string;
    status?: Task['status'];
    roles?: readonly string[];
    limit: number;
    offset: number;
  }): Promise<Task[]>;
  /** Adds a pending step; an existing id is left as it is. */
  insertPendingStep(step: PendingStep): Promise<void>;
  getPendingStep(id: string, options?: { forUpdate?: boolean }): Promise<PendingStep | undefined>;
  /** Replaces a pending step (done, or an attempt recorded). */
  updatePendingStep(step: PendingStep): Promise<void>;
  /** Steps not done yet, oldest first. */
  listPendingSteps(filter: { applicationId?: string; limit: number }): Promise<PendingStep[]>;
  /** Appends events to the outbox, in this order (after every event enqueued before). */
  enqueueEvents(events: readonly RegistrationEvent[]): Promise<void>;
  /** Events not delivered yet, in the order they were enqueued. */
  listQueuedEvents(filter: {
    applicationId?: string;
    limit: number;
  }): Promise<QueuedRegistrationEvent[]>;
  /**
   * Removes a delivered event (no error when it is gone already). The engine calls it on
   * `read`, outside a transaction: it must be atomic on its own.
   */
  deleteQueuedEvent(id: string): Promise<void>;
  /** Counts a failed delivery and keeps its error code. */
  recordEventFailure(id: string, error: string): Promise<void>;
}

/** Storage of the registration engine. Implementations: `memoryRegistrationStore`, `createSqlRegistrationStore`. */
export interface RegistrationStore {
  readonly read: RegistrationStoreTx;
  transaction<T>(fn: (tx: RegistrationStoreTx) => Promise<T>): Promise<T>;
}
