import { GovBlocksError, type GovBlocksErrorOptions } from '@govblocks/core';

/**
 * Stable error codes of `@govblocks/audit`, so callers and scripts can `switch (error.code)`.
 *
 * - `AUDIT_INDEX_OUT_OF_RANGE` — an index or tree size beyond the log's current size (404).
 * - `AUDIT_PROOF_INVALID` — an inclusion or consistency proof does not verify (422).
 * - `AUDIT_SIGNATURE_INVALID` — a checkpoint, cosignature or JWS does not verify with the given keys (422).
 * - `AUDIT_CHECKPOINT_MALFORMED` — text that is not a well-formed checkpoint / signed note (400).
 * - `AUDIT_KEY_MALFORMED` — a signer or verifier key string that cannot be parsed (400).
 * - `AUDIT_BUNDLE_INVALID` — an exported bundle fails verification; `extensions.index` names the
 *   first failing entry when there is one (422).
 * - `AUDIT_STORE_CORRUPT` — a store returned data that contradicts its own tree (500).
 */
export type AuditErrorCode =
  | 'AUDIT_INDEX_OUT_OF_RANGE'
  | 'AUDIT_PROOF_INVALID'
  | 'AUDIT_SIGNATURE_INVALID'
  | 'AUDIT_CHECKPOINT_MALFORMED'
  | 'AUDIT_KEY_MALFORMED'
  | 'AUDIT_BUNDLE_INVALID'
  | 'AUDIT_STORE_CORRUPT';

const statusOf: Record<AuditErrorCode, number> = {
  AUDIT_INDEX_OUT_OF_RANGE: 404,
  AUDIT_PROOF_INVALID: 422,
  AUDIT_SIGNATURE_INVALID: 422,
  AUDIT_CHECKPOINT_MALFORMED: 400,
  AUDIT_KEY_MALFORMED: 400,
  AUDIT_BUNDLE_INVALID: 422,
  AUDIT_STORE_CORRUPT: 500,
};

/** An error of the audit block. Its message names the component (`[audit/…]`), never personal data. */
export class AuditError extends GovBlocksError<AuditErrorCode> {
  constructor(code: AuditErrorCode, message: string, options: GovBlocksErrorOptions = {}) {
    super(code, message, { status: statusOf[code], ...options });
    this.name = 'AuditError';
  }
}
