import { type ActorContext, ConfigurationError } from '@govblocks/core';
import { createHttpClient, type HttpClient, type QueryValue } from '@govblocks/core/client';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { ConsentService } from '../ports.js';
import {
  type ConsentRecord,
  consentDecisionSchema,
  consentRecordSchema,
  type DataAgreement,
  dataAgreementSchema,
  type Individual,
  individualSchema,
  type Page,
  type Policy,
  policySchema,
  type Revision,
  revisionSchema,
  type Signature,
  signatureSchema,
  type Webhook,
  webhookSchema,
} from '../schemas.js';
import {
  dataAgreementFieldsFromWire,
  fromWireObject,
  recordAliases,
  revisionAliases,
} from '../wire/wire.js';
import type { paths } from './generated/consent.js';

export interface GovstackConsentOptions {
  /** Base URL of the Consent BB API, e.g. `https://consent.example.gov/api`. */
  baseUrl: string;
  /** Sent as an API key header (`X-API-Key` unless `apiKeyHeader` says otherwise). Never logged. */
  apiKey?: string;
  apiKeyHeader?: string;
  /** A bearer token, or a function giving a fresh one per call. */
  bearerToken?: string | (() => Promise<string> | string);
  /** GovStack Information Mediator client id (`Information-Mediator-Client`). */
  informationMediatorClient?: string;
  /** Per-attempt timeout in ms (default 10,000). */
  timeoutMs?: number;
  /** Retries of idempotent calls (default 2). */
  retries?: number;
  /** An undici dispatcher (pool, proxy, MockAgent). */
  dispatcher?: Dispatcher;
  /** Extra headers on every call. */
  headers?: Record<string, string>;
}

// Remote answers are read leniently: GovStack relation aliases become our id fields, GovStack
// enum spellings are normalised, and bookkeeping a foreign product does not keep gets neutral
// values (revisionNumber 1, revisionId 'unknown', epoch timestamps).
type Json = Record<string, unknown>;
const epoch = '1970-01-01T00:00:00.000Z';
const idOf = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number'
    ? String(value)
    : typeof value === 'object' && value !== null && 'id' in value
      ? idOf((value as { id: unknown }).id)
      : undefined;
const withBookkeeping = (value: Json): Json => ({
  revisionNumber: 1,
  revisionId: 'unknown',
  createdAt: epoch,
  updatedAt: epoch,
  // GovStack products may send null for optional fields our schemas leave out.
  ...Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null)),
});
const normalise = (kind: 'object' | 'agreement' | 'record' | 'revision') => (value: unknown) => {
  if (typeof value !== 'object' || value === null) return value;
  const input = value as Json;
  if (kind === 'revision') return fromWireObject(input, revisionAliases);
  if (kind === 'object') return withBookkeeping(input);
  if (kind === 'agreement') {
    const fields = dataAgreementFieldsFromWire(input) as Json;
    return withBookkeeping({
      ...fields,
      id: input.id,
      attributes: (fields.attributes as unknown[] | undefined) ?? [],
      ...pick(input, bookkeepingKeys),
    });
  }
  const record: Json = { ...input };
  for (const [alias, field] of [
    ['dataAgreement', 'dataAgreementId'],
    ['dataAgreementRevision', 'dataAgreementRevisionId'],
    ['individual', 'individualId'],
    ['signature', 'signatureId'],
  ] as const) {
    if (record[field] === undefined) record[field] = idOf(record[alias]) ?? null;
    delete record[alias];
  }
  return {
    revisionNumber: 1,
    revisionId: 'unknown',
    revisionHash: '0'.repeat(64),
    createdAt: epoch,
    updatedAt: epoch,
    notice: null,
    optIn: null,
    ...record,
  };
};
const bookkeepingKeys = ['revisionNumber', 'revisionId', 'createdAt', 'updatedAt'];
const pick = (value: Json, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((key) => key in value).map((key) => [key, value[key]]));
const lenient = <T extends z.ZodType>(
  schema: T,
  kind: 'object' | 'agreement' | 'record' | 'revision',
) => z.preprocess(normalise(kind), schema) as unknown as z.ZodType<z.output<T>>;
const revision = lenient(revisionSchema, 'revision');
const policy = lenient(policySchema, 'object');
const agreement = lenient(dataAgreementSchema, 'agreement');
const record = lenient(consentRecordSchema, 'record');
const individual = lenient(individualSchema, 'object');
const webhook = lenient(webhookSchema, 'object');
const pagination = z
  .object({ offset: z.number(), limit: z.number(), total: z.number() })
  .optional();

const pageOf = <T>(name: string, item: z.ZodType<T>) =>
  z.object({ [name]: z.array(item), pagination }).transform((value): Page<T> => {
    const items = value[name] as T[];
    const paging = value.pagination as { offset: number; limit: number; total: number } | undefined;
    return {
      items,
      offset: paging?.offset ?? 0,
      limit: paging?.limit ?? items.length,
      total: paging?.total ?? items.length,
    };
  });

/** Which path of the GovStack API a call uses (typed by the generated `paths`, so a renamed path fails to compile). */
type SpecPath = keyof paths;
const specPath = <P extends SpecPath>(path: P, values: Record<string, string> = {}) =>
  (path as string).replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? ''),
  );

/**
 * The {@link ConsentService} port over HTTP, speaking the GovStack Consent BB API to any
 * compliant product (or to govblocks' own `consentHttpApp`). Remote errors become govblocks
 * errors keeping the remote `code`; timeouts and unreachable hosts become `TIMEOUT` /
 * `UNAVAILABLE`; idempotent calls are retried with backoff.
 *
 * The actor of each call is whoever the configured credential authenticates; the context's
 * request and correlation ids are forwarded.
 *
 * @example
 * const consent = govstackConsent({ baseUrl: 'https://consent.example.gov', apiKey: process.env.CONSENT_API_KEY });
 * const decision = await consent.check(service, { individualId, purpose: 'Registration in Health App' });
 */
export function govstackConsent(
  options: GovstackConsentOptions,
): ConsentService & { close(): Promise<void> } {
  if (!options.baseUrl) throw new ConfigurationError('[consent/govstack] baseUrl is required');
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey) headers[options.apiKeyHeader ?? 'X-API-Key'] = options.apiKey;
  const client: HttpClient = createHttpClient({
    baseUrl: options.baseUrl,
    name: 'consent/govstack',
    headers,
    ...(options.informationMediatorClient
      ? { informationMediatorClient: options.informationMediatorClient }
      : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });

  const call = async <T>(
    context: ActorContext,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    schema: z.ZodType<T>,
    extra: {
      query?: Record<string, QueryValue | readonly QueryValue[]>;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<T> => {
    const callHeaders: Record<string, string> = { ...extra.headers };
    if (options.bearerToken) {
      const token =
        typeof options.bearerToken === 'function'
          ? await options.bearerToken()
          : options.bearerToken;
      callHeaders.authorization = `Bearer ${token}`;
    }
    return client.request({
      method,
      path,
      schema,
      headers: callHeaders,
      ...(extra.query ? { query: extra.query } : {}),
      ...(extra.body !== undefined ? { body: extra.body } : {}),
      // A key per call (the same on every attempt) makes retried POSTs safe on servers that honour it.
      ...(method === 'POST' ? { idempotencyKey: 'auto' as const } : {}),
      ...(context.requestId ? { requestId: context.requestId } : {}),
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
    });
  };
  const ifMatch = (expected: number | undefined) =>
    expected === undefined ? {} : { headers: { 'if-match': `"${expected}"` } };
  const paging = (
    query: { offset?: number | undefined; limit?: number | undefined } | undefined,
  ) => ({
    ...(query?.offset !== undefined ? { offset: query.offset } : {}),
    ...(query?.limit !== undefined ? { limit: query.limit } : {}),
  });
  /** Paging, order and time window of a revision history, as query parameters. */
  const historyQuery = (input: {
    offset?: number | undefined;
    limit?: number | undefined;
    order?: string | undefined;
    since?: string | undefined;
    until?: string | undefined;
  }) => ({
    ...paging(input),
    ...(input.order ? { order: input.order } : {}),
    ...(input.since ? { since: input.since } : {}),
    ...(input.until ? { until: input.until } : {}),
  });
  const individualQuery = (individualId: string) => ({ individualId });

  const withRevisionOf = <K extends string, T>(key: K, item: z.ZodType<T>) =>
    z.object({ [key]: item, revision }) as unknown as z.ZodType<
      { [P in K]: T } & { revision: Revision }
    >;

  return {
    specificationVersion: 'consent/v1',
    close: () => client.close(),

    createPolicy: (context, input) =>
      call(context, 'POST', specPath('/config/policy/'), withRevisionOf('policy', policy), {
        body: { policy: input },
      }),
    getPolicy: (context, input) =>
      call(
        context,
        'GET',
        specPath('/config/policy/{policyId}/', { policyId: input.policyId }),
        withRevisionOf('policy', policy),
        {
          query: input.revisionId ? { revisionId: input.revisionId } : {},
        },
      ),
    updatePolicy: (context, input) =>
      call(
        context,
        'PUT',
        specPath('/config/policy/{policyId}/', { policyId: input.policyId }),
        withRevisionOf('policy', policy),
        {
          body: { policy: input.policy },
          ...ifMatch(input.expectedRevisionNumber),
        },
      ),
    deletePolicy: (context, input) =>
      call(
        context,
        'DELETE',
        specPath('/config/policy/{policyId}/', { policyId: input.policyId }),
        z.object({ revision }),
      ),
    listPolicies: (context, query) =>
      call(context, 'GET', specPath('/config/policies/'), pageOf<Policy>('policies', policy), {
        query: paging(query),
      }),
    listPolicyRevisions: (context, input) =>
      call(
        context,
        'GET',
        specPath('/config/policy/{policyId}/revisions/', { policyId: input.policyId }),
        pageOf<Revision>('revisions', revision),
        {
          query: {
            ...historyQuery(input),
          },
        },
      ),

    createDataAgreement: (context, input) =>
      call(
        context,
        'POST',
        specPath('/config/data-agreement/'),
        withRevisionOf('dataAgreement', agreement),
        {
          body: { dataAgreement: input },
        },
      ),
    getDataAgreement: (context, input) =>
      call(
        context,
        'GET',
        specPath('/config/data-agreement/{dataAgreementId}/', {
          dataAgreementId: input.dataAgreementId,
        }),
        withRevisionOf('dataAgreement', agreement),
        { query: input.revisionId ? { revisionId: input.revisionId } : {} },
      ),
    updateDataAgreement: (context, input) =>
      call(
        context,
        'PUT',
        specPath('/config/data-agreement/{dataAgreementId}/', {
          dataAgreementId: input.dataAgreementId,
        }),
        withRevisionOf('dataAgreement', agreement),
        { body: { dataAgreement: input.dataAgreement }, ...ifMatch(input.expectedRevisionNumber) },
      ),
    deleteDataAgreement: (context, input) =>
      call(
        context,
        'DELETE',
        specPath('/config/data-agreement/{dataAgreementId}/', {
          dataAgreementId: input.dataAgreementId,
        }),
        z.object({ revision }),
      ),
    listDataAgreements: (context, query) =>
      call(
        context,
        'GET',
        specPath('/config/data-agreements/'),
        pageOf<DataAgreement>('dataAgreements', agreement),
        {
          query: {
            ...paging(query),
            ...(query?.active !== undefined ? { active: String(query.active) } : {}),
            ...(query?.purpose !== undefined ? { purpose: query.purpose } : {}),
          },
        },
      ),
    listDataAgreementRevisions: (context, input) =>
      call(
        context,
        'GET',
        `/config/data-agreement/${encodeURIComponent(input.dataAgreementId)}/revisions/`,
        pageOf<Revision>('revisions', revision),
        {
          query: {
            ...historyQuery(input),
          },
        },
      ),

    createIndividual: (context, input) =>
      call(
        context,
        'POST',
        specPath('/service/individual/'),
        withRevisionOf('individual', individual),
        { body: { individual: input } },
      ),
    getIndividual: (context, input) =>
      call(
        context,
        'GET',
        specPath('/service/individual/{individualId}/', { individualId: input.individualId }),
        z.object({ individual }) as z.ZodType<{ individual: Individual }>,
      ),
    updateIndividual: (context, input) =>
      call(
        context,
        'PUT',
        specPath('/service/individual/{individualId}/', { individualId: input.individualId }),
        withRevisionOf('individual', individual),
        { body: { individual: input.individual }, ...ifMatch(input.expectedRevisionNumber) },
      ),
    listIndividuals: (context, query) =>
      call(
        context,
        'GET',
        specPath('/service/individuals/'),
        pageOf<Individual>('individuals', individual),
        {
          query: {
            ...paging(query),
            ...(query?.externalId !== undefined ? { externalId: query.externalId } : {}),
          },
        },
      ),

    createWebhook: (context, input) =>
      call(
        context,
        'POST',
        specPath('/config/webhook/'),
        z.object({ webhook }) as z.ZodType<{ webhook: Webhook }>,
        {
          body: { webhook: input },
        },
      ),
    getWebhook: (context, input) =>
      call(
        context,
        'GET',
        specPath('/config/webhook/{webhookId}/', { webhookId: input.webhookId }),
        z.object({ webhook }) as z.ZodType<{ webhook: Webhook }>,
      ),
    updateWebhook: (context, input) =>
      call(
        context,
        'PUT',
        specPath('/config/webhook/{webhookId}/', { webhookId: input.webhookId }),
        z.object({ webhook }) as z.ZodType<{ webhook: Webhook }>,
        { body: { webhook: input.webhook }, ...ifMatch(input.expectedRevisionNumber) },
      ),
    deleteWebhook: async (context, input) => {
      await call(
        context,
        'DELETE',
        specPath('/config/webhook/{webhookId}/', { webhookId: input.webhookId }),
        z.unknown(),
      );
    },
    listWebhooks: (context, query) =>
      call(context, 'GET', specPath('/config/webhooks/'), pageOf<Webhook>('webhooks', webhook), {
        query: paging(query),
      }),

    draftConsentRecord: (context, input) =>
      call(
        context,
        'POST',
        specPath('/service/individual/record/consent-record/draft/'),
        z.object({
          consentRecord: z.preprocess((value) => fromWireObject(value, recordAliases), z.any()),
          signature: signatureSchema,
        }),
        {
          query: {
            ...individualQuery(input.individualId),
            dataAgreementId: input.dataAgreementId,
            ...(input.revisionId ? { revisionId: input.revisionId } : {}),
          },
        },
      ),
    createConsentRecord: (context, input) =>
      call(
        context,
        'POST',
        specPath('/service/individual/record/data-agreement/{dataAgreementId}/', {
          dataAgreementId: input.dataAgreementId,
        }),
        withRevisionOf('consentRecord', record),
        {
          query: {
            ...individualQuery(input.individualId),
            ...(input.revisionId ? { revisionId: input.revisionId } : {}),
          },
          body: {
            optIn: input.optIn,
            ...(input.notice !== undefined ? { notice: input.notice } : {}),
          },
        },
      ),
    getConsentRecordForAgreement: (context, input) =>
      call(
        context,
        'GET',
        specPath('/service/individual/record/data-agreement/{dataAgreementId}/', {
          dataAgreementId: input.dataAgreementId,
        }),
        withRevisionOf('consentRecord', record),
        { query: individualQuery(input.individualId) },
      ),
    listConsentRecordsForAgreement: (context, input) =>
      call(
        context,
        'GET',
        specPath('/service/individual/record/data-agreement/{dataAgreementId}/all/', {
          dataAgreementId: input.dataAgreementId,
        }),
        pageOf<ConsentRecord>('consentRecords', record),
        { query: { ...individualQuery(input.individualId), ...paging(input) } },
      ),
    listConsentRecords: (context, input) =>
      call(
        context,
        'GET',
        specPath('/service/individual/record/consent-record/'),
        pageOf<ConsentRecord>('consentRecords', record),
        {
          query: { ...individualQuery(input.individualId), ...paging(input) },
        },
      ),
    updateConsentRecord: (context, input) =>
      call(
        context,
        'PUT',
        specPath('/service/individual/record/consent-record/{consentRecordId}/', {
          consentRecordId: input.consentRecordId,
        }),
        withRevisionOf('consentRecord', record),
        {
          query: individualQuery(input.individualId),
          body: {
            consentRecord: {
              optIn: input.optIn,
              ...(input.notice !== undefined ? { notice: input.notice } : {}),
            },
          },
          ...ifMatch(input.expectedRevisionNumber),
        },
      ),
    createSignature: (context, input) =>
      call(
        context,
        'POST',
        specPath('/service/individual/record/consent-record/{consentRecordId}/signature/', {
          consentRecordId: input.consentRecordId,
        }),
        z.object({ signature: signatureSchema }) as z.ZodType<{ signature: Signature }>,
        { query: individualQuery(input.individualId), body: { signature: input.signature } },
      ),
    updateSignature: (context, input) =>
      call(
        context,
        'PUT',
        specPath('/service/individual/record/consent-record/{consentRecordId}/signature/', {
          consentRecordId: input.consentRecordId,
        }),
        z.object({ signature: signatureSchema, consentRecord: record, revision }) as z.ZodType<{
          signature: Signature;
          consentRecord: ConsentRecord;
          revision: Revision;
        }>,
        { query: individualQuery(input.individualId), body: { signature: input.signature } },
      ),
    deleteConsentRecords: (context, input) =>
      call(
        context,
        'DELETE',
        specPath('/service/individual/record/'),
        z.object({ deleted: z.number() }),
        {
          query: individualQuery(input.individualId),
        },
      ),

    findConsentRecords: (context, filter) =>
      call(
        context,
        'GET',
        specPath('/service/verification/consent-records/'),
        pageOf<ConsentRecord>('consentRecords', record),
        {
          query: {
            ...paging(filter),
            ...(filter?.individualId !== undefined ? { individualId: filter.individualId } : {}),
            ...(filter?.dataAgreementId !== undefined
              ? { dataAgreementId: filter.dataAgreementId }
              : {}),
            ...(filter?.optIn !== undefined ? { optIn: String(filter.optIn) } : {}),
          },
        },
      ),
    getConsentRecord: (context, input) =>
      call(
        context,
        'GET',
        specPath('/service/verification/consent-record/{consentRecordId}/', {
          consentRecordId: input.consentRecordId,
        }),
        withRevisionOf('consentRecord', record),
      ),
    listConsentRecordRevisions: (context, input) =>
      input.individualId !== undefined
        ? call(
            context,
            'GET',
            `/service/individual/record/consent-record/${encodeURIComponent(input.consentRecordId)}/revisions/`,
            pageOf<Revision>('revisions', revision),
            {
              query: {
                ...individualQuery(input.individualId),
                ...historyQuery(input),
              },
            },
          )
        : call(
            context,
            'GET',
            `/audit/consent-record/${encodeURIComponent(input.consentRecordId)}/revisions/`,
            pageOf<Revision>('revisions', revision),
            {
              query: {
                ...historyQuery(input),
              },
            },
          ),
    getRevision: (context, input) =>
      call(
        context,
        'GET',
        `/audit/revision/${encodeURIComponent(input.revisionId)}/`,
        z.object({ revision }),
      ),

    check: (context, input) =>
      call(context, 'GET', '/service/verification/check/', consentDecisionSchema, {
        query: {
          individualId: input.individualId,
          ...(input.dataAgreementId !== undefined
            ? { dataAgreementId: input.dataAgreementId }
            : {}),
          ...(input.purpose !== undefined ? { purpose: input.purpose } : {}),
          ...(input.attributes !== undefined ? { attributes: input.attributes } : {}),
        },
      }),
    requireConsent: (context, input) =>
      call(context, 'POST', '/service/verification/require-consent/', consentDecisionSchema, {
        body: input,
      }),
  };
}
