/**
 * One error base for every govblocks package.
 *
 * Every error the SDK throws on purpose is a {@link GovBlocksError}: it carries a stable string
 * `code` you can `switch` on, the HTTP `status` an HTTP binding answers with, a human `detail`
 * (never personal data), and the underlying `cause`. At HTTP edges it becomes an RFC 9457
 * `application/problem+json` document through {@link GovBlocksError.toProblem}.
 *
 * Use {@link isGovBlocksError} (or `GovBlocksError.isInstance`) rather than `instanceof`: it
 * also recognises errors thrown by another copy of this package (duplicate installs).
 */

const marker = Symbol.for('govblocks.error');

/**
 * Stable error codes of the kernel. Block packages add their own codes (UPPER_SNAKE, prefixed
 * with the block where that helps); those still extend {@link GovBlocksError}.
 */
export type CoreErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_KEY_MISMATCH'
  | 'IDEMPOTENCY_IN_FLIGHT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'TIMEOUT'
  | 'REMOTE_ERROR'
  | 'ADAPTER_ERROR'
  | 'CONFIGURATION_ERROR'
  | 'INTERNAL';

/** An RFC 9457 problem details document, with govblocks' `code` extension member. */
export interface ProblemDetails {
  /** A URI reference naming the problem type; `urn:govblocks:problem:<code>` for ours. */
  type: string;
  /** A short, human-readable summary that does not change between occurrences. */
  title: string;
  status: number;
  /** What went wrong this time. Never holds personal data or secrets. */
  detail?: string;
  /** The request this occurred on, when known (the request id). */
  instance?: string;
  /** The stable govblocks error code. */
  code: string;
  /** Validation problems: one entry per failing field, with a JSON-pointer-like path. */
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

export interface ProblemFieldError {
  /** Path to the failing field, e.g. `/beneficiaries/3/amount`. Empty string for the root. */
  pointer: string;
  detail: string;
  code?: string;
}

export interface GovBlocksErrorOptions {
  status?: number;
  detail?: string;
  cause?: unknown;
  title?: string;
  /** Extra problem members (must be free of personal data). */
  extensions?: Record<string, unknown>;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The base class of every error govblocks throws on purpose. */
export class GovBlocksError<Code extends string = string> extends Error {
  readonly [marker] = true;
  readonly code: Code;
  readonly status: number;
  readonly detail: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;

  constructor(code: Code, message: string, options: GovBlocksErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GovBlocksError';
    this.code = code;
    this.status = options.status ?? 500;
    this.detail = options.detail ?? message;
    this.title = options.title ?? titles[this.status] ?? 'Error';
    this.extensions = options.extensions ?? {};
  }

  /** True for any govblocks error, including one from another copy of the package. */
  static isInstance(value: unknown): value is GovBlocksError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [marker]?: unknown })[marker] === true
    );
  }

  /** The RFC 9457 problem document for this error. Stack and cause are never included. */
  toProblem(instance?: string): ProblemDetails {
    const problem: ProblemDetails = {
      ...this.extensions,
      type: `urn:govblocks:problem:${this.code.toLowerCase().replaceAll('_', '-')}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
    };
    if (instance !== undefined) problem.instance = instance;
    return problem;
  }
}

/** Type guard that works across duplicate installs of `@govblocks/core`. */
export function isGovBlocksError(value: unknown): value is GovBlocksError {
  return GovBlocksError.isInstance(value);
}

/** Input failed its schema. `issues` lists every failing field with its path. */
export class ValidationError extends GovBlocksError<'VALIDATION_FAILED'> {
  readonly issues: ProblemFieldError[];
  constructor(
    message: string,
    issues: ProblemFieldError[] = [],
    options: GovBlocksErrorOptions = {},
  ) {
    super('VALIDATION_FAILED', message, {
      status: 400,
      ...options,
      extensions: { ...options.extensions, errors: issues },
    });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export class NotFoundError extends GovBlocksError<'NOT_FOUND'> {
  constructor(message: string, options: GovBlocksErrorOptions = {}) {
    super('NOT_FOUND', message, { status: 404, ...options });
    this.name = 'NotFoundError';
  }
}

/** A state conflict: a duplicate, a stale version, an illegal transition. */
export class ConflictError<Code extends string = 'CONFLICT'> extends GovBlocksError<Code> {
  constructor(message: string, options: GovBlocksErrorOptions & { code?: Code } = {}) {
    super((options.code ?? 'CONFLICT') as Code, message, { status: 409, ...options });
    this.name = 'ConflictError';
  }
}

export class UnauthorizedError extends GovBlocksError<'UNAUTHORIZED'> {
  constructor(message = 'Authentication is required', options: GovBlocksErrorOptions = {}) {
    super('UNAUTHORIZED', message, { status: 401, ...options });
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends GovBlocksError<'FORBIDDEN'> {
  constructor(message = 'Not allowed', options: GovBlocksErrorOptions = {}) {
    super('FORBIDDEN', message, { status: 403, ...options });
    this.name = 'ForbiddenError';
  }
}

/** A dependency (database, remote service, rail) cannot serve right now; try again later. */
export class UnavailableError extends GovBlocksError<'UNAVAILABLE'> {
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    options: GovBlocksErrorOptions & { retryAfterSeconds?: number } = {},
  ) {
    super('UNAVAILABLE', message, { status: 503, ...options });
    this.name = 'UnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class RateLimitedError extends GovBlocksError<'RATE_LIMITED'> {
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    options: GovBlocksErrorOptions & { retryAfterSeconds?: number } = {},
  ) {
    super('RATE_LIMITED', message, { status: 429, ...options });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * Whatever a vendor adapter throws that is not a govblocks error is wrapped in this at the
 * seam, naming the adapter and method (never the arguments: they hold personal data).
 */
export class AdapterError extends GovBlocksError<'ADAPTER_ERROR'> {
  readonly adapter: string;
  readonly method: string;
  constructor(adapter: string, method: string, cause: unknown) {
    super('ADAPTER_ERROR', `[${adapter}] ${method} failed`, { status: 502, cause });
    this.name = 'AdapterError';
    this.adapter = adapter;
    this.method = method;
  }
}

/** Options given to a factory are wrong. Thrown at construction time, never later. */
export class ConfigurationError extends GovBlocksError<'CONFIGURATION_ERROR'> {
  constructor(message: string, options: GovBlocksErrorOptions = {}) {
    super('CONFIGURATION_ERROR', message, { status: 500, ...options });
    this.name = 'ConfigurationError';
  }
}

/**
 * Turns anything thrown into a govblocks error: ours pass through, everything else becomes a
 * generic INTERNAL error whose detail reveals nothing about the original.
 */
export function toGovBlocksError(error: unknown): GovBlocksError {
  if (isGovBlocksError(error)) return error;
  return new GovBlocksError('INTERNAL', 'Internal error', {
    status: 500,
    detail: 'An unexpected error occurred',
    cause: error,
  });
}

/**
 * Calls `fn`, wrapping anything it throws that is not a govblocks error in an
 * {@link AdapterError}. Use at the seam between an engine and a vendor adapter.
 */
export async function callAdapter<T>(
  adapter: string,
  method: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isGovBlocksError(error)) throw error;
    throw new AdapterError(adapter, method, error);
  }
}
