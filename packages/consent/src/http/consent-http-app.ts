import {
  type ActorContext,
  ConflictError,
  type IdempotencyStore,
  parse,
  runIdempotent,
  ValidationError,
} from '@govblocks/core';
import {
  type AuthOptions,
  actorOf,
  createHttpApp,
  type HttpContext,
  type HttpEnv,
  type HttpLogger,
  readJson,
  readQuery,
  sendJson,
} from '@govblocks/core/http';
import type { Handler, Hono } from 'hono';
import { z } from 'zod';
import type { ConsentService } from '../ports.js';
import { type Page, signatureRequestSchema } from '../schemas.js';
import {
  dataAgreementFieldsFromWire,
  individualFieldsFromWire,
  policyFieldsFromWire,
  recordDecisionFromWire,
  toWireDataAgreement,
  toWireRecord,
  toWireRevision,
  webhookFieldsFromWire,
} from '../wire/wire.js';

export interface ConsentHttpAppOptions {
  /**
   * Authentication (core's HTTP kit): API keys and/or bearer JWTs. Required; pass
   * `{ development: true }` explicitly to run without credentials on a laptop.
   */
  auth: AuthOptions;
  /** Largest request body in bytes (default 1 MiB); larger answers 413. */
  bodyLimitBytes?: number;
  logger?: HttpLogger;
  /**
   * The actor of requests that carry no credential, when `auth.mode` is `'optional'`
   * (e.g. `govblocks serve` in development mode, where GovStack's published tests send none).
   * Without it such requests answer 401.
   */
  anonymousActor?: ActorContext;
  /**
   * Where `Idempotency-Key`s of POST requests are kept (core's memory or SQL idempotency store).
   * With it, a POST repeated with the same key and body replays the first answer
   * (`Idempotent-Replayed: true`) instead of acting twice — the remote adapter sends a key with
   * every POST so its retries are safe. Without it the header is ignored.
   */
  idempotency?: IdempotencyStore;
  /** Health check of the storage behind the service. */
  healthCheck?: () => Promise<void>;
}

const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const revisionQuery = pageQuery.extend({
  order: z.enum(['asc', 'desc']).optional(),
  since: z.string().optional(),
  until: z.string().optional(),
});
const individualHeaderNames = ['individualId', 'Individual-Id', 'X-Individual-Id'];
const revisionIdQuery = z.object({ revisionId: z.string().optional() });
const individualsQuery = pageQuery.extend({ externalId: z.string().optional() });
const individualPageQuery = pageQuery.extend({ individualId: z.string().optional() });
const individualRevisionQuery = revisionQuery.extend({ individualId: z.string().optional() });
const draftQuery = z.object({ dataAgreementId: z.string(), revisionId: z.string().optional() });
const agreementQuery = pageQuery.extend({
  active: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  purpose: z.string().optional(),
});
const recordFilter = pageQuery.extend({
  individualId: z.string().optional(),
  dataAgreementId: z.string().optional(),
  optIn: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
});
const checkQuery = z.object({
  individualId: z.string(),
  dataAgreementId: z.string().optional(),
  purpose: z.string().optional(),
  attributes: z.union([z.string(), z.array(z.string())]).optional(),
});
const policyBody = z.strictObject({ policy: z.unknown() });
const agreementBody = z.strictObject({ dataAgreement: z.unknown() });
const individualBody = z.strictObject({ individual: z.unknown() });
const webhookBody = z.strictObject({ webhook: z.unknown() });
const recordBody = z.strictObject({ consentRecord: z.unknown() });
const pairBody = z.strictObject({
  consentRecord: z.record(z.string(), z.unknown()),
  signature: z.unknown(),
});
const signatureRequestBody = z.strictObject({ signature: z.record(z.string(), z.unknown()) });
const signatureBody = z.strictObject({ signature: z.unknown() });
const decisionBody = z
  .strictObject({ optIn: z.boolean().nullable().optional(), notice: z.unknown().optional() })
  .optional();
const anyBody = z.unknown();

/** A page rendered the GovStack way: the list under its name, plus our paging numbers. */
const listed = <T>(name: string, page: Page<T>, map: (item: T) => unknown = (item) => item) => ({
  [name]: page.items.map(map),
  pagination: { offset: page.offset, limit: page.limit, total: page.total },
});

/** `If-Match: "3"` (or `3`) → 3: the revision number the caller read. */
function expectedRevision(c: HttpContext): { expectedRevisionNumber?: number } {
  const header = c.req.header('if-match');
  if (header === undefined || header.trim() === '*') return {};
  const match = header.trim().match(/^(?:W\/)?"?(\d{1,9})"?$/);
  if (!match)
    throw new ValidationError('If-Match must be a revision number', [
      { pointer: '', detail: 'If-Match' },
    ]);
  return { expectedRevisionNumber: Number(match[1]) };
}

/** The individual a `/service/individual/record…` call is about: query (as the YAML declares) or header (as its prose says). */
function individualOf(c: HttpContext): string {
  const fromQuery = c.req.query('individualId');
  if (fromQuery) return fromQuery;
  for (const name of individualHeaderNames) {
    const value = c.req.header(name);
    if (value) return value;
  }
  throw new ValidationError('individualId is required (query parameter or header)', [
    { pointer: '/individualId', detail: 'required' },
  ]);
}

/**
 * Serves any {@link ConsentService} as the GovStack Consent BB API (`consent-openapi.yaml`):
 * every path of the spec with its payload names and 200 answers, `offset` / `limit` paging,
 * RFC 9457 problem+json errors with govblocks codes, authentication by core's HTTP kit, and
 * a few additions the spec lacks, all under the spec's prefixes:
 *
 * - `GET /service/verification/check/?individualId=&dataAgreementId=|purpose=&attributes=` —
 *   the `check()` hot path;
 * - `POST /service/verification/require-consent/` — the audited guard (403 `CONSENT_REQUIRED`);
 * - `GET /config/data-agreement/{id}/revisions/`, `GET /audit/consent-record/{id}/revisions/`,
 *   `GET /audit/revision/{revisionId}/`, `GET /service/individual/record/consent-record/{id}/revisions/`.
 *
 * Optimistic concurrency: send `If-Match: "<revisionNumber>"` on PUT. The individual of a
 * `/service/individual/record…` call is read from the `individualId` query parameter or an
 * `individualId` / `Individual-Id` header. Paths answer with and without the trailing slash.
 *
 * @example
 * const app = consentHttpApp(consent, { auth: { apiKeys: { headers: ['apiKey'], keys: [{ key, id: 'portal' }] } } });
 * await startServer(app, { port: 3333 });
 */
export function consentHttpApp(
  service: ConsentService,
  options: ConsentHttpAppOptions,
): Hono<HttpEnv> {
  const app = createHttpApp({
    name: 'consent',
    auth: options.auth,
    ...(options.bodyLimitBytes !== undefined ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.healthCheck ? { health: { check: options.healthCheck } } : {}),
  });
  const idempotency = options.idempotency;
  if (idempotency) {
    app.use('*', async (c, next) => {
      const key = c.req.header('idempotency-key');
      if (c.req.method !== 'POST' || key === undefined) return next();
      const caller = c.get('actor')?.actor.id ?? 'anonymous';
      const body = await c.req.text(); // Hono keeps the body, so handlers can still read it
      const failed = Symbol('failed');
      try {
        const { value, replayed } = await runIdempotent({
          store: idempotency,
          scope: `consent:${caller}`,
          key,
          request: { method: c.req.method, path: c.req.path, query: c.req.queries(), body },
          run: async () => {
            await next();
            // Error answers release the key (the caller may retry); only successes are kept.
            if (c.res.status >= 400) throw failed;
            return { status: c.res.status, body: await c.res.clone().text() };
          },
        });
        if (replayed) {
          return new Response(value.body, {
            status: value.status,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'idempotent-replayed': 'true',
            },
          });
        }
        return c.res;
      } catch (error) {
        if (error === failed) return c.res;
        throw error;
      }
    });
  }
  const route = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    handler: Handler<HttpEnv>,
  ) => {
    app.on(method, [path, path.replace(/\/$/, '')], handler);
  };
  const anonymous = options.anonymousActor;
  const actor = (c: HttpContext): ActorContext =>
    c.get('actor') === undefined && anonymous
      ? { ...anonymous, requestId: c.get('requestId'), correlationId: c.get('correlationId') }
      : actorOf(c);
  const param = (c: HttpContext, name: string) => c.req.param(name) as string;

  // ---- config: policies --------------------------------------------------------------------
  route('POST', '/config/policy/', async (c) => {
    const { policy } = await readJson(c, policyBody);
    return sendJson(
      c,
      await service
        .createPolicy(actor(c), policyFieldsFromWire(policy) as never)
        .then(withRevision),
    );
  });
  const readPolicy: Handler<HttpEnv> = async (c) => {
    const { revisionId } = readQuery(c, revisionIdQuery);
    const result = await service.getPolicy(actor(c), {
      policyId: param(c, 'policyId'),
      ...(revisionId ? { revisionId } : {}),
    });
    return sendJson(c, withRevision(result));
  };
  route('GET', '/config/policy/:policyId/', readPolicy);
  route('GET', '/service/policy/:policyId/', readPolicy);
  route('PUT', '/config/policy/:policyId/', async (c) => {
    const { policy } = await readJson(c, policyBody);
    const result = await service.updatePolicy(actor(c), {
      policyId: param(c, 'policyId'),
      policy: policyFieldsFromWire(policy) as never,
      ...expectedRevision(c),
    });
    return sendJson(c, withRevision(result));
  });
  route('DELETE', '/config/policy/:policyId/', async (c) => {
    const { revision } = await service.deletePolicy(actor(c), { policyId: param(c, 'policyId') });
    return sendJson(c, { revision: toWireRevision(revision) });
  });
  route('GET', '/config/policy/:policyId/revisions/', async (c) => {
    const query = readQuery(c, revisionQuery);
    const policyId = param(c, 'policyId');
    const page = await service.listPolicyRevisions(actor(c), { policyId, ...query });
    const current = await service.getPolicy(actor(c), { policyId }).catch(() => undefined);
    return sendJson(c, {
      policy: current?.policy ?? null,
      ...listed('revisions', page, toWireRevision),
    });
  });
  route('GET', '/config/policies/', async (c) => {
    const page = await service.listPolicies(actor(c), readQuery(c, pageQuery));
    return sendJson(c, listed('policies', page));
  });

  // ---- config: data agreements ------------------------------------------------------------
  route('POST', '/config/data-agreement/', async (c) => {
    const { dataAgreement } = await readJson(c, agreementBody);
    const result = await service.createDataAgreement(
      actor(c),
      dataAgreementFieldsFromWire(dataAgreement) as never,
    );
    return sendJson(c, agreementAnswer(result));
  });
  const readAgreement: Handler<HttpEnv> = async (c) => {
    const { revisionId } = readQuery(c, revisionIdQuery);
    const result = await service.getDataAgreement(actor(c), {
      dataAgreementId: param(c, 'dataAgreementId'),
      ...(revisionId ? { revisionId } : {}),
    });
    return sendJson(c, agreementAnswer(result));
  };
  route('GET', '/config/data-agreement/:dataAgreementId/', readAgreement);
  route('GET', '/service/data-agreement/:dataAgreementId/', readAgreement);
  route('GET', '/audit/data-agreement/:dataAgreementId/', readAgreement);
  route('PUT', '/config/data-agreement/:dataAgreementId/', async (c) => {
    const { dataAgreement } = await readJson(c, agreementBody);
    const result = await service.updateDataAgreement(actor(c), {
      dataAgreementId: param(c, 'dataAgreementId'),
      dataAgreement: dataAgreementFieldsFromWire(dataAgreement) as never,
      ...expectedRevision(c),
    });
    return sendJson(c, agreementAnswer(result));
  });
  route('DELETE', '/config/data-agreement/:dataAgreementId/', async (c) => {
    const { revision } = await service.deleteDataAgreement(actor(c), {
      dataAgreementId: param(c, 'dataAgreementId'),
    });
    return sendJson(c, { revision: toWireRevision(revision) });
  });
  route('GET', '/config/data-agreement/:dataAgreementId/revisions/', async (c) => {
    const page = await service.listDataAgreementRevisions(actor(c), {
      dataAgreementId: param(c, 'dataAgreementId'),
      ...readQuery(c, revisionQuery),
    });
    return sendJson(c, listed('revisions', page, toWireRevision));
  });
  route('GET', '/config/data-agreements/', async (c) => {
    const page = await service.listDataAgreements(actor(c), readQuery(c, agreementQuery));
    // The spec names this list `dataAgreement` (singular); `dataAgreements` is given as well.
    const answer = listed('dataAgreements', page, toWireDataAgreement);
    return sendJson(c, { dataAgreement: answer.dataAgreements, ...answer });
  });
  route('GET', '/service/verification/data-agreements/', async (c) => {
    const query = readQuery(c, agreementQuery);
    const page = await service.listDataAgreements(actor(c), { active: true, ...query });
    return sendJson(c, listed('dataAgreements', page, toWireDataAgreement));
  });
  route('GET', '/audit/data-agreements/', async (c) => {
    const page = await service.listDataAgreements(actor(c), readQuery(c, agreementQuery));
    return sendJson(c, listed('dataAgreements', page, toWireDataAgreement));
  });

  // ---- individuals ------------------------------------------------------------------------
  const createIndividual: Handler<HttpEnv> = async (c) => {
    const { individual } = await readJson(c, individualBody);
    const result = await service.createIndividual(
      actor(c),
      individualFieldsFromWire(individual) as never,
    );
    return sendJson(c, {
      individual: result.individual,
      revision: toWireRevision(result.revision),
    });
  };
  route('POST', '/config/individual/', createIndividual);
  route('POST', '/service/individual/', createIndividual);
  const readIndividual: Handler<HttpEnv> = async (c) =>
    sendJson(c, await service.getIndividual(actor(c), { individualId: param(c, 'individualId') }));
  route('GET', '/config/individual/:individualId/', readIndividual);
  route('GET', '/service/individual/:individualId/', readIndividual);
  route('PUT', '/service/individual/:individualId/', async (c) => {
    const { individual } = await readJson(c, individualBody);
    const result = await service.updateIndividual(actor(c), {
      individualId: param(c, 'individualId'),
      individual: individualFieldsFromWire(individual) as never,
      ...expectedRevision(c),
    });
    return sendJson(c, {
      individual: result.individual,
      revision: toWireRevision(result.revision),
    });
  });
  const listIndividuals: Handler<HttpEnv> = async (c) => {
    const page = await service.listIndividuals(actor(c), readQuery(c, individualsQuery));
    return sendJson(c, listed('individuals', page));
  };
  route('GET', '/config/individuals/', listIndividuals);
  route('GET', '/service/individuals/', listIndividuals);

  // ---- webhooks ---------------------------------------------------------------------------
  route('POST', '/config/webhook/', async (c) => {
    const { webhook } = await readJson(c, webhookBody);
    return sendJson(
      c,
      await service.createWebhook(actor(c), webhookFieldsFromWire(webhook) as never),
    );
  });
  route('GET', '/config/webhook/:webhookId/', async (c) =>
    sendJson(c, await service.getWebhook(actor(c), { webhookId: param(c, 'webhookId') })),
  );
  route('PUT', '/config/webhook/:webhookId/', async (c) => {
    const { webhook } = await readJson(c, webhookBody);
    const result = await service.updateWebhook(actor(c), {
      webhookId: param(c, 'webhookId'),
      webhook: webhookFieldsFromWire(webhook) as never,
      ...expectedRevision(c),
    });
    return sendJson(c, result);
  });
  route('DELETE', '/config/webhook/:webhookId/', async (c) => {
    await service.deleteWebhook(actor(c), { webhookId: param(c, 'webhookId') });
    return sendJson(c, {});
  });
  route('GET', '/config/webhooks/', async (c) => {
    const page = await service.listWebhooks(actor(c), readQuery(c, pageQuery));
    return sendJson(c, listed('webhooks', page));
  });

  // ---- the individual's records -----------------------------------------------------------
  route('POST', '/service/individual/record/data-agreement/:dataAgreementId/', async (c) => {
    const { revisionId } = readQuery(c, revisionIdQuery);
    const decision = await readJson(c, decisionBody);
    const result = await service.createConsentRecord(actor(c), {
      individualId: individualOf(c),
      dataAgreementId: param(c, 'dataAgreementId'),
      ...(revisionId ? { revisionId } : {}),
      // The spec's call has no body and records consent; a body may record an opt-out or the notice.
      optIn: decision?.optIn === undefined ? true : decision.optIn,
      ...(decision?.notice !== undefined ? { notice: decision.notice as never } : {}),
    });
    return sendJson(c, recordAnswer(result));
  });
  route('GET', '/service/individual/record/data-agreement/:dataAgreementId/', async (c) => {
    const result = await service.getConsentRecordForAgreement(actor(c), {
      individualId: individualOf(c),
      dataAgreementId: param(c, 'dataAgreementId'),
    });
    return sendJson(c, recordAnswer(result));
  });
  route('GET', '/service/individual/record/data-agreement/:dataAgreementId/all/', async (c) => {
    const page = await service.listConsentRecordsForAgreement(actor(c), {
      individualId: individualOf(c),
      dataAgreementId: param(c, 'dataAgreementId'),
      ...readQuery(c, individualPageQuery),
    } as never);
    return sendJson(c, listed('consentRecords', page, toWireRecord));
  });
  route('POST', '/service/individual/record/consent-record/draft/', async (c) => {
    const { dataAgreementId, revisionId } = readQuery(c, draftQuery);
    const result = await service.draftConsentRecord(actor(c), {
      individualId: individualOf(c),
      dataAgreementId,
      ...(revisionId ? { revisionId } : {}),
    });
    return sendJson(c, {
      consentRecord: toWireRecord(result.consentRecord),
      signature: result.signature,
    });
  });
  route('POST', '/service/individual/record/consent-record/', async (c) => {
    const input = await readJson(c, pairBody);
    const record = input.consentRecord;
    const individualId = String(record.individualId ?? record.individual ?? individualOf(c));
    const dataAgreementId = String(record.dataAgreementId ?? record.dataAgreement ?? '');
    const revisionId = record.dataAgreementRevisionId ?? record.dataAgreementRevision;
    const { optIn, notice } = recordDecisionFromWire(record);
    const decision = optIn === undefined ? true : (optIn as boolean | null);
    const signature = input.signature as Record<string, unknown> | null;
    const withSignature =
      signature !== null && typeof signature.signature === 'string' && signature.signature !== '';
    // Everything that could refuse the signature is checked before the record is written, so a
    // refused pair leaves nothing behind.
    const request = withSignature
      ? parse(signatureRequestSchema, signatureRequestFrom(signature), 'signature')
      : undefined;
    if (withSignature && decision === false)
      throw new ConflictError('[consent] a withdrawn consent record cannot be signed', {
        code: 'CONSENT_ILLEGAL_STATE',
      });
    const created = await service.createConsentRecord(actor(c), {
      individualId,
      dataAgreementId,
      ...(typeof revisionId === 'string' ? { revisionId } : {}),
      optIn: decision,
      ...(notice !== undefined ? { notice: notice as never } : {}),
    });
    if (!withSignature || !request || !signature) {
      return sendJson(c, { ...recordAnswer(created), signature: null });
    }
    // The pair is stored as the spec's workflow says: the record, its revision, then the signature
    // over that revision. The client's signature value is attached to the revision the record got.
    const started = await service.createSignature(actor(c), {
      individualId,
      consentRecordId: created.consentRecord.id,
      signature: request,
    });
    const signed = await service.updateSignature(actor(c), {
      individualId,
      consentRecordId: created.consentRecord.id,
      signature: { ...started.signature, signature: signature.signature as string },
    });
    return sendJson(c, { ...recordAnswer(signed), signature: signed.signature });
  });
  route('GET', '/service/individual/record/consent-record/', async (c) => {
    const page = await service.listConsentRecords(actor(c), {
      individualId: individualOf(c),
      ...readQuery(c, individualPageQuery),
    } as never);
    return sendJson(c, listed('consentRecords', page, toWireRecord));
  });
  route('PUT', '/service/individual/record/consent-record/:consentRecordId/', async (c) => {
    const { consentRecord } = await readJson(c, recordBody);
    const { optIn, notice, rest } = recordDecisionFromWire(consentRecord);
    if (Object.keys(rest).length > 0) {
      throw new ValidationError('Only optIn and notice of a consent record can be changed', [
        ...Object.keys(rest).map((key) => ({
          pointer: `/consentRecord/${key}`,
          detail: 'not updatable',
        })),
      ]);
    }
    const result = await service.updateConsentRecord(actor(c), {
      individualId: individualOf(c),
      consentRecordId: param(c, 'consentRecordId'),
      optIn: optIn as boolean,
      ...(notice !== undefined ? { notice: notice as never } : {}),
      ...expectedRevision(c),
    });
    return sendJson(c, recordAnswer(result));
  });
  route(
    'GET',
    '/service/individual/record/consent-record/:consentRecordId/revisions/',
    async (c) => {
      const page = await service.listConsentRecordRevisions(actor(c), {
        consentRecordId: param(c, 'consentRecordId'),
        individualId: individualOf(c),
        ...readQuery(c, individualRevisionQuery),
      } as never);
      return sendJson(c, listed('revisions', page, toWireRevision));
    },
  );
  route(
    'POST',
    '/service/individual/record/consent-record/:consentRecordId/signature/',
    async (c) => {
      const { signature } = await readJson(c, signatureRequestBody);
      const result = await service.createSignature(actor(c), {
        individualId: individualOf(c),
        consentRecordId: param(c, 'consentRecordId'),
        signature: signatureRequestFrom(signature),
      });
      return sendJson(c, result);
    },
  );
  route(
    'PUT',
    '/service/individual/record/consent-record/:consentRecordId/signature/',
    async (c) => {
      const { signature } = await readJson(c, signatureBody);
      const result = await service.updateSignature(actor(c), {
        individualId: individualOf(c),
        consentRecordId: param(c, 'consentRecordId'),
        signature: signature as never,
      });
      return sendJson(c, { ...recordAnswer(result), signature: result.signature });
    },
  );
  route('DELETE', '/service/individual/record/', async (c) =>
    sendJson(c, await service.deleteConsentRecords(actor(c), { individualId: individualOf(c) })),
  );

  // ---- verification and audit -------------------------------------------------------------
  const findRecords: Handler<HttpEnv> = async (c) => {
    const page = await service.findConsentRecords(actor(c), readQuery(c, recordFilter));
    return sendJson(c, listed('consentRecords', page, toWireRecord));
  };
  route('GET', '/service/verification/consent-records/', findRecords);
  route('GET', '/audit/consent-records/', findRecords);
  const readRecord: Handler<HttpEnv> = async (c) =>
    sendJson(
      c,
      recordAnswer(
        await service.getConsentRecord(actor(c), { consentRecordId: param(c, 'consentRecordId') }),
      ),
    );
  route('GET', '/service/verification/consent-record/:consentRecordId/', readRecord);
  route('GET', '/audit/consent-record/:consentRecordId/', readRecord);
  route('GET', '/audit/consent-record/:consentRecordId/revisions/', async (c) => {
    const page = await service.listConsentRecordRevisions(actor(c), {
      consentRecordId: param(c, 'consentRecordId'),
      ...readQuery(c, revisionQuery),
    });
    return sendJson(c, listed('revisions', page, toWireRevision));
  });
  route('GET', '/audit/revision/:revisionId/', async (c) => {
    const { revision } = await service.getRevision(actor(c), {
      revisionId: param(c, 'revisionId'),
    });
    return sendJson(c, { revision: toWireRevision(revision) });
  });

  // ---- the hot path -----------------------------------------------------------------------
  route('GET', '/service/verification/check/', async (c) => {
    const query = readQuery(c, checkQuery);
    const attributes = query.attributes === undefined ? undefined : [query.attributes].flat();
    const decision = await service.check(actor(c), {
      individualId: query.individualId,
      ...(query.dataAgreementId !== undefined ? { dataAgreementId: query.dataAgreementId } : {}),
      ...(query.purpose !== undefined ? { purpose: query.purpose } : {}),
      ...(attributes ? { attributes } : {}),
    });
    return sendJson(c, decision);
  });
  route('POST', '/service/verification/require-consent/', async (c) => {
    const input = await readJson(c, anyBody);
    return sendJson(c, await service.requireConsent(actor(c), input as never));
  });

  return app;
}

function withRevision<T extends { revision: import('../schemas.js').Revision }>(result: T) {
  return { ...result, revision: toWireRevision(result.revision) };
}

function agreementAnswer(result: {
  dataAgreement: import('../schemas.js').DataAgreement;
  revision: import('../schemas.js').Revision;
}) {
  return {
    dataAgreement: toWireDataAgreement(result.dataAgreement),
    revision: toWireRevision(result.revision),
  };
}

function recordAnswer(result: {
  consentRecord: import('../schemas.js').ConsentRecord;
  revision: import('../schemas.js').Revision;
}) {
  return {
    consentRecord: toWireRecord(result.consentRecord),
    revision: toWireRevision(result.revision),
  };
}

/** The signer-supplied fields of a GovStack Signature body (the rest is made by the service). */
function signatureRequestFrom(signature: Record<string, unknown>) {
  const pick = (name: string) =>
    typeof signature[name] === 'string' && signature[name] !== ''
      ? { [name]: signature[name] }
      : {};
  return {
    verificationMethod:
      typeof signature.verificationMethod === 'string' ? signature.verificationMethod : '',
    verificationSignedBy:
      typeof signature.verificationSignedBy === 'string' ? signature.verificationSignedBy : '',
    ...pick('verificationSignedAs'),
    ...pick('verificationArtifact'),
    ...pick('verificationJwsHeader'),
  } as never;
}
