import {
  type ActorContext,
  type AuditEventInput,
  type AuditSink,
  type Clock,
  ConfigurationError,
  ConflictError,
  canonicalJson,
  ForbiddenError,
  type IdGenerator,
  parse,
  systemClock,
  uuidv7Generator,
} from '@govblocks/core';
import { z } from 'zod';
import {
  agreementNotAvailable,
  ConsentRequiredError,
  concurrentUpdate,
  illegalState,
  notFound,
  otherIndividual,
  signatureInvalid,
} from '../errors.js';
import type { ConsentService, ConsentSpecificationVersion } from '../ports.js';
import {
  type CheckInput,
  type ConsentDecision,
  type ConsentDecisionReason,
  type ConsentRecord,
  checkInputSchema,
  type DataAgreement,
  dataAgreementFieldsSchema,
  type Individual,
  idSchema,
  individualFieldsSchema,
  type Notice,
  noticeInputSchema,
  type Page,
  pageQuerySchema,
  policyFieldsSchema,
  type RequireConsentInput,
  type Revision,
  type RevisionSchemaName,
  requireConsentInputSchema,
  type Signature,
  signatureRequestSchema,
  signatureSchema,
  type WebhookEventType,
  webhookFieldsSchema,
} from '../schemas.js';
import type { ConsentSigner } from '../signer.js';
import type {
  CheckCandidate,
  ConsentObjects,
  ConsentStore,
  ConsentStoreSession,
  ObjectKind,
} from '../store.js';
import { revisionSnapshot, sha256Hex } from './revisions.js';

/** What the engine is built from. */
export interface ConsentServiceOptions {
  store: ConsentStore;
  audit: AuditSink;
  clock?: Clock;
  ids?: IdGenerator;
  /** Signs every revision hash (and, through `issueConsentReceipt`, receipts). Optional. */
  signer?: ConsentSigner;
  /**
   * Verifies a completed signature cryptographically (e.g. a `jws` over `payload` against the
   * individual's key). When absent, the engine checks only that the payload is the one it made.
   */
  signatureVerifier?: (signature: Signature) => Promise<boolean>;
  /** The `specificationVersion` the caller expects; anything but `consent/v1` is refused. */
  specificationVersion?: string;
}

// zod 4 compiles a schema on first use: build each input schema once, not per call.
const memoized = new Map<unknown, z.ZodType>();
const memo = <T extends z.ZodType>(key: unknown, make: () => T): T => {
  let schema = memoized.get(key) as T | undefined;
  if (!schema) {
    schema = make();
    memoized.set(key, schema);
  }
  return schema;
};
const strictId = (what: string) => memo(`id:${what}`, () => z.strictObject({ [what]: idSchema }));
const expected = z.number().int().min(1).optional();
const revisionQuery = pageQuerySchema.extend({
  order: z.enum(['asc', 'desc']).default('asc'),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
/** Normalised bounds (UTC ISO, the form revisions are stamped in) or undefined. */
const rangeOf = (query: { since?: string | undefined; until?: string | undefined }) =>
  query.since === undefined && query.until === undefined
    ? undefined
    : {
        ...(query.since !== undefined ? { since: new Date(query.since).toISOString() } : {}),
        ...(query.until !== undefined ? { until: new Date(query.until).toISOString() } : {}),
      };

const schemaOf: Record<ObjectKind, RevisionSchemaName> = {
  Policy: 'Policy',
  DataAgreement: 'DataAgreement',
  Individual: 'Individual',
  Webhook: 'Webhook',
};
const labelOf: Record<ObjectKind, string> = {
  Policy: 'policy',
  DataAgreement: 'agreement',
  Individual: 'individual',
  Webhook: 'webhook',
};

/**
 * Creates the consent engine over a {@link ConsentStore}.
 *
 * @example
 * import { memoryAuditSink } from '@govblocks/core';
 * import { createConsentService, memoryConsentStore } from '@govblocks/consent';
 * const consent = createConsentService({ store: memoryConsentStore(), audit: memoryAuditSink() });
 */
export function createConsentService(options: ConsentServiceOptions): ConsentService {
  if (options.specificationVersion !== undefined && options.specificationVersion !== 'consent/v1') {
    throw new ConfigurationError(
      `[consent] unsupported specificationVersion '${options.specificationVersion}'`,
    );
  }
  if (!options.store || typeof options.store.transaction !== 'function') {
    throw new ConfigurationError('[consent] a ConsentStore is required');
  }
  if (!options.audit || typeof options.audit.record !== 'function') {
    throw new ConfigurationError('[consent] an AuditSink is required');
  }
  const { store, audit, signer, signatureVerifier } = options;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Generator(clock);
  const now = () => clock.now().toISOString();

  // ---- actors ---------------------------------------------------------------------------

  const isPerson = (context: ActorContext) => context.actor.type === 'person';
  const requireAdmin = (context: ActorContext) => {
    if (isPerson(context))
      throw new ForbiddenError('[consent] administration is not open to individuals');
  };
  const isSelf = (context: ActorContext, individual: Individual) => {
    const { id, onBehalfOf } = context.actor;
    const acting = onBehalfOf ?? id;
    return (
      individual.id === acting ||
      (individual.externalId !== undefined && individual.externalId === acting)
    );
  };
  const authorizedBy = (context: ActorContext, individual?: Individual) =>
    individual && isPerson(context) && isSelf(context, individual)
      ? { authorizedByIndividual: individual.id, authorizedByOther: null }
      : {
          authorizedByIndividual: null,
          authorizedByOther: `${context.actor.type}:${context.actor.id}`,
        };

  /** Loads the individual and checks a person acts on themselves. */
  const loadIndividual = async (
    session: ConsentStoreSession,
    context: ActorContext,
    individualId: string,
  ) => {
    const individual = await session.getObject('Individual', individualId);
    if (!individual) {
      if (isPerson(context)) throw otherIndividual();
      throw notFound('individual');
    }
    if (isPerson(context) && !isSelf(context, individual)) throw otherIndividual();
    return individual;
  };

  // ---- audit ----------------------------------------------------------------------------

  const record = (
    context: ActorContext,
    action: string,
    subject: { type: string; id: string; personal?: boolean },
    extra: Partial<AuditEventInput> = {},
  ) => {
    const event: AuditEventInput = {
      block: 'consent',
      action,
      actor: {
        type: context.actor.type,
        id: context.actor.id,
        ...(context.actor.onBehalfOf ? { onBehalfOf: context.actor.onBehalfOf } : {}),
        ...(context.actor.clientId ? { clientId: context.actor.clientId } : {}),
      },
      subject,
      outcome: 'success',
      time: now(),
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
      ...(context.requestId ? { requestId: context.requestId } : {}),
      ...extra,
    };
    return audit.record(event);
  };

  // ---- revisions ------------------------------------------------------------------------

  const stripBookkeeping = (object: Record<string, unknown>) => {
    const { revisionId: _r, revisionNumber: _n, revisionHash: _h, updatedAt: _u, ...data } = object;
    return data;
  };

  const writeRevision = async (
    session: ConsentStoreSession,
    input: {
      schemaName: RevisionSchemaName;
      objectId: string;
      objectData: unknown;
      previous: Revision | null;
      authorized: { authorizedByIndividual: string | null; authorizedByOther: string | null };
      timestamp: string;
      deleted?: boolean;
    },
  ): Promise<Revision> => {
    const number = (input.previous?.number ?? 0) + 1;
    const predecessorHash = input.previous?.serializedHash ?? null;
    const deleted = input.deleted ?? false;
    const serializedSnapshot = revisionSnapshot({
      schemaName: input.schemaName,
      objectId: input.objectId,
      number,
      timestamp: input.timestamp,
      ...input.authorized,
      objectData: input.objectData,
      predecessorHash,
      deleted,
    });
    const serializedHash = sha256Hex(serializedSnapshot);
    const revision: Revision = {
      id: ids(),
      schemaName: input.schemaName,
      objectId: input.objectId,
      number,
      signedWithoutObjectId: false,
      serializedSnapshot,
      serializedHash,
      timestamp: input.timestamp,
      ...input.authorized,
      successorId: null,
      predecessorHash,
      predecessorSignature: input.previous?.signature ?? null,
      signature: signer ? await signer.signJws(serializedHash) : null,
      deleted,
    };
    await session.insertRevision(revision);
    if (input.previous) await session.setRevisionSuccessor(input.previous.id, revision.id);
    return revision;
  };

  const latestRevision = async (session: ConsentStoreSession, revisionId: string) => {
    const revision = await session.getRevision(revisionId);
    if (!revision) throw new ConflictError('[consent] revision missing from store');
    return revision;
  };

  /** The object as a given revision recorded it. */
  const objectAtRevision = async <K extends ObjectKind>(
    kind: K,
    objectId: string,
    revisionId: string,
  ) => {
    const revision = await store.getRevision(revisionId);
    if (!revision || revision.schemaName !== schemaOf[kind] || revision.objectId !== objectId)
      throw notFound('revision');
    const snapshot = JSON.parse(revision.serializedSnapshot) as {
      objectData: Record<string, unknown>;
    };
    const object = {
      ...snapshot.objectData,
      revisionId: revision.id,
      revisionNumber: revision.number,
      updatedAt: revision.timestamp,
    } as unknown as ConsentObjects[K];
    return { object, revision };
  };

  // ---- generic administrable objects ----------------------------------------------------

  async function createObject<K extends ObjectKind>(
    context: ActorContext,
    kind: K,
    fields: Record<string, unknown>,
    extraChecks?: (session: ConsentStoreSession) => Promise<void>,
    individual?: boolean,
  ) {
    const timestamp = now();
    const id = ids();
    return store.transaction(async (session) => {
      await extraChecks?.(session);
      const base = { ...fields, id, createdAt: timestamp } as Record<string, unknown>;
      const revision = await writeRevision(session, {
        schemaName: schemaOf[kind],
        objectId: id,
        objectData: base,
        previous: null,
        authorized: individual
          ? {
              authorizedByIndividual: isPerson(context) ? id : null,
              authorizedByOther: isPerson(context)
                ? null
                : `${context.actor.type}:${context.actor.id}`,
            }
          : authorizedBy(context),
        timestamp,
      });
      const object = {
        ...base,
        revisionId: revision.id,
        revisionNumber: 1,
        updatedAt: timestamp,
      } as unknown as ConsentObjects[K];
      await session.insertObject(kind, object);
      await record(context, `consent.${labelOf[kind]}.created`, {
        type: labelOf[kind],
        id,
        ...(kind === 'Individual' ? { personal: true } : {}),
      });
      return { object, revision };
    });
  }

  async function updateObject<K extends ObjectKind>(
    context: ActorContext,
    kind: K,
    id: string,
    fields: Record<string, unknown>,
    expectedRevisionNumber: number | undefined,
    rules?: (
      current: ConsentObjects[K],
      session: ConsentStoreSession,
    ) => Promise<'unchanged' | undefined> | 'unchanged' | undefined,
  ) {
    const timestamp = now();
    return store.transaction(async (session) => {
      const current = await session.getObject(kind, id);
      if (!current) throw notFound(labelOf[kind]);
      if (kind === 'Individual' && isPerson(context) && !isSelf(context, current as Individual))
        throw otherIndividual();
      if (
        expectedRevisionNumber !== undefined &&
        current.revisionNumber !== expectedRevisionNumber
      ) {
        throw concurrentUpdate(labelOf[kind], { revisionNumber: current.revisionNumber });
      }
      const previous = await latestRevision(session, current.revisionId);
      if ((await rules?.(current, session)) === 'unchanged')
        return { object: current, revision: previous };
      const base = { ...fields, id, createdAt: current.createdAt } as Record<string, unknown>;
      const revision = await writeRevision(session, {
        schemaName: schemaOf[kind],
        objectId: id,
        objectData: base,
        previous,
        authorized: authorizedBy(
          context,
          kind === 'Individual' ? (current as Individual) : undefined,
        ),
        timestamp,
      });
      const object = {
        ...base,
        revisionId: revision.id,
        revisionNumber: current.revisionNumber + 1,
        updatedAt: timestamp,
      } as unknown as ConsentObjects[K];
      if (!(await session.replaceObject(kind, object, current.revisionNumber)))
        throw concurrentUpdate(labelOf[kind]);
      await record(context, `consent.${labelOf[kind]}.updated`, {
        type: labelOf[kind],
        id,
        ...(kind === 'Individual' ? { personal: true } : {}),
      });
      return { object, revision };
    });
  }

  async function deleteObject(
    context: ActorContext,
    kind: ObjectKind,
    id: string,
    rules?: (session: ConsentStoreSession) => Promise<void>,
  ) {
    const timestamp = now();
    return store.transaction(async (session) => {
      const current = await session.getObject(kind, id);
      if (!current) throw notFound(labelOf[kind]);
      await rules?.(session);
      const previous = await latestRevision(session, current.revisionId);
      const revision = await writeRevision(session, {
        schemaName: schemaOf[kind],
        objectId: id,
        objectData: stripBookkeeping(current as unknown as Record<string, unknown>),
        previous,
        authorized: authorizedBy(context),
        timestamp,
        deleted: true,
      });
      if (!(await session.deleteObject(kind, id, current.revisionNumber)))
        throw concurrentUpdate(labelOf[kind]);
      await record(context, `consent.${labelOf[kind]}.deleted`, { type: labelOf[kind], id });
      return { revision };
    });
  }

  async function getObject<K extends ObjectKind>(kind: K, id: string, revisionId?: string) {
    if (revisionId !== undefined)
      return objectAtRevision(kind, id, parse(idSchema, revisionId, '[consent] revisionId'));
    const object = await store.getObject(kind, id);
    if (!object) throw notFound(labelOf[kind]);
    return { object, revision: await latestRevision(store, object.revisionId) };
  }

  async function objectRevisions(kind: ObjectKind, id: string, query: unknown) {
    const { offset, limit, order, since, until } = parse(
      revisionQuery,
      query ?? {},
      '[consent] revision query',
    );
    const range = rangeOf({ since, until });
    const page = await store.listRevisions(schemaOf[kind], id, { offset, limit }, order, range);
    if (
      page.total === 0 &&
      (await store.listRevisions(schemaOf[kind], id, { offset: 0, limit: 1 }, order)).total === 0
    ) {
      throw notFound(labelOf[kind]);
    }
    return page;
  }

  const pageOf = (query: unknown) => parse(pageQuerySchema, query ?? {}, '[consent] paging');

  // ---- consent records ------------------------------------------------------------------

  const noticeOf = (input: unknown, agreement: DataAgreement): Notice | null => {
    if (input === undefined) return null;
    const notice = parse(noticeInputSchema, input, '[consent] notice');
    return {
      textHash: 'text' in notice ? sha256Hex(notice.text) : notice.textHash,
      language: notice.language,
      agreementVersion: agreement.version,
    };
  };

  /** The agreement revision a new record pins: the current one, or a named published one. */
  const pinnedAgreementRevision = async (
    session: ConsentStoreSession,
    agreement: DataAgreement,
    revisionId?: string,
  ) => {
    if (revisionId === undefined) {
      if (!(agreement.active && agreement.lifecycle === 'complete')) {
        throw agreementNotAvailable(agreement.lifecycle === 'draft' ? 'a draft' : 'inactive');
      }
      return latestRevision(session, agreement.revisionId);
    }
    const revision = await session.getRevision(revisionId);
    if (revision?.schemaName !== 'DataAgreement' || revision.objectId !== agreement.id)
      throw notFound('revision');
    const data = (JSON.parse(revision.serializedSnapshot) as { objectData: DataAgreement })
      .objectData;
    if (data.lifecycle !== 'complete' || !data.active || !agreement.active) {
      throw agreementNotAvailable('not published at that revision');
    }
    return revision;
  };

  const eventsFor = async (
    session: ConsentStoreSession,
    type: WebhookEventType,
    data: Record<string, unknown>,
    timestamp: string,
  ) => {
    const webhooks = await session.listObjects('Webhook', {}, { offset: 0, limit: 500 });
    const eventId = ids();
    const messages = webhooks.items
      .filter(
        (webhook) =>
          !webhook.disabled && (webhook.events.length === 0 || webhook.events.includes(type)),
      )
      .map((webhook) => ({
        id: ids(),
        webhookId: webhook.id,
        eventType: type,
        payload: { id: eventId, type, occurredAt: timestamp, data },
        attempts: 0,
        nextAttemptAt: timestamp,
        createdAt: timestamp,
        deliveredAt: null,
        lastError: null,
      }));
    if (messages.length > 0) await session.enqueueOutbox(messages);
  };

  const recordEventData = (record: ConsentRecord) => ({
    consentRecordId: record.id,
    individualId: record.individualId,
    dataAgreementId: record.dataAgreementId,
    dataAgreementRevisionId: record.dataAgreementRevisionId,
    optIn: record.optIn,
    state: record.state,
    revisionId: record.revisionId,
    revisionHash: record.revisionHash,
  });

  /** Loads a record of the individual (NOT_FOUND for another individual's). */
  const ownRecord = async (
    session: ConsentStoreSession,
    individualId: string,
    consentRecordId: string,
  ) => {
    const found = await session.getRecord(consentRecordId);
    if (!found || found.individualId !== individualId) throw notFound('consent record');
    return found;
  };

  /** Writes a new revision of a record (compare-and-swap on its revision number). */
  const reviseRecord = async (
    session: ConsentStoreSession,
    context: ActorContext,
    individual: Individual,
    current: ConsentRecord,
    changes: Partial<ConsentRecord>,
    timestamp: string,
  ) => {
    const previous = await latestRevision(session, current.revisionId);
    const next = { ...current, ...changes };
    const revision = await writeRevision(session, {
      schemaName: 'ConsentRecord',
      objectId: current.id,
      objectData: stripBookkeeping(next as unknown as Record<string, unknown>),
      previous,
      authorized: authorizedBy(context, individual),
      timestamp,
    });
    const updated: ConsentRecord = {
      ...next,
      revisionId: revision.id,
      revisionNumber: current.revisionNumber + 1,
      revisionHash: revision.serializedHash,
      updatedAt: timestamp,
    };
    if (!(await session.replaceRecord(updated, current.revisionNumber))) {
      throw concurrentUpdate('consent record', { revisionNumber: current.revisionNumber });
    }
    return { consentRecord: updated, revision };
  };

  const signaturePayload = (revision: Revision, request: z.infer<typeof signatureRequestSchema>) =>
    canonicalJson({
      verificationPayload: revision.serializedSnapshot,
      verificationPayloadHash: revision.serializedHash,
      verificationMethod: request.verificationMethod,
      verificationArtifact: request.verificationArtifact ?? null,
      verificationSignedBy: request.verificationSignedBy,
      verificationSignedAs: request.verificationSignedAs ?? null,
      verificationJwsHeader: request.verificationJwsHeader ?? null,
      objectType: 'revision',
      objectReference: revision.id,
    });

  const signatureFor = (
    revision: Revision,
    request: z.infer<typeof signatureRequestSchema>,
    timestamp: string,
  ): Signature => ({
    id: null,
    payload: signaturePayload(revision, request),
    signature: '',
    verificationMethod: request.verificationMethod,
    verificationPayload: revision.serializedSnapshot,
    verificationPayloadHash: revision.serializedHash,
    ...(request.verificationArtifact !== undefined
      ? { verificationArtifact: request.verificationArtifact }
      : {}),
    verificationSignedBy: request.verificationSignedBy,
    ...(request.verificationSignedAs !== undefined
      ? { verificationSignedAs: request.verificationSignedAs }
      : {}),
    ...(request.verificationJwsHeader !== undefined
      ? { verificationJwsHeader: request.verificationJwsHeader }
      : {}),
    timestamp,
    signedWithoutObjectReference: false,
    objectType: 'revision',
    objectReference: revision.id,
  });

  // ---- check ----------------------------------------------------------------------------

  const denialRank: Record<ConsentDecisionReason, number> = {
    OPTED_IN: 0,
    LAWFUL_BASIS_NOT_CONSENT: 0,
    WITHDRAWN: 1,
    NOT_DECIDED: 2,
    NO_RECORD: 3,
    ATTRIBUTES_NOT_COVERED: 4,
    AGREEMENT_INACTIVE: 5,
    AGREEMENT_NOT_FOUND: 6,
  };

  const evaluate = (
    candidate: CheckCandidate,
    attributes: readonly string[] | undefined,
  ): ConsentDecisionReason => {
    const { agreement, record: found } = candidate;
    if (!(agreement.active && agreement.lifecycle === 'complete')) return 'AGREEMENT_INACTIVE';
    if (attributes && attributes.length > 0) {
      const covered = new Set<string>();
      for (const attribute of agreement.attributes) {
        covered.add(attribute.name);
        covered.add(attribute.category);
      }
      if (!attributes.every((attribute) => covered.has(attribute))) return 'ATTRIBUTES_NOT_COVERED';
    }
    if (agreement.lawfulBasis !== 'consent') return 'LAWFUL_BASIS_NOT_CONSENT';
    if (!found) return 'NO_RECORD';
    if (found.optIn === null) return 'NOT_DECIDED';
    return found.optIn ? 'OPTED_IN' : 'WITHDRAWN';
  };

  async function decide(
    context: ActorContext,
    input: z.infer<typeof checkInputSchema>,
  ): Promise<ConsentDecision> {
    if (isPerson(context)) await loadIndividual(store, context, input.individualId);
    const target =
      input.dataAgreementId !== undefined
        ? { dataAgreementId: input.dataAgreementId }
        : { purpose: input.purpose as string };
    const candidates = await store.checkCandidates(input.individualId, target);
    let best: { reason: ConsentDecisionReason; candidate: CheckCandidate | null } = {
      reason: 'AGREEMENT_NOT_FOUND',
      candidate: null,
    };
    for (const candidate of candidates) {
      const reason = evaluate(candidate, input.attributes);
      if (denialRank[reason] < denialRank[best.reason]) best = { reason, candidate };
      if (denialRank[reason] === 0) break;
    }
    const found = best.candidate?.record ?? null;
    return {
      allowed: denialRank[best.reason] === 0,
      reason: best.reason,
      individualId: input.individualId,
      dataAgreementId: best.candidate?.agreement.id ?? input.dataAgreementId ?? null,
      consentRecordId: found?.id ?? null,
      revisionId: found?.revisionId ?? null,
      revisionHash: found?.revisionHash ?? null,
      revisionNumber: found?.revisionNumber ?? null,
      checkedAt: now(),
    };
  }

  // ---- the service ----------------------------------------------------------------------

  const specificationVersion: ConsentSpecificationVersion = 'consent/v1';

  const service: ConsentService = {
    specificationVersion,

    // Policies
    async createPolicy(context, policy) {
      requireAdmin(context);
      const fields = parse(policyFieldsSchema, policy, '[consent] policy');
      const { object, revision } = await createObject(context, 'Policy', fields);
      return { policy: object, revision };
    },
    async getPolicy(context, input) {
      const { policyId, revisionId } = parse(
        memo(1, () => z.strictObject({ policyId: idSchema, revisionId: idSchema.optional() })),
        input,
        '[consent] getPolicy input',
      );
      void context;
      const { object, revision } = await getObject('Policy', policyId, revisionId);
      return { policy: object, revision };
    },
    async updatePolicy(context, input) {
      requireAdmin(context);
      const { policyId, policy, expectedRevisionNumber } = parse(
        memo(2, () =>
          z.strictObject({
            policyId: idSchema,
            policy: policyFieldsSchema,
            expectedRevisionNumber: expected,
          }),
        ),
        input,
        '[consent] updatePolicy input',
      );
      const { object, revision } = await updateObject(
        context,
        'Policy',
        policyId,
        policy,
        expectedRevisionNumber,
      );
      return { policy: object, revision };
    },
    async deletePolicy(context, input) {
      requireAdmin(context);
      const { policyId } = parse(strictId('policyId'), input, '[consent] deletePolicy input') as {
        policyId: string;
      };
      return deleteObject(context, 'Policy', policyId, async (session) => {
        const users = await session.listObjects(
          'DataAgreement',
          { policyId, active: true },
          { offset: 0, limit: 1 },
        );
        if (users.total > 0) throw illegalState('the policy governs an active data agreement');
      });
    },
    async listPolicies(context, query) {
      requireAdmin(context);
      return store.listObjects('Policy', {}, pageOf(query));
    },
    async listPolicyRevisions(context, input) {
      requireAdmin(context);
      const { policyId, ...query } = (input ?? {}) as { policyId: string };
      return objectRevisions('Policy', parse(idSchema, policyId, '[consent] policyId'), query);
    },

    // Data agreements
    async createDataAgreement(context, dataAgreement) {
      requireAdmin(context);
      const fields = parse(dataAgreementFieldsSchema, dataAgreement, '[consent] data agreement');
      const withIds = {
        ...fields,
        attributes: fields.attributes.map((attribute) => ({
          ...attribute,
          id: attribute.id ?? ids(),
        })),
      };
      const { object, revision } = await createObject(
        context,
        'DataAgreement',
        withIds,
        async (session) => {
          if (
            fields.policyId !== undefined &&
            !(await session.getObject('Policy', fields.policyId))
          )
            throw notFound('policy');
        },
      );
      return { dataAgreement: object, revision };
    },
    async getDataAgreement(context, input) {
      void context;
      const { dataAgreementId, revisionId } = parse(
        memo(3, () =>
          z.strictObject({ dataAgreementId: idSchema, revisionId: idSchema.optional() }),
        ),
        input,
        '[consent] getDataAgreement input',
      );
      const { object, revision } = await getObject('DataAgreement', dataAgreementId, revisionId);
      return { dataAgreement: object, revision };
    },
    async updateDataAgreement(context, input) {
      requireAdmin(context);
      const { dataAgreementId, dataAgreement, expectedRevisionNumber } = parse(
        memo(4, () =>
          z.strictObject({
            dataAgreementId: idSchema,
            dataAgreement: dataAgreementFieldsSchema,
            expectedRevisionNumber: expected,
          }),
        ),
        input,
        '[consent] updateDataAgreement input',
      );
      const { object, revision } = await updateObject(
        context,
        'DataAgreement',
        dataAgreementId,
        dataAgreement,
        expectedRevisionNumber,
        async (current, session) => {
          // Attribute ids are stable: an attribute with the same name keeps its id.
          const known = new Map(
            current.attributes.map((attribute) => [attribute.name, attribute.id]),
          );
          dataAgreement.attributes = dataAgreement.attributes.map((attribute) => ({
            ...attribute,
            id: attribute.id ?? known.get(attribute.name) ?? ids(),
          }));
          if (
            dataAgreement.policyId !== undefined &&
            !(await session.getObject('Policy', dataAgreement.policyId))
          ) {
            throw notFound('policy');
          }
          const before = canonicalJson(
            stripBookkeeping({ ...current, createdAt: undefined, id: undefined }),
          );
          const after = canonicalJson({ ...dataAgreement });
          if (before === after) return 'unchanged';
          if (current.lifecycle === 'complete') {
            if (dataAgreement.lifecycle === 'draft')
              throw illegalState('a published data agreement cannot return to draft');
            const contentBefore = canonicalJson({
              ...stripBookkeeping({ ...current, createdAt: undefined, id: undefined }),
              active: null,
            });
            const contentAfter = canonicalJson({ ...dataAgreement, active: null });
            if (dataAgreement.version === current.version && contentBefore !== contentAfter) {
              throw illegalState(
                'a published data agreement revision is immutable; publish a new version',
              );
            }
          }
          return undefined;
        },
      );
      return { dataAgreement: object, revision };
    },
    async deleteDataAgreement(context, input) {
      requireAdmin(context);
      const { dataAgreementId } = parse(
        strictId('dataAgreementId'),
        input,
        '[consent] deleteDataAgreement input',
      ) as {
        dataAgreementId: string;
      };
      return deleteObject(context, 'DataAgreement', dataAgreementId);
    },
    async listDataAgreements(context, query) {
      void context;
      const { active, purpose, ...page } = parse(
        memo(5, () =>
          pageQuerySchema.extend({
            active: z.boolean().optional(),
            purpose: z.string().min(1).max(512).optional(),
          }),
        ),
        query ?? {},
        '[consent] listDataAgreements query',
      );
      return store.listObjects(
        'DataAgreement',
        {
          ...(active !== undefined ? { active } : {}),
          ...(purpose !== undefined ? { purpose } : {}),
        },
        page,
      );
    },
    async listDataAgreementRevisions(context, input) {
      void context;
      const { dataAgreementId, ...query } = (input ?? {}) as { dataAgreementId: string };
      return objectRevisions(
        'DataAgreement',
        parse(idSchema, dataAgreementId, '[consent] dataAgreementId'),
        query,
      );
    },

    // Individuals
    async createIndividual(context, individual) {
      const fields = parse(individualFieldsSchema, individual, '[consent] individual');
      if (isPerson(context) && fields.externalId !== (context.actor.onBehalfOf ?? context.actor.id))
        throw otherIndividual();
      const { object, revision } = await createObject(
        context,
        'Individual',
        fields,
        async (session) => {
          if (fields.externalId === undefined) return;
          const same = await session.listObjects(
            'Individual',
            { externalId: fields.externalId },
            { offset: 0, limit: 500 },
          );
          const duplicate = same.items.some(
            (other) =>
              other.externalIdType === fields.externalIdType &&
              other.identityProviderId === fields.identityProviderId,
          );
          if (duplicate)
            throw new ConflictError('[consent] an individual with this external id exists');
        },
        true,
      );
      return { individual: object, revision };
    },
    async getIndividual(context, input) {
      const { individualId } = parse(
        strictId('individualId'),
        input,
        '[consent] getIndividual input',
      ) as { individualId: string };
      return { individual: await loadIndividual(store, context, individualId) };
    },
    async updateIndividual(context, input) {
      const { individualId, individual, expectedRevisionNumber } = parse(
        memo(6, () =>
          z.strictObject({
            individualId: idSchema,
            individual: individualFieldsSchema,
            expectedRevisionNumber: expected,
          }),
        ),
        input,
        '[consent] updateIndividual input',
      );
      if (isPerson(context)) await loadIndividual(store, context, individualId);
      const { object, revision } = await updateObject(
        context,
        'Individual',
        individualId,
        individual,
        expectedRevisionNumber,
      );
      return { individual: object, revision };
    },
    async listIndividuals(context, query) {
      requireAdmin(context);
      const { externalId, ...page } = parse(
        memo(7, () =>
          pageQuerySchema.extend({ externalId: z.string().min(1).max(256).optional() }),
        ),
        query ?? {},
        '[consent] listIndividuals query',
      );
      return store.listObjects('Individual', externalId !== undefined ? { externalId } : {}, page);
    },

    // Webhooks
    async createWebhook(context, webhook) {
      requireAdmin(context);
      const fields = parse(webhookFieldsSchema, webhook, '[consent] webhook');
      const { object } = await createObject(context, 'Webhook', fields);
      return { webhook: object };
    },
    async getWebhook(context, input) {
      requireAdmin(context);
      const { webhookId } = parse(strictId('webhookId'), input, '[consent] getWebhook input') as {
        webhookId: string;
      };
      const { object } = await getObject('Webhook', webhookId);
      return { webhook: object };
    },
    async updateWebhook(context, input) {
      requireAdmin(context);
      const { webhookId, webhook, expectedRevisionNumber } = parse(
        memo(8, () =>
          z.strictObject({
            webhookId: idSchema,
            webhook: webhookFieldsSchema,
            expectedRevisionNumber: expected,
          }),
        ),
        input,
        '[consent] updateWebhook input',
      );
      const { object } = await updateObject(
        context,
        'Webhook',
        webhookId,
        webhook,
        expectedRevisionNumber,
      );
      return { webhook: object };
    },
    async deleteWebhook(context, input) {
      requireAdmin(context);
      const { webhookId } = parse(
        strictId('webhookId'),
        input,
        '[consent] deleteWebhook input',
      ) as { webhookId: string };
      await deleteObject(context, 'Webhook', webhookId, (session) =>
        session.deleteOutboxOfWebhook(webhookId),
      );
    },
    async listWebhooks(context, query) {
      requireAdmin(context);
      return store.listObjects('Webhook', {}, pageOf(query));
    },

    // Records
    async draftConsentRecord(context, input) {
      const { individualId, dataAgreementId, revisionId } = parse(
        memo(9, () =>
          z.strictObject({
            individualId: idSchema,
            dataAgreementId: idSchema,
            revisionId: idSchema.optional(),
          }),
        ),
        input,
        '[consent] draftConsentRecord input',
      );
      if (isPerson(context)) {
        const acting = context.actor.onBehalfOf ?? context.actor.id;
        const individual = await store.getObject('Individual', individualId);
        if (individual ? !isSelf(context, individual) : individualId !== acting)
          throw otherIndividual();
      }
      const agreement = await store.getObject('DataAgreement', dataAgreementId);
      if (!agreement) throw notFound('data agreement');
      const pinned = await pinnedAgreementRevision(store, agreement, revisionId);
      const timestamp = now();
      const consentRecord = {
        id: null,
        individualId,
        dataAgreementId,
        dataAgreementRevisionId: pinned.id,
        dataAgreementRevisionHash: pinned.serializedHash,
        optIn: null,
        state: 'unsigned' as const,
        signatureId: null,
        notice: null,
      };
      const snapshot = revisionSnapshot({
        schemaName: 'ConsentRecord',
        objectId: '',
        number: 1,
        timestamp,
        authorizedByIndividual: individualId,
        authorizedByOther: null,
        objectData: consentRecord,
        predecessorHash: null,
        deleted: false,
      });
      const draftRevision = {
        id: '',
        serializedSnapshot: snapshot,
        serializedHash: sha256Hex(snapshot),
      } as Revision;
      const signature: Signature = {
        ...signatureFor(
          draftRevision,
          { verificationMethod: 'jws', verificationSignedBy: individualId },
          timestamp,
        ),
        objectReference: null,
        signedWithoutObjectReference: true,
      };
      return { consentRecord, signature };
    },

    async createConsentRecord(context, input) {
      const { individualId, dataAgreementId, revisionId, optIn, notice } = parse(
        memo(10, () =>
          z.strictObject({
            individualId: idSchema,
            dataAgreementId: idSchema,
            revisionId: idSchema.optional(),
            optIn: z.boolean().nullable(),
            notice: z.unknown().optional(),
          }),
        ),
        input,
        '[consent] createConsentRecord input',
      );
      const timestamp = now();
      const id = ids();
      const result = await store.transaction(async (session) => {
        const individual = await loadIndividual(session, context, individualId);
        const agreement = await session.getObject('DataAgreement', dataAgreementId);
        if (!agreement) throw notFound('data agreement');
        const pinned = await pinnedAgreementRevision(session, agreement, revisionId);
        const base = {
          id,
          createdAt: timestamp,
          individualId,
          dataAgreementId,
          dataAgreementRevisionId: pinned.id,
          dataAgreementRevisionHash: pinned.serializedHash,
          optIn,
          state: 'unsigned' as const,
          signatureId: null,
          notice: optIn === null ? null : noticeOf(notice, agreement),
        };
        const revision = await writeRevision(session, {
          schemaName: 'ConsentRecord',
          objectId: id,
          objectData: base,
          previous: null,
          authorized: authorizedBy(context, individual),
          timestamp,
        });
        const consentRecord: ConsentRecord = {
          ...base,
          revisionId: revision.id,
          revisionNumber: 1,
          revisionHash: revision.serializedHash,
          updatedAt: timestamp,
        };
        await session.insertRecord(consentRecord);
        await eventsFor(
          session,
          'consent.record.created',
          recordEventData(consentRecord),
          timestamp,
        );
        await record(
          context,
          'consent.record.created',
          { type: 'individual', id: individualId, personal: true },
          {
            purpose: agreement.purpose,
            legalBasis: agreement.lawfulBasis,
            details: { consentRecordId: id, dataAgreementId, optIn, revisionId: revision.id },
          },
        );
        return { consentRecord, revision };
      });
      return result;
    },

    async getConsentRecordForAgreement(context, input) {
      const { individualId, dataAgreementId } = parse(
        memo(11, () => z.strictObject({ individualId: idSchema, dataAgreementId: idSchema })),
        input,
        '[consent] getConsentRecordForAgreement input',
      );
      await loadIndividual(store, context, individualId);
      const page = await store.listRecords(
        { individualId, dataAgreementId },
        { offset: 0, limit: 1 },
      );
      const consentRecord = page.items[0];
      if (!consentRecord) throw notFound('consent record');
      return { consentRecord, revision: await latestRevision(store, consentRecord.revisionId) };
    },

    async listConsentRecordsForAgreement(context, input) {
      const { individualId, dataAgreementId, ...page } = parse(
        memo(12, () =>
          pageQuerySchema.extend({ individualId: idSchema, dataAgreementId: idSchema }),
        ),
        input,
        '[consent] listConsentRecordsForAgreement input',
      );
      await loadIndividual(store, context, individualId);
      return store.listRecords({ individualId, dataAgreementId }, page);
    },

    async listConsentRecords(context, input) {
      const { individualId, ...page } = parse(
        memo(13, () => pageQuerySchema.extend({ individualId: idSchema })),
        input,
        '[consent] listConsentRecords input',
      );
      await loadIndividual(store, context, individualId);
      return store.listRecords({ individualId, currentOnly: true }, page);
    },

    async updateConsentRecord(context, input) {
      const { individualId, consentRecordId, optIn, notice, expectedRevisionNumber } = parse(
        memo(14, () =>
          z.strictObject({
            individualId: idSchema,
            consentRecordId: idSchema,
            optIn: z.boolean({ message: 'optIn must be true or false' }),
            notice: z.unknown().optional(),
            expectedRevisionNumber: expected,
          }),
        ),
        input,
        '[consent] updateConsentRecord input',
      );
      const timestamp = now();
      return store.transaction(async (session) => {
        const individual = await loadIndividual(session, context, individualId);
        const current = await ownRecord(session, individualId, consentRecordId);
        if (
          expectedRevisionNumber !== undefined &&
          expectedRevisionNumber !== current.revisionNumber
        ) {
          throw concurrentUpdate('consent record', { revisionNumber: current.revisionNumber });
        }
        const agreement = await session.getObject('DataAgreement', current.dataAgreementId);
        const agreementForNotice = agreement ?? ({ version: 'deleted' } as DataAgreement);
        const result = await reviseRecord(
          session,
          context,
          individual,
          current,
          {
            optIn,
            state: 'unsigned',
            signatureId: null,
            notice: noticeOf(notice, agreementForNotice) ?? current.notice,
          },
          timestamp,
        );
        const withdrawn = optIn === false;
        await eventsFor(
          session,
          withdrawn ? 'consent.record.withdrawn' : 'consent.record.updated',
          recordEventData(result.consentRecord),
          timestamp,
        );
        await record(
          context,
          withdrawn ? 'consent.record.withdrawn' : 'consent.record.opted-in',
          { type: 'individual', id: individualId, personal: true },
          {
            ...(agreement ? { purpose: agreement.purpose, legalBasis: agreement.lawfulBasis } : {}),
            details: {
              consentRecordId,
              dataAgreementId: current.dataAgreementId,
              optIn,
              revisionId: result.revision.id,
            },
          },
        );
        return result;
      });
    },

    async createSignature(context, input) {
      const { individualId, consentRecordId, signature } = parse(
        memo(15, () =>
          z.strictObject({
            individualId: idSchema,
            consentRecordId: idSchema,
            signature: signatureRequestSchema,
          }),
        ),
        input,
        '[consent] createSignature input',
      );
      await loadIndividual(store, context, individualId);
      const current = await ownRecord(store, individualId, consentRecordId);
      if (current.optIn === false)
        throw illegalState('a withdrawn consent record cannot be signed');
      const revision = await latestRevision(store, current.revisionId);
      return { signature: signatureFor(revision, signature, now()) };
    },

    async updateSignature(context, input) {
      const parsed = parse(
        memo(16, () =>
          z.strictObject({
            individualId: idSchema,
            consentRecordId: idSchema,
            signature: signatureSchema,
          }),
        ),
        input,
        '[consent] updateSignature input',
      );
      const { individualId, consentRecordId } = parsed;
      const given = parsed.signature;
      if (given.signature.length === 0) throw signatureInvalid('the signature is empty');
      const timestamp = now();
      if (signatureVerifier && !(await signatureVerifier(given)))
        throw signatureInvalid('verification failed');
      return store.transaction(async (session) => {
        const individual = await loadIndividual(session, context, individualId);
        const current = await ownRecord(session, individualId, consentRecordId);
        if (current.optIn === false)
          throw illegalState('a withdrawn consent record cannot be signed');
        const revision = await latestRevision(session, current.revisionId);
        if (given.objectReference !== revision.id) {
          const referenced = given.objectReference
            ? await session.getRevision(given.objectReference)
            : null;
          if (
            referenced &&
            referenced.schemaName === 'ConsentRecord' &&
            referenced.objectId === current.id
          ) {
            throw concurrentUpdate('consent record', { revisionNumber: current.revisionNumber });
          }
          throw signatureInvalid('it does not reference the record');
        }
        const expectedPayload = signaturePayload(revision, given);
        if (
          given.payload !== expectedPayload ||
          given.verificationPayload !== revision.serializedSnapshot ||
          given.verificationPayloadHash !== revision.serializedHash
        ) {
          throw signatureInvalid('the payload is not the one issued for this revision');
        }
        const stored = { ...given, id: ids(), timestamp, signedWithoutObjectReference: false };
        await session.insertSignature(stored, current.id);
        const result = await reviseRecord(
          session,
          context,
          individual,
          current,
          { state: 'signed', signatureId: stored.id },
          timestamp,
        );
        await eventsFor(
          session,
          'consent.record.signed',
          recordEventData(result.consentRecord),
          timestamp,
        );
        await record(
          context,
          'consent.record.signed',
          { type: 'individual', id: individualId, personal: true },
          {
            details: {
              consentRecordId,
              signatureId: stored.id,
              revisionId: result.revision.id,
              method: given.verificationMethod,
            },
          },
        );
        return { signature: stored, ...result };
      });
    },

    async deleteConsentRecords(context, input) {
      const { individualId } = parse(
        strictId('individualId'),
        input,
        '[consent] deleteConsentRecords input',
      ) as {
        individualId: string;
      };
      const timestamp = now();
      return store.transaction(async (session) => {
        await loadIndividual(session, context, individualId);
        const all = await session.listRecords({ individualId }, { offset: 0, limit: 10_000 });
        const forgettable = new Map<string, boolean>();
        const doomed: string[] = [];
        for (const candidate of all.items) {
          if (!forgettable.has(candidate.dataAgreementId)) {
            const agreement = await session.getObject('DataAgreement', candidate.dataAgreementId);
            forgettable.set(candidate.dataAgreementId, agreement?.forgettable ?? false);
          }
          const undecided = candidate.optIn === null && candidate.state === 'unsigned';
          if (undecided || (forgettable.get(candidate.dataAgreementId) && candidate.optIn !== true))
            doomed.push(candidate.id);
        }
        if (doomed.length > 0) {
          await session.deleteSignaturesOfRecords(doomed);
          await session.deleteRevisions('ConsentRecord', doomed);
          await session.deleteRecords(doomed);
          await eventsFor(
            session,
            'consent.records.deleted',
            { individualId, count: doomed.length },
            timestamp,
          );
        }
        await record(
          context,
          'consent.records.deleted',
          { type: 'individual', id: individualId, personal: true },
          { details: { deleted: doomed.length } },
        );
        return { deleted: doomed.length };
      });
    },

    // Verification and audit
    async findConsentRecords(context, filter) {
      requireAdmin(context);
      const { individualId, dataAgreementId, optIn, ...page } = parse(
        memo(17, () =>
          pageQuerySchema.extend({
            individualId: idSchema.optional(),
            dataAgreementId: idSchema.optional(),
            optIn: z.boolean().optional(),
          }),
        ),
        filter ?? {},
        '[consent] findConsentRecords filter',
      );
      return store.listRecords(
        {
          currentOnly: true,
          ...(individualId !== undefined ? { individualId } : {}),
          ...(dataAgreementId !== undefined ? { dataAgreementId } : {}),
          ...(optIn !== undefined ? { optIn } : {}),
        },
        page,
      );
    },
    async getConsentRecord(context, input) {
      requireAdmin(context);
      const { consentRecordId } = parse(
        strictId('consentRecordId'),
        input,
        '[consent] getConsentRecord input',
      ) as {
        consentRecordId: string;
      };
      const consentRecord = await store.getRecord(consentRecordId);
      if (!consentRecord) throw notFound('consent record');
      return { consentRecord, revision: await latestRevision(store, consentRecord.revisionId) };
    },
    async listConsentRecordRevisions(context, input) {
      const { consentRecordId, individualId, order, since, until, ...page } = parse(
        memo(18, () =>
          revisionQuery.extend({ consentRecordId: idSchema, individualId: idSchema.optional() }),
        ),
        input,
        '[consent] listConsentRecordRevisions input',
      );
      if (isPerson(context)) {
        if (individualId === undefined) throw otherIndividual();
        await loadIndividual(store, context, individualId);
        await ownRecord(store, individualId, consentRecordId);
      } else if (individualId !== undefined) {
        await ownRecord(store, individualId, consentRecordId);
      }
      const result = await store.listRevisions(
        'ConsentRecord',
        consentRecordId,
        page,
        order,
        rangeOf({ since, until }),
      );
      if (result.total === 0 && !(await store.getRecord(consentRecordId)))
        throw notFound('consent record');
      return result;
    },
    async getRevision(context, input) {
      requireAdmin(context);
      const { revisionId } = parse(
        strictId('revisionId'),
        input,
        '[consent] getRevision input',
      ) as { revisionId: string };
      const revision = await store.getRevision(revisionId);
      if (!revision) throw notFound('revision');
      return { revision };
    },

    // Hot path
    async check(context, input: CheckInput) {
      return decide(context, parse(checkInputSchema, input, '[consent] check input'));
    },
    async requireConsent(context, input: RequireConsentInput) {
      const { individual, purpose, dataCategories } = parse(
        requireConsentInputSchema,
        input,
        '[consent] requireConsent input',
      );
      const decision = await decide(context, {
        individualId: individual,
        purpose,
        ...(dataCategories.length > 0 ? { attributes: dataCategories } : {}),
      });
      await record(
        context,
        decision.allowed ? 'consent.check.allowed' : 'consent.check.denied',
        { type: 'individual', id: individual, personal: true },
        {
          purpose,
          outcome: decision.allowed ? 'success' : 'denied',
          details: {
            reason: decision.reason,
            dataAgreementId: decision.dataAgreementId,
            consentRecordId: decision.consentRecordId,
            revisionId: decision.revisionId,
            dataCategories: dataCategories.join(',').slice(0, 1024),
          },
        },
      );
      if (!decision.allowed) {
        throw new ConsentRequiredError({
          reason: decision.reason,
          ...(decision.dataAgreementId ? { dataAgreementId: decision.dataAgreementId } : {}),
          ...(decision.consentRecordId ? { consentRecordId: decision.consentRecordId } : {}),
          ...(decision.revisionId ? { revisionId: decision.revisionId } : {}),
        });
      }
      return decision;
    },
  };
  return service;
}

/** Lists every page of a paged method (helper for exports and tests). */
export async function collectAll<T>(fetch: (offset: number) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; ) {
    const page = await fetch(offset);
    items.push(...page.items);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return items;
  }
}
