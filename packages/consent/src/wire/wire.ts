/**
 * The GovStack wire shape of the consent objects, shared by the HTTP binding (which renders
 * it) and the remote adapter (which reads it back).
 *
 * Our objects carry relations as ids (`policyId`, `dataAgreementId`, …); GovStack names the
 * relation itself (`policy`, `dataAgreement`, `dataAgreementRevision`, `individual`,
 * `signature`) and, in its reference mock, renders it as the related object's id. The binding
 * answers with both spellings; inputs accept either, plus GovStack's spellings of enums
 * (`lifecycle: 'Complete'` or `{ name: 'Complete' }`, `lawfulBasis: 'Consent'`).
 */
import type { ConsentRecord, ConsentRecordDraft, DataAgreement, Revision } from '../schemas.js';

type Json = Record<string, unknown>;

const idOf = (value: unknown): string | undefined => {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && value !== null && 'id' in value)
    return idOf((value as { id: unknown }).id);
  return undefined;
};

const bookkeeping = [
  'id',
  'revisionNumber',
  'revisionId',
  'revisionHash',
  'createdAt',
  'updatedAt',
];

const without = (value: Json, keys: readonly string[]) => {
  const copy: Json = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
};

export const toWireDataAgreement = (agreement: DataAgreement) => ({
  ...agreement,
  policy: agreement.policyId ?? null,
});

export const toWireRecord = (record: ConsentRecord | ConsentRecordDraft) => ({
  ...record,
  dataAgreement: record.dataAgreementId,
  dataAgreementRevision: record.dataAgreementRevisionId,
  individual: record.individualId,
  signature: record.signatureId,
});

export const toWireRevision = (revision: Revision) => ({
  ...revision,
  successor: revision.successorId,
});

/** Policy fields from a GovStack or govblocks body (bookkeeping dropped, the rest validated strictly later). */
export function policyFieldsFromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return without(value as Json, bookkeeping);
}

export function individualFieldsFromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return without(value as Json, bookkeeping);
}

export function webhookFieldsFromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return without(value as Json, bookkeeping);
}

/** Data agreement fields from either spelling. */
export function dataAgreementFieldsFromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const input = without(value as Json, [...bookkeeping, 'signature']);
  if ('policy' in input) {
    const policyId = idOf(input.policy);
    delete input.policy;
    if (policyId !== undefined && input.policyId === undefined) input.policyId = policyId;
  }
  if ('compatibleWithVersion' in input) {
    const compatible = idOf(input.compatibleWithVersion);
    delete input.compatibleWithVersion;
    if (compatible !== undefined) input.compatibleWithVersionId = compatible;
  }
  if (input.compatibleWithVersionId === null) delete input.compatibleWithVersionId;
  if (input.forgettable === null) delete input.forgettable;
  if (input.dataUse === null) delete input.dataUse;
  if (input.controller === null) delete input.controller;
  if (typeof input.controller === 'object' && input.controller !== null) {
    input.controller = without(input.controller as Json, ['id']);
  }
  const lifecycle = input.lifecycle;
  const lifecycleName =
    typeof lifecycle === 'object' && lifecycle !== null
      ? (lifecycle as { name?: unknown }).name
      : lifecycle;
  if (typeof lifecycleName === 'string') input.lifecycle = lifecycleName.toLowerCase();
  if (typeof input.lawfulBasis === 'string') input.lawfulBasis = input.lawfulBasis.toLowerCase();
  for (const name of ['dataAttributes', 'dataagreementattribute']) {
    if (name in input) {
      if (input.attributes === undefined) input.attributes = input[name];
      delete input[name];
    }
  }
  return input;
}

/** Record decision fields from a GovStack `ConsentRecord` body: `optIn` and our `notice`. */
export function recordDecisionFromWire(value: unknown): {
  optIn?: unknown;
  notice?: unknown;
  rest: Json;
} {
  if (typeof value !== 'object' || value === null) return { rest: {} };
  const input = without(value as Json, [
    ...bookkeeping,
    'dataAgreement',
    'dataAgreementId',
    'dataAgreementRevision',
    'dataAgreementRevisionId',
    'dataAgreementRevisionHash',
    'individual',
    'individualId',
    'signature',
    'signatureId',
    'state',
  ]);
  const { optIn, notice, ...rest } = input;
  // A draft carries `notice: null`: no notice given.
  return { optIn, notice: notice === null ? undefined : notice, rest };
}

/** Drops GovStack relation aliases from an answer before validating it as our object. */
export function fromWireObject(value: unknown, aliases: readonly string[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return without(value as Json, aliases);
}

export const recordAliases = [
  'dataAgreement',
  'dataAgreementRevision',
  'individual',
  'signature',
] as const;
export const agreementAliases = ['policy'] as const;
export const revisionAliases = ['successor'] as const;
