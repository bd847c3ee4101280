import type { webcrypto } from 'node:crypto';
import { type ActorContext, type Clock, systemClock, ValidationError } from '@govblocks/core';
import { importJWK, type JWK, type JWTPayload, jwtVerify, type KeyObject } from 'jose';
import { collectAll } from './engine/consent-service.js';
import type { ConsentService } from './ports.js';
import type { ConsentRecord, DataAgreement, Revision } from './schemas.js';
import type { ConsentSigner } from './signer.js';

/** What a consent receipt asserts: one revision of one consent record, and what it pinned. */
export interface ConsentReceiptClaims extends JWTPayload {
  /** The individual (consent-system id). */
  sub: string;
  consent: {
    consentRecordId: string;
    revisionId: string;
    /** SHA-256 of the record revision's snapshot: recompute it from the audit API to check. */
    revisionHash: string;
    revisionNumber: number;
    optIn: boolean | null;
    state: ConsentRecord['state'];
    notice: ConsentRecord['notice'];
    recordedAt: string;
    dataAgreement: {
      id: string;
      revisionId: string;
      revisionHash: string;
      version: string;
      purpose: string;
      lawfulBasis: string;
      controller: DataAgreement['controller'] | null;
      attributes: Array<{ name: string; category: string; sensitivity: string }>;
    };
  };
}

const agreementAt = async (
  service: ConsentService,
  context: ActorContext,
  record: ConsentRecord,
) => {
  const { dataAgreement, revision } = await service.getDataAgreement(context, {
    dataAgreementId: record.dataAgreementId,
    revisionId: record.dataAgreementRevisionId,
  });
  return { dataAgreement, revision };
};

/**
 * Issues a consent receipt: a JWT signed by the organisation's {@link ConsentSigner} that
 * asserts one revision of a consent record (its hash, decision, notice binding and the
 * agreement revision it pinned). A third party verifies it with the organisation's public key
 * ({@link verifyConsentReceipt}) and can recompute `revisionHash` from the revision history.
 * Works over any {@link ConsentService} (engine or remote). Reads only; no audit event.
 *
 * @example
 * const receipt = await issueConsentReceipt({ service: consent, signer, context: operator, consentRecordId, issuer: 'https://moh.example.gov' });
 */
export async function issueConsentReceipt(options: {
  service: ConsentService;
  signer: ConsentSigner;
  context: ActorContext;
  consentRecordId: string;
  /** The `iss` of the receipt: the organisation's URL. */
  issuer: string;
  /** A specific revision of the record; default the latest. */
  revisionId?: string;
  expiresAt?: Date;
}): Promise<string> {
  const { service, context } = options;
  const { consentRecord, revision: latest } = await service.getConsentRecord(context, {
    consentRecordId: options.consentRecordId,
  });
  let revision: Revision = latest;
  let record: ConsentRecord = consentRecord;
  if (options.revisionId !== undefined && options.revisionId !== latest.id) {
    const history = await collectAll((offset) =>
      service.listConsentRecordRevisions(context, {
        consentRecordId: consentRecord.id,
        offset,
        limit: 500,
      }),
    );
    const found = history.find((item) => item.id === options.revisionId);
    if (!found)
      throw new ValidationError('[consent] revisionId is not a revision of this record', []);
    revision = found;
    const data = (JSON.parse(found.serializedSnapshot) as { objectData: ConsentRecord }).objectData;
    record = {
      ...consentRecord,
      ...data,
      revisionId: found.id,
      revisionNumber: found.number,
      revisionHash: found.serializedHash,
    };
  }
  const { dataAgreement, revision: agreementRevision } = await agreementAt(
    service,
    context,
    record,
  );
  const claims: ConsentReceiptClaims = {
    sub: record.individualId,
    jti: `${revision.id}`,
    consent: {
      consentRecordId: record.id,
      revisionId: revision.id,
      revisionHash: revision.serializedHash,
      revisionNumber: revision.number,
      optIn: record.optIn,
      state: record.state,
      notice: record.notice,
      recordedAt: revision.timestamp,
      dataAgreement: {
        id: dataAgreement.id,
        revisionId: agreementRevision.id,
        revisionHash: agreementRevision.serializedHash,
        version: dataAgreement.version,
        purpose: dataAgreement.purpose,
        lawfulBasis: dataAgreement.lawfulBasis,
        controller: dataAgreement.controller ?? null,
        attributes: dataAgreement.attributes.map(({ name, category, sensitivity }) => ({
          name,
          category,
          sensitivity,
        })),
      },
    },
  };
  return options.signer.signJwt(claims as unknown as Record<string, unknown>, {
    issuer: options.issuer,
    subject: record.individualId,
    ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
  });
}

/**
 * Verifies a consent receipt's signature (and `iss` when given) with the organisation's public
 * key, and returns its claims. Throws `VALIDATION_FAILED` for a receipt that does not verify.
 */
export async function verifyConsentReceipt(
  receipt: string,
  options: {
    publicKey: JWK | KeyObject | webcrypto.CryptoKey;
    issuer?: string;
    algorithms?: string[];
  },
): Promise<ConsentReceiptClaims> {
  const key =
    typeof options.publicKey === 'object' && 'kty' in options.publicKey
      ? await importJWK(options.publicKey as JWK, (options.publicKey as JWK).alg ?? 'ES256')
      : options.publicKey;
  try {
    const { payload } = await jwtVerify(receipt, key as KeyObject, {
      ...(options.issuer ? { issuer: options.issuer } : {}),
      algorithms: options.algorithms ?? ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'],
    });
    if (typeof payload.consent !== 'object' || payload.consent === null)
      throw new Error('no consent claim');
    return payload as ConsentReceiptClaims;
  } catch (error) {
    throw new ValidationError('[consent] the consent receipt does not verify', [
      {
        pointer: '',
        detail: error instanceof Error ? error.message : 'invalid',
        code: 'receipt_invalid',
      },
    ]);
  }
}

/**
 * A consent record in the shape of ISO/IEC TS 27560:2023 (consent record information
 * structure), with element names as the W3C DPV implementation guide maps them. The standard
 * fixes the information, not one encoding; this is the JSON encoding govblocks exports.
 */
export interface Iso27560ConsentRecord {
  schema_version: string;
  record_id: string;
  pii_principal_id: string;
  consent_status: 'given' | 'refused' | 'withdrawn' | 'not_decided';
  consent_type: 'explicit';
  language: string | null;
  notice: {
    notice_id: string;
    version: string;
    hash_sha256: string | null;
    language: string | null;
  };
  pii_controllers: Array<{ name: string; url: string }>;
  purposes: Array<{
    purpose: string;
    lawful_basis: string;
    pii_categories: string[];
    pii_information: Array<{ name: string; category: string; sensitivity: string }>;
    privacy_policy: { id: string; url: string; version: string } | null;
  }>;
  events: Array<{
    event_time: string;
    event_type: string;
    event_by: string;
    event_state: string;
    revision_hash: string;
  }>;
  record_integrity: { algorithm: 'SHA-256'; revision_id: string; revision_hash: string };
  exported_at: string;
}

const statusOf = (
  optIn: boolean | null,
  hadOptIn: boolean,
): Iso27560ConsentRecord['consent_status'] =>
  optIn === null ? 'not_decided' : optIn ? 'given' : hadOptIn ? 'withdrawn' : 'refused';

/**
 * Exports a consent record with its history as an ISO/IEC TS 27560 shaped document (see
 * {@link Iso27560ConsentRecord}). Works over any {@link ConsentService}. Reads only.
 */
export async function exportIso27560Record(options: {
  service: ConsentService;
  context: ActorContext;
  consentRecordId: string;
  clock?: Clock;
}): Promise<Iso27560ConsentRecord> {
  const { service, context } = options;
  const { consentRecord, revision } = await service.getConsentRecord(context, {
    consentRecordId: options.consentRecordId,
  });
  const history = await collectAll((offset) =>
    service.listConsentRecordRevisions(context, {
      consentRecordId: consentRecord.id,
      offset,
      limit: 500,
    }),
  );
  const { dataAgreement } = await agreementAt(service, context, consentRecord);
  const policy = dataAgreement.policyId
    ? await service.getPolicy(context, { policyId: dataAgreement.policyId }).then(
        (result) => result.policy,
        () => undefined,
      )
    : undefined;
  let hadOptIn = false;
  const events = history.map((item) => {
    const data = (JSON.parse(item.serializedSnapshot) as { objectData: ConsentRecord }).objectData;
    const state = statusOf(data.optIn, hadOptIn);
    if (data.optIn === true) hadOptIn = true;
    return {
      event_time: item.timestamp,
      event_type: item.number === 1 ? 'created' : data.state === 'signed' ? 'signed' : 'changed',
      event_by: item.authorizedByIndividual
        ? 'pii_principal'
        : (item.authorizedByOther ?? 'controller'),
      event_state: state,
      revision_hash: item.serializedHash,
    };
  });
  return {
    schema_version: 'ISO/IEC TS 27560:2023',
    record_id: consentRecord.id,
    pii_principal_id: consentRecord.individualId,
    consent_status: events.at(-1)?.event_state as Iso27560ConsentRecord['consent_status'],
    consent_type: 'explicit',
    language: consentRecord.notice?.language ?? null,
    notice: {
      notice_id: consentRecord.dataAgreementRevisionId,
      version: consentRecord.notice?.agreementVersion ?? dataAgreement.version,
      hash_sha256: consentRecord.notice?.textHash ?? null,
      language: consentRecord.notice?.language ?? null,
    },
    pii_controllers: dataAgreement.controller ? [dataAgreement.controller] : [],
    purposes: [
      {
        purpose: dataAgreement.purpose,
        lawful_basis: dataAgreement.lawfulBasis,
        pii_categories: [
          ...new Set(dataAgreement.attributes.map((attribute) => attribute.category)),
        ],
        pii_information: dataAgreement.attributes.map(({ name, category, sensitivity }) => ({
          name,
          category,
          sensitivity,
        })),
        privacy_policy: policy ? { id: policy.id, url: policy.url, version: policy.version } : null,
      },
    ],
    events,
    record_integrity: {
      algorithm: 'SHA-256',
      revision_id: revision.id,
      revision_hash: revision.serializedHash,
    },
    exported_at: (options.clock ?? systemClock).now().toISOString(),
  };
}
