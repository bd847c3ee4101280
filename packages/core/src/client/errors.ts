import {
  ConflictError,
  ForbiddenError,
  GovBlocksError,
  type GovBlocksErrorOptions,
  NotFoundError,
  type ProblemFieldError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../errors.js';
import { IdempotencyInFlightError, IdempotencyMismatchError } from '../idempotency.js';

/**
 * A remote service answered with an error that has no closer govblocks meaning (a 5xx, an
 * unexpected 4xx, a response that broke its contract). `remoteStatus` and `remoteCode` say what
 * the remote said; `status` is 502 for remote failures, the remote's own status for other 4xx.
 */
export class RemoteError extends GovBlocksError<'REMOTE_ERROR'> {
  readonly remoteStatus: number | undefined;
  readonly remoteCode: string | undefined;
  constructor(
    message: string,
    options: GovBlocksErrorOptions & { remoteStatus?: number; remoteCode?: string } = {},
  ) {
    super('REMOTE_ERROR', message, { status: 502, ...options });
    this.name = 'RemoteError';
    this.remoteStatus = options.remoteStatus;
    this.remoteCode = options.remoteCode;
  }
}

/** The remote did not answer in time. Whether it acted on the request is unknown. */
export class TimeoutError extends GovBlocksError<'TIMEOUT'> {
  constructor(message: string, options: GovBlocksErrorOptions = {}) {
    super('TIMEOUT', message, { status: 504, ...options });
    this.name = 'TimeoutError';
  }
}

/** What a remote error body said, as far as we could read it. */
export interface RemoteProblem {
  status: number;
  /** The problem's `code` (govblocks) when it is an UPPER_SNAKE string. */
  code?: string;
  /** `detail` or `title` of a problem, or a short snippet of any other body. Truncated. */
  detail?: string;
  /** Field errors of a validation problem (`errors[]` with `pointer`/`detail`). */
  fieldErrors?: ProblemFieldError[];
  retryAfterSeconds?: number;
}

const codePattern = /^[A-Z][A-Z0-9_]{1,63}$/;
const snippetLength = 200;

/** A printable, single-line, truncated snippet of remote text (never the whole body). */
export function snippet(text: string, length = snippetLength): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > length ? `${clean.slice(0, length)}…` : clean;
}

/** Reads a problem+json (or a GovStack-style JSON error, or any text) body into a {@link RemoteProblem}. */
export function readRemoteProblem(
  status: number,
  body: unknown,
  retryAfterSeconds?: number,
): RemoteProblem {
  const problem: RemoteProblem = { status };
  if (retryAfterSeconds !== undefined) problem.retryAfterSeconds = retryAfterSeconds;
  if (typeof body === 'string') {
    if (body.trim() !== '') problem.detail = snippet(body);
    return problem;
  }
  if (typeof body !== 'object' || body === null) return problem;
  const record = body as Record<string, unknown>;
  if (typeof record.code === 'string' && codePattern.test(record.code)) problem.code = record.code;
  const detail = [
    record.detail,
    record.title,
    record.message,
    record.error_description,
    record.error,
  ].find((value): value is string => typeof value === 'string' && value !== '');
  if (detail !== undefined) problem.detail = snippet(detail);
  if (Array.isArray(record.errors)) {
    const fieldErrors = record.errors
      .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
      .slice(0, 100)
      .map((item) => {
        const pointer =
          typeof item.pointer === 'string'
            ? item.pointer
            : typeof item.field === 'string'
              ? `/${item.field}`
              : '';
        const detailText = [item.detail, item.message].find(
          (value): value is string => typeof value === 'string',
        );
        const field: ProblemFieldError = {
          pointer: snippet(pointer, 256),
          detail: snippet(detailText ?? 'invalid'),
        };
        if (typeof item.code === 'string') field.code = snippet(item.code, 64);
        return field;
      });
    if (fieldErrors.length > 0) problem.fieldErrors = fieldErrors;
  }
  return problem;
}

function withCode<E extends GovBlocksError>(error: E, code: string | undefined): E {
  // The remote's code is kept so that `remote(httpBinding(engine))` throws what `engine` throws.
  if (code !== undefined && code !== error.code)
    Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error;
}

/**
 * Maps a remote error answer to the govblocks error a local engine would have thrown: 404 →
 * NotFoundError, 409 → ConflictError, 401/403, 400/422 → ValidationError (with the remote's field
 * errors), 429 → RateLimitedError, 503 → UnavailableError, anything else → {@link RemoteError}.
 * The remote's `code` and status are preserved.
 */
export function remoteProblemToError(
  component: string,
  method: string,
  problem: RemoteProblem,
): GovBlocksError {
  const { status, code } = problem;
  const message = `[${component}] ${method} answered ${status}${problem.detail ? `: ${problem.detail}` : ''}`;
  const options = { detail: problem.detail ?? `The remote service answered ${status}`, status };
  switch (true) {
    case status === 404:
      return withCode(new NotFoundError(message, options), code);
    case status === 409 && code === 'IDEMPOTENCY_IN_FLIGHT':
      return new IdempotencyInFlightError(problem.retryAfterSeconds ?? 1);
    case status === 409:
      return new ConflictError(message, { ...options, ...(code ? { code } : {}) });
    case status === 401:
      return withCode(new UnauthorizedError(message, options), code);
    case status === 403:
      return withCode(new ForbiddenError(message, options), code);
    case status === 422 && code === 'IDEMPOTENCY_KEY_MISMATCH':
      return new IdempotencyMismatchError();
    case status === 400 || status === 422:
      return withCode(new ValidationError(message, problem.fieldErrors ?? [], options), code);
    case status === 429:
      return withCode(
        new RateLimitedError(message, { ...options, retryAfterSeconds: problem.retryAfterSeconds }),
        code,
      );
    case status === 503:
      return withCode(
        new UnavailableError(message, { ...options, retryAfterSeconds: problem.retryAfterSeconds }),
        code,
      );
    case status >= 500:
      return new RemoteError(message, {
        detail: options.detail,
        remoteStatus: status,
        remoteCode: code,
      });
    default:
      return new RemoteError(message, { ...options, remoteStatus: status, remoteCode: code });
  }
}
