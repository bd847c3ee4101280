/**
 * The storage port of the consent engine. Two implementations ship: `memoryConsentStore()`
 * (tests, demos) and `sqlConsentStore(client)` from `@govblocks/consent/sql` (PGlite embedded,
 * PostgreSQL in production). A vendor may write another; the conformance kit exercises it
 * through the engine.
 *
 * The store is dumb on purpose: the engine decides everything (validation, revisions, hashes,
 * authorisation); the store keeps rows and enforces the three invariants only it can enforce
 * under concurrency:
 *
 * 1. compare-and-swap updates on `revisionNumber` (`replace*` returns `false` when the stored
 *    number differs from the expected one);
 * 2. uniqueness of `(schemaName, objectId, number)` for revisions — a linear history — and of
 *    `(individualId, dataAgreementRevisionId)` for records (`insert*` throws `CONFLICT` /
 *    `CONSENT_RECORD_EXISTS`);
 * 3. atomicity of {@link ConsentStore.transaction}.
 *
 * Reads outside a transaction see committed data only, read through (no cache), so a change
 * made by one instance is visible at once to every other instance sharing the store.
 */
import type {
  ConsentRecord,
  DataAgreement,
  Individual,
  Page,
  Policy,
  Revision,
  RevisionSchemaName,
  Signature,
  Webhook,
} from './schemas.js';

/** The kinds of administrable objects and their types. */
export interface ConsentObjects {
  Policy: Policy;
  DataAgreement: DataAgreement;
  Individual: Individual;
  Webhook: Webhook;
}
export type ObjectKind = keyof ConsentObjects;

export interface StorePage {
  offset: number;
  limit: number;
}

/** Filters a store understands for {@link ConsentStoreSession.listObjects}. */
export interface ObjectFilter {
  /** DataAgreement: `active && lifecycle === 'complete'` when true, the rest when false. */
  active?: boolean;
  /** DataAgreement: exact purpose. */
  purpose?: string;
  /** Individual: exact externalId. */
  externalId?: string;
  /** DataAgreement: referring to this policy. */
  policyId?: string;
}

export interface RecordFilter {
  individualId?: string;
  dataAgreementId?: string;
  optIn?: boolean;
  /** Only the latest record of each (individual, agreement). */
  currentOnly?: boolean;
}

/** What `check` needs in one read: an agreement and the individual's latest record for it. */
export interface CheckCandidate {
  agreement: DataAgreement;
  record: ConsentRecord | null;
}

/** A change notification waiting in the durable outbox. */
export interface OutboxMessage {
  id: string;
  /** The webhook it goes to. */
  webhookId: string;
  eventType: string;
  /** The JSON body (no personal data beyond ids). */
  payload: Record<string, unknown>;
  attempts: number;
  /** ISO time it may next be tried. */
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

/** Reads and writes; both the store and a transaction handle are sessions. */
export interface ConsentStoreSession {
  getObject<K extends ObjectKind>(kind: K, id: string): Promise<ConsentObjects[K] | null>;
  /** Throws `CONFLICT` when the id exists. */
  insertObject<K extends ObjectKind>(kind: K, object: ConsentObjects[K]): Promise<void>;
  /** Writes `object` when the stored revisionNumber equals `expectedRevisionNumber`. */
  replaceObject<K extends ObjectKind>(
    kind: K,
    object: ConsentObjects[K],
    expectedRevisionNumber: number,
  ): Promise<boolean>;
  /** Deletes when the stored revisionNumber equals `expectedRevisionNumber`. */
  deleteObject(kind: ObjectKind, id: string, expectedRevisionNumber: number): Promise<boolean>;
  /** Oldest first (by id, which is time-ordered for ids this engine makes). */
  listObjects<K extends ObjectKind>(
    kind: K,
    filter: ObjectFilter,
    page: StorePage,
  ): Promise<Page<ConsentObjects[K]>>;

  getRecord(id: string): Promise<ConsentRecord | null>;
  /** Throws `CONSENT_RECORD_EXISTS` on a duplicate (individual, agreement revision). */
  insertRecord(record: ConsentRecord): Promise<void>;
  replaceRecord(record: ConsentRecord, expectedRevisionNumber: number): Promise<boolean>;
  /** Newest first. */
  listRecords(filter: RecordFilter, page: StorePage): Promise<Page<ConsentRecord>>;
  deleteRecords(ids: readonly string[]): Promise<void>;
  /**
   * The hot path of `check`: the agreement (by id, or every agreement with the purpose) and
   * the individual's latest record for each, in as few round trips as the store can.
   */
  checkCandidates(
    individualId: string,
    target: { dataAgreementId: string } | { purpose: string },
  ): Promise<CheckCandidate[]>;

  /** Throws `CONSENT_CONCURRENT_UPDATE` when (schemaName, objectId, number) exists. */
  insertRevision(revision: Revision): Promise<void>;
  setRevisionSuccessor(revisionId: string, successorId: string): Promise<void>;
  getRevision(id: string): Promise<Revision | null>;
  listRevisions(
    schemaName: RevisionSchemaName,
    objectId: string,
    page: StorePage,
    order: 'asc' | 'desc',
    /** ISO 8601 bounds on `timestamp`: `since` inclusive, `until` exclusive. */
    range?: { since?: string; until?: string },
  ): Promise<Page<Revision>>;
  deleteRevisions(schemaName: RevisionSchemaName, objectIds: readonly string[]): Promise<void>;

  insertSignature(signature: Signature & { id: string }, consentRecordId: string): Promise<void>;
  getSignature(id: string): Promise<Signature | null>;
  deleteSignaturesOfRecords(consentRecordIds: readonly string[]): Promise<void>;

  /** Adds messages to the outbox (in the caller's transaction, so they exist iff the change does). */
  enqueueOutbox(messages: readonly OutboxMessage[]): Promise<void>;
  deleteOutboxOfWebhook(webhookId: string): Promise<void>;
}

export interface ConsentStore extends ConsentStoreSession {
  /** `memory`, `sql:pglite`, `sql:postgres`, … */
  readonly name: string;
  /** Runs `fn` atomically: all its writes or none. The error `fn` throws is re-thrown. */
  transaction<T>(fn: (session: ConsentStoreSession) => Promise<T>): Promise<T>;
  /**
   * Leases up to `limit` undelivered outbox messages due at `now` (their `nextAttemptAt` moves
   * `leaseMs` ahead so another worker does not take them meanwhile).
   */
  claimOutbox(now: Date, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  /** Marks a message delivered, or records a failed attempt and when to retry. */
  settleOutbox(
    id: string,
    result:
      | { delivered: true; at: string }
      | { delivered: false; error: string; nextAttemptAt: string; giveUp: boolean },
  ): Promise<void>;
  /** Every message (tests, operations). */
  listOutbox(page: StorePage): Promise<Page<OutboxMessage>>;
}
