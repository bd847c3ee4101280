import { ConflictError, GovBlocksError, NotFoundError } from '@govblocks/core';

/**
 * The error codes `@govblocks/consent` adds to the kernel's. Switch on `error.code`; the HTTP
 * binding maps each to its `status` as an RFC 9457 problem document.
 */
export type ConsentErrorCode =
  /** Consent is missing, undecided or withdrawn (thrown by `requireConsent`). 403. */
  | 'CONSENT_REQUIRED'
  /** A concurrent change won: the object's revision number moved since it was read. 409. */
  | 'CONSENT_CONCURRENT_UPDATE'
  /** An illegal state transition (signing a withdrawn record, editing a published agreement revision, deleting a policy in use). 409. */
  | 'CONSENT_ILLEGAL_STATE'
  /** A record for this individual and agreement revision already exists. 409. */
  | 'CONSENT_RECORD_EXISTS'
  /** The agreement cannot be consented to now (draft, inactive or deleted). 409. */
  | 'CONSENT_AGREEMENT_NOT_AVAILABLE'
  /** A signature does not match the payload it claims to sign. 400. */
  | 'CONSENT_SIGNATURE_INVALID'
  /** A person tried to act on another individual's records. 403. */
  | 'CONSENT_FORBIDDEN'
  /** A port object of an unknown `specificationVersion` was given to the engine. 500. */
  | 'CONSENT_UNSUPPORTED_SPECIFICATION';

/** The decision that made {@link ConsentRequiredError} throw, without personal data. */
export interface ConsentRequiredDetails {
  reason: string;
  dataAgreementId?: string | undefined;
  consentRecordId?: string | undefined;
  revisionId?: string | undefined;
}

/** Consent is missing or withdrawn. Thrown by `requireConsent`; the check was audited. */
export class ConsentRequiredError extends GovBlocksError<'CONSENT_REQUIRED'> {
  readonly reason: string;
  constructor(details: ConsentRequiredDetails) {
    super('CONSENT_REQUIRED', `[consent] consent required (${details.reason})`, {
      status: 403,
      extensions: { ...details },
    });
    this.name = 'ConsentRequiredError';
    this.reason = details.reason;
  }
}

/** A concurrent update changed the object first; re-read and retry. */
export function concurrentUpdate(what: string, details: Record<string, unknown> = {}) {
  return new ConflictError<'CONSENT_CONCURRENT_UPDATE'>(
    `[consent] ${what} was changed concurrently`,
    {
      code: 'CONSENT_CONCURRENT_UPDATE',
      extensions: details,
    },
  );
}

/** An illegal state transition. */
export function illegalState(message: string) {
  return new ConflictError<'CONSENT_ILLEGAL_STATE'>(`[consent] ${message}`, {
    code: 'CONSENT_ILLEGAL_STATE',
  });
}

export function recordExists() {
  return new ConflictError<'CONSENT_RECORD_EXISTS'>(
    '[consent] a consent record for this individual and agreement revision already exists',
    { code: 'CONSENT_RECORD_EXISTS' },
  );
}

export function agreementNotAvailable(why: string) {
  return new ConflictError<'CONSENT_AGREEMENT_NOT_AVAILABLE'>(
    `[consent] the data agreement is ${why}`,
    {
      code: 'CONSENT_AGREEMENT_NOT_AVAILABLE',
    },
  );
}

export function signatureInvalid(why: string) {
  return new GovBlocksError<'CONSENT_SIGNATURE_INVALID'>(
    'CONSENT_SIGNATURE_INVALID',
    `[consent] signature invalid: ${why}`,
    {
      status: 400,
    },
  );
}

/** A person acting on someone else's records. Deliberately says nothing about whether they exist. */
export function otherIndividual() {
  return new GovBlocksError<'CONSENT_FORBIDDEN'>(
    'CONSENT_FORBIDDEN',
    '[consent] an individual may only act on their own records',
    {
      status: 403,
    },
  );
}

export function notFound(kind: string) {
  return new NotFoundError(`[consent] ${kind} not found`);
}
