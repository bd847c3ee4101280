import { GovBlocksError, type GovBlocksErrorOptions } from '@govblocks/core';

/**
 * Error codes of `@govblocks/registration`, in addition to the kernel's (`VALIDATION_FAILED`,
 * `FORBIDDEN`, …). Stable: switch on them.
 */
export type RegistrationErrorCode =
  | 'REGISTRY_NOT_FOUND'
  | 'RECORD_NOT_FOUND'
  | 'FIELD_NOT_FOUND'
  | 'SERVICE_NOT_FOUND'
  | 'APPLICATION_NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'DOCUMENT_NOT_FOUND'
  | 'ILLEGAL_TRANSITION'
  | 'TASK_ALREADY_CLAIMED'
  | 'DOCUMENT_TOO_LARGE'
  | 'DOCUMENT_TYPE_REFUSED'
  | 'DUPLICATE_DETECTED'
  | 'UNSUPPORTED_SPECIFICATION_VERSION';

const statusOf: Record<RegistrationErrorCode, number> = {
  REGISTRY_NOT_FOUND: 404,
  RECORD_NOT_FOUND: 404,
  FIELD_NOT_FOUND: 404,
  SERVICE_NOT_FOUND: 404,
  APPLICATION_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  DOCUMENT_NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  TASK_ALREADY_CLAIMED: 409,
  DOCUMENT_TOO_LARGE: 413,
  DOCUMENT_TYPE_REFUSED: 415,
  DUPLICATE_DETECTED: 409,
  UNSUPPORTED_SPECIFICATION_VERSION: 500,
};

/** An error of the registration block. `status` follows from the code. */
export class RegistrationError extends GovBlocksError<RegistrationErrorCode> {
  constructor(code: RegistrationErrorCode, message: string, options: GovBlocksErrorOptions = {}) {
    super(code, message, { status: statusOf[code], ...options });
    this.name = 'RegistrationError';
  }
}

/** True when `error` is a govblocks error with `code`. Works across duplicate installs. */
export function hasCode(error: unknown, code: string): boolean {
  return GovBlocksError.isInstance(error) && error.code === code;
}
