/**
 * The ports of `@govblocks/consent`.
 *
 * {@link ConsentService} is the one typed interface of the Consent building block. Three things
 * satisfy or expose it, and agency code cannot tell them apart:
 *
 * - the engine, `createConsentService({ store, audit, clock, ids, signer })`, in process over a
 *   {@link ConsentStore} (memory, or `@govblocks/consent/sql` on PGlite / PostgreSQL);
 * - the remote adapter, `govstackConsent({ baseUrl })` from `@govblocks/consent/govstack`, which
 *   speaks the GovStack Consent BB API to any compliant product;
 * - the HTTP binding, `consentHttpApp(service)` from `@govblocks/consent/http`, which serves any
 *   `ConsentService` as that API.
 *
 * The conformance kit in `@govblocks/consent/testing` checks that each behaves as documented
 * here.
 *
 * ## Conventions shared by every method
 *
 * - The first argument is the {@link ActorContext}: who acts. A `person` actor is an
 *   individual and may only read or change *their own* individual and consent records (an
 *   individual whose `id` or `externalId` equals `actor.id`, or `actor.onBehalfOf` for a
 *   delegate); anything else throws `CONSENT_FORBIDDEN` (403). Administration (changing
 *   policies, data agreements and webhooks; listing policies, individuals and webhooks;
 *   verification and auditor reads) is refused to `person` actors with `FORBIDDEN`; reading a
 *   policy or data agreement is open to all. Role checks beyond that belong to the HTTP face's
 *   authentication.
 * - Inputs are parsed with the strict schemas of `schemas.ts`: unknown fields, wrong types or
 *   bad ids throw `VALIDATION_FAILED` (400) before anything is written.
 * - A missing object throws `NOT_FOUND` (404). A record of another individual is reported as
 *   `NOT_FOUND` too, so ids cannot be probed.
 * - Every change is atomic (nothing is written when it throws), writes a new {@link Revision}
 *   whose `serializedHash` (SHA-256 of canonical JSON) covers its predecessor's hash, and
 *   records one audit event through the injected `AuditSink` (`consent.<object>.<verb>`; the
 *   individual's id is marked personal so persisting sinks pseudonymise it). Reads write no
 *   audit event, except `requireConsent`, which records its decision.
 * - Updates take an optional `expectedRevisionNumber`: when given and the object has moved on,
 *   `CONSENT_CONCURRENT_UPDATE` (409) is thrown. Without it, updates still never lose one
 *   another: two racing changes of one record either apply one after the other (each its own
 *   revision) or the loser gets `CONSENT_CONCURRENT_UPDATE`.
 * - Lists page with `offset` / `limit` (default 50, max 500) and report `total`.
 * - Creates are not idempotent (each call creates a new object) unless stated; reads, `check`
 *   and deletes of absent things are.
 */
import type { ActorContext } from '@govblocks/core';
import type {
  CheckInput,
  ConsentDecision,
  ConsentRecord,
  ConsentRecordDraft,
  DataAgreement,
  DataAgreementFieldsInput,
  Individual,
  IndividualFields,
  NoticeInput,
  Page,
  PageQuery,
  Policy,
  PolicyFields,
  RequireConsentInput,
  Revision,
  Signature,
  SignatureRequest,
  Webhook,
  WebhookFieldsInput,
} from './schemas.js';

/** The version of the {@link ConsentService} contract. A breaking change adds `consent/v2` beside it. */
export type ConsentSpecificationVersion = 'consent/v1';

/** An object together with the revision that describes it. */
export interface WithRevision {
  revision: Revision;
}

/** Filter of the verification and auditor record lists. */
export interface ConsentRecordFilter extends PageQuery {
  individualId?: string;
  dataAgreementId?: string;
  optIn?: boolean;
}

/** Paging and order of revision histories. */
export interface RevisionQuery extends PageQuery {
  /** `asc` (oldest first, the default) or `desc`. */
  order?: 'asc' | 'desc';
  /** Only revisions at or after this ISO 8601 time. */
  since?: string;
  /** Only revisions before this ISO 8601 time. */
  until?: string;
}

/** What the individual decided, with the notice they saw. */
export interface ConsentDecisionInput {
  /** `true` opt in, `false` opt out / withdraw, `null` undecided (only at creation). */
  optIn: boolean | null;
  /**
   * The notice shown: its rendered text (hashed by the engine) or the text's SHA-256, and its
   * language. Stored with the record together with the agreement version, so it can later be
   * shown exactly what the person agreed to.
   */
  notice?: NoticeInput;
}

/**
 * The Consent building block.
 *
 * @example
 * const consent = createConsentService({ store: memoryConsentStore(), audit: memoryAuditSink() });
 * const { individual } = await consent.createIndividual(operator, { externalId: '12345678' });
 * await consent.createConsentRecord(operator, {
 *   individualId: individual.id, dataAgreementId: agreement.id, optIn: true,
 *   notice: { text: renderedNotice, language: 'en' },
 * });
 * await consent.requireConsent(service, { individual: individual.id, purpose: 'Registration in Health App', dataCategories: ['identity'] });
 */
export interface ConsentService {
  readonly specificationVersion: ConsentSpecificationVersion;

  // -------------------------------------------------------------------------------------------
  // Policies (GovStack `/config/policy…`). Administration: refused to `person` actors.

  /**
   * Creates a policy. Returns it with its first revision. Audit: `consent.policy.created`.
   * Not idempotent.
   */
  createPolicy(
    context: ActorContext,
    policy: PolicyFields,
  ): Promise<{ policy: Policy } & WithRevision>;
  /**
   * Reads a policy with its latest revision — or, with `revisionId`, the policy as that revision
   * recorded it (a deleted policy is still readable at its revisions). `NOT_FOUND` when absent.
   */
  getPolicy(
    context: ActorContext,
    input: { policyId: string; revisionId?: string },
  ): Promise<{ policy: Policy } & WithRevision>;
  /**
   * Replaces the policy's fields (all of them), writing a new revision. Data agreements keep
   * referring to the policy id; the revision they were published under stays readable.
   * Throws `NOT_FOUND`, `CONSENT_CONCURRENT_UPDATE`. Audit: `consent.policy.updated`.
   */
  updatePolicy(
    context: ActorContext,
    input: { policyId: string; policy: PolicyFields; expectedRevisionNumber?: number },
  ): Promise<{ policy: Policy } & WithRevision>;
  /**
   * Deletes a policy, writing a final revision (`deleted: true`) that is returned. Refused with
   * `CONSENT_ILLEGAL_STATE` while an active data agreement refers to it. Audit:
   * `consent.policy.deleted`.
   */
  deletePolicy(context: ActorContext, input: { policyId: string }): Promise<WithRevision>;
  /** Lists current policies, oldest first. */
  listPolicies(context: ActorContext, query?: PageQuery): Promise<Page<Policy>>;
  /** The revision history of a policy (also after deletion). `NOT_FOUND` when it never existed. */
  listPolicyRevisions(
    context: ActorContext,
    input: { policyId: string } & RevisionQuery,
  ): Promise<Page<Revision>>;

  // -------------------------------------------------------------------------------------------
  // Data agreements (GovStack `/config/data-agreement…`, `/service/data-agreement…`,
  // `/audit/data-agreement…`). Changes are administration; reads are open to every actor.

  /**
   * Creates a data agreement (a `draft` unless `lifecycle: 'complete'`). `policyId`, when
   * given, must name an existing policy (`NOT_FOUND`). Audit: `consent.agreement.created`.
   */
  createDataAgreement(
    context: ActorContext,
    dataAgreement: DataAgreementFieldsInput,
  ): Promise<{ dataAgreement: DataAgreement } & WithRevision>;
  /** Reads an agreement with its latest revision, or as of `revisionId`. */
  getDataAgreement(
    context: ActorContext,
    input: { dataAgreementId: string; revisionId?: string },
  ): Promise<{ dataAgreement: DataAgreement } & WithRevision>;
  /**
   * Replaces the agreement's fields, writing a new revision. A `draft` may change freely. A
   * published (`complete`) agreement is immutable per `version`: a change of its content must
   * come with a new `version` (the new revision is then what new records pin), and it cannot
   * go back to `draft`; otherwise `CONSENT_ILLEGAL_STATE`. Existing records stay pinned to the
   * revision they consented to. Throws `NOT_FOUND`, `CONSENT_CONCURRENT_UPDATE`.
   * Audit: `consent.agreement.updated`.
   */
  updateDataAgreement(
    context: ActorContext,
    input: {
      dataAgreementId: string;
      dataAgreement: DataAgreementFieldsInput;
      expectedRevisionNumber?: number;
    },
  ): Promise<{ dataAgreement: DataAgreement } & WithRevision>;
  /**
   * Deletes an agreement, writing a final revision. Records stay (they are evidence) and
   * `check` denies with `AGREEMENT_NOT_FOUND` from then on. Audit: `consent.agreement.deleted`.
   */
  deleteDataAgreement(
    context: ActorContext,
    input: { dataAgreementId: string },
  ): Promise<WithRevision>;
  /** Lists agreements, oldest first; `active: true` lists the ones consent can be given to now. */
  listDataAgreements(
    context: ActorContext,
    query?: PageQuery & { active?: boolean; purpose?: string },
  ): Promise<Page<DataAgreement>>;
  /** The revision history of an agreement. */
  listDataAgreementRevisions(
    context: ActorContext,
    input: { dataAgreementId: string } & RevisionQuery,
  ): Promise<Page<Revision>>;

  // -------------------------------------------------------------------------------------------
  // Individuals (GovStack `/config/individual…`, `/service/individual…`)

  /**
   * Registers an individual. A `person` actor may only register themselves (`externalId` equal
   * to their actor id). Refused with `CONFLICT` when an individual with the same
   * (`externalId`, `externalIdType`, `identityProviderId`) exists. Audit: `consent.individual.created`.
   */
  createIndividual(
    context: ActorContext,
    individual: IndividualFields,
  ): Promise<{ individual: Individual } & WithRevision>;
  /** Reads an individual. */
  getIndividual(
    context: ActorContext,
    input: { individualId: string },
  ): Promise<{ individual: Individual }>;
  /** Replaces an individual's fields. Audit: `consent.individual.updated`. */
  updateIndividual(
    context: ActorContext,
    input: { individualId: string; individual: IndividualFields; expectedRevisionNumber?: number },
  ): Promise<{ individual: Individual } & WithRevision>;
  /** Lists individuals (administration), optionally by exact `externalId`. */
  listIndividuals(
    context: ActorContext,
    query?: PageQuery & { externalId?: string },
  ): Promise<Page<Individual>>;

  // -------------------------------------------------------------------------------------------
  // Webhooks (GovStack `/config/webhook…`). Administration.

  /** Registers a webhook. Audit: `consent.webhook.created` (the secret is never logged). */
  createWebhook(context: ActorContext, webhook: WebhookFieldsInput): Promise<{ webhook: Webhook }>;
  getWebhook(context: ActorContext, input: { webhookId: string }): Promise<{ webhook: Webhook }>;
  /** Replaces a webhook's fields. Audit: `consent.webhook.updated`. */
  updateWebhook(
    context: ActorContext,
    input: { webhookId: string; webhook: WebhookFieldsInput; expectedRevisionNumber?: number },
  ): Promise<{ webhook: Webhook }>;
  /** Deletes a webhook; pending deliveries to it are dropped. Audit: `consent.webhook.deleted`. */
  deleteWebhook(context: ActorContext, input: { webhookId: string }): Promise<void>;
  listWebhooks(context: ActorContext, query?: PageQuery): Promise<Page<Webhook>>;

  // -------------------------------------------------------------------------------------------
  // The individual's consent records (GovStack `/service/individual/record…`)

  /**
   * A draft record and an unsigned draft signature for the agreement's current (or given)
   * revision, *not* stored: the GovStack pre-registration flow signs it before the individual
   * exists. No audit event.
   */
  draftConsentRecord(
    context: ActorContext,
    input: { individualId: string; dataAgreementId: string; revisionId?: string },
  ): Promise<{ consentRecord: ConsentRecordDraft; signature: Signature }>;
  /**
   * Creates the individual's record for the agreement's current published revision (or
   * `revisionId`), with the decision and notice. Throws `CONSENT_AGREEMENT_NOT_AVAILABLE` when
   * the agreement is a draft or inactive, `CONSENT_RECORD_EXISTS` when the individual already
   * has a record for that revision. Audit: `consent.record.created`; emits
   * `consent.record.created` to webhooks.
   */
  createConsentRecord(
    context: ActorContext,
    input: {
      individualId: string;
      dataAgreementId: string;
      revisionId?: string;
    } & ConsentDecisionInput,
  ): Promise<{ consentRecord: ConsentRecord } & WithRevision>;
  /**
   * The individual's current record for an agreement (the latest one created) with its latest
   * revision. `NOT_FOUND` when there is none.
   */
  getConsentRecordForAgreement(
    context: ActorContext,
    input: { individualId: string; dataAgreementId: string },
  ): Promise<{ consentRecord: ConsentRecord } & WithRevision>;
  /** Every record of the individual for one agreement (across agreement revisions), newest first. */
  listConsentRecordsForAgreement(
    context: ActorContext,
    input: { individualId: string; dataAgreementId: string } & PageQuery,
  ): Promise<Page<ConsentRecord>>;
  /** The individual's current records (one per agreement), newest first. */
  listConsentRecords(
    context: ActorContext,
    input: { individualId: string } & PageQuery,
  ): Promise<Page<ConsentRecord>>;
  /**
   * Records a new decision: opt in (`true`) or opt out / withdraw (`false`). Changing a signed
   * record invalidates its signature (state goes back to `unsigned`). Withdrawal takes effect
   * for `check` at once, on every instance sharing the store. Throws `NOT_FOUND` (also for a
   * record of another individual), `CONSENT_CONCURRENT_UPDATE`, `VALIDATION_FAILED` for
   * `optIn: null`. Audit: `consent.record.opted-in` / `consent.record.withdrawn`; emits
   * `consent.record.updated` or `consent.record.withdrawn` to webhooks.
   */
  updateConsentRecord(
    context: ActorContext,
    input: {
      individualId: string;
      consentRecordId: string;
      expectedRevisionNumber?: number;
    } & ConsentDecisionInput,
  ): Promise<{ consentRecord: ConsentRecord } & WithRevision>;
  /**
   * Starts a signature of the record's latest revision: returns a Signature whose `payload` is
   * ready to sign (its `signature` is empty). Nothing is stored. Throws
   * `CONSENT_ILLEGAL_STATE` for a withdrawn record (`optIn: false`).
   */
  createSignature(
    context: ActorContext,
    input: { individualId: string; consentRecordId: string; signature: SignatureRequest },
  ): Promise<{ signature: Signature }>;
  /**
   * Completes a signature: `signature` must be the object from {@link createSignature} (same
   * payload, for the record's *current* revision) with its `signature` filled in. The engine
   * re-derives the payload and refuses a mismatch (`CONSENT_SIGNATURE_INVALID`); with the
   * engine's `signatureVerifier` option, the signature itself is verified cryptographically
   * too (e.g. a JWS against the individual's key). The record becomes `signed`, with a new revision. Throws
   * `CONSENT_ILLEGAL_STATE` for a withdrawn record, `CONSENT_CONCURRENT_UPDATE` when the record
   * changed since the payload was made. Audit: `consent.record.signed`.
   */
  updateSignature(
    context: ActorContext,
    input: { individualId: string; consentRecordId: string; signature: Signature },
  ): Promise<{ signature: Signature; consentRecord: ConsentRecord } & WithRevision>;
  /**
   * Right to be forgotten: deletes the individual's records that need not be retained — those
   * of `forgettable` agreements that are not opted in, and undecided unsigned ones — with
   * their revisions and signatures. Returns how many records were deleted. Idempotent.
   * Audit: `consent.records.deleted`.
   */
  deleteConsentRecords(
    context: ActorContext,
    input: { individualId: string },
  ): Promise<{ deleted: number }>;

  // -------------------------------------------------------------------------------------------
  // Verification and audit (GovStack `/service/verification…`, `/audit…`). Refused to persons.

  /** Records matching the filter (latest state of each), newest first. */
  findConsentRecords(
    context: ActorContext,
    filter?: ConsentRecordFilter,
  ): Promise<Page<ConsentRecord>>;
  /** One record with its latest revision. */
  getConsentRecord(
    context: ActorContext,
    input: { consentRecordId: string },
  ): Promise<{ consentRecord: ConsentRecord } & WithRevision>;
  /** A record's revision history. A person may read their own. */
  listConsentRecordRevisions(
    context: ActorContext,
    input: { consentRecordId: string; individualId?: string } & RevisionQuery,
  ): Promise<Page<Revision>>;
  /** One revision by id (any object kind). Refused to persons. */
  getRevision(
    context: ActorContext,
    input: { revisionId: string },
  ): Promise<{ revision: Revision }>;

  // -------------------------------------------------------------------------------------------
  // The hot path

  /**
   * May this individual's data be used for this agreement (or purpose) now? Answers allow/deny
   * with the reason and the record revision the answer rests on; never throws for a missing
   * individual, agreement or record (those are reasons). Reads through to the store on every
   * call — there is no cache to go stale — so a withdrawal is seen at once by every instance.
   * With `purpose`, every active agreement with that purpose is considered and the individual
   * is allowed when one of them allows. With `attributes`, the agreement must cover each one
   * (by attribute name or data category). No audit event (use {@link requireConsent} where the
   * decision must be recorded). Idempotent.
   */
  check(context: ActorContext, input: CheckInput): Promise<ConsentDecision>;
  /**
   * The guard other blocks call before they act: resolves with the allowing decision, or
   * throws `CONSENT_REQUIRED` (403, `ConsentRequiredError` with the reason) when consent is
   * missing, undecided or withdrawn. Records the decision in the audit log either way
   * (`consent.check.allowed` / `consent.check.denied`, outcome `success` / `denied`).
   */
  requireConsent(context: ActorContext, input: RequireConsentInput): Promise<ConsentDecision>;
}
