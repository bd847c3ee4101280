import { GovBlocksError, isGovBlocksError, toGovBlocksError, ValidationError } from '../errors.js';
import { fieldErrors } from '../validation.js';

/** The media type of every error answer (RFC 9457). */
export const problemContentType = 'application/problem+json';

/** The media type of every JSON success answer (GovStack's tests check the charset). */
export const jsonContentType = 'application/json; charset=utf-8';

interface ZodLikeError {
  name: string;
  issues: Parameters<typeof fieldErrors>[0];
}

function isZodError(error: unknown): error is ZodLikeError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ZodError' &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

/**
 * Maps anything thrown while serving a request to a govblocks error:
 * - govblocks errors pass through;
 * - a zod error (a handler called `schema.parse`) becomes a 400 `VALIDATION_FAILED` with field errors;
 * - Hono's `HTTPException` keeps its status, with a generic detail;
 * - everything else becomes a 500 `INTERNAL` that reveals nothing about the original.
 */
export function toHttpError(error: unknown): GovBlocksError {
  if (isGovBlocksError(error)) return error;
  if (isZodError(error)) {
    const issues = fieldErrors(error.issues);
    return new ValidationError('The request is invalid', issues);
  }
  const status = httpExceptionStatus(error);
  if (status !== undefined) return statusError(status, error);
  return toGovBlocksError(error);
}

function httpExceptionStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ((error as { name?: unknown }).name !== 'HTTPException') return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : undefined;
}

const statusCodes: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

function statusError(status: number, cause: unknown): GovBlocksError {
  const code = statusCodes[status] ?? (status >= 500 ? 'INTERNAL' : 'REMOTE_ERROR');
  // The exception's own message is not exposed: it may come from a library and say too much.
  const detail =
    status >= 500 ? 'An unexpected error occurred' : 'The request could not be processed';
  return new GovBlocksError(code, detail, { status, cause });
}

/**
 * The `application/problem+json` response for an error. Adds `Retry-After` when the error
 * carries `retryAfterSeconds` (rate limits, unavailable dependencies, idempotent requests in flight).
 *
 * @example
 * return problemResponse(new NotFoundError('No such consent'), c.get('requestId'));
 */
export function problemResponse(
  error: unknown,
  requestId?: string,
  headers?: Record<string, string>,
): Response {
  const govBlocksError = toHttpError(error);
  const problem = govBlocksError.toProblem(requestId);
  const responseHeaders = new Headers(headers);
  responseHeaders.set('content-type', problemContentType);
  const retryAfter = (govBlocksError as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter)) {
    responseHeaders.set('retry-after', String(Math.max(0, Math.ceil(retryAfter))));
  }
  if (govBlocksError.status === 401 && !responseHeaders.has('www-authenticate')) {
    const challenge = (govBlocksError.extensions as { challenge?: unknown }).challenge;
    if (typeof challenge === 'string') responseHeaders.set('www-authenticate', challenge);
  }
  delete (problem as { challenge?: unknown }).challenge;
  return new Response(JSON.stringify(problem), {
    status: govBlocksError.status,
    headers: responseHeaders,
  });
}
