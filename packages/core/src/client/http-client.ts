import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import type { z } from 'zod';
import {
  ConfigurationError,
  type GovBlocksError,
  isGovBlocksError,
  UnavailableError,
} from '../errors.js';
import { newId } from '../ids.js';
import { fieldErrors } from '../validation.js';
import {
  RemoteError,
  readRemoteProblem,
  remoteProblemToError,
  snippet,
  TimeoutError,
} from './errors.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export type QueryValue = string | number | boolean | null | undefined;

export interface HttpClientOptions {
  /** Base URL of the remote service, e.g. `https://consent.example.gov/api/v1`. */
  baseUrl: string | URL;
  /** Names the client in error messages, e.g. `consent/govstack`. Default `core/client`. */
  name?: string;
  /** Headers sent with every request (API keys go here; they are never logged). */
  headers?: Record<string, string>;
  /** Time for one attempt (connect, headers and body), in ms. Default 10,000. */
  timeoutMs?: number;
  /**
   * Further attempts after the first, for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS)
   * or requests carrying an idempotency key, on network errors, timeouts, 429, 502, 503 and 504.
   * Default 2.
   */
  retries?: number;
  /** First backoff in ms; doubles per attempt, with full jitter. Default 200. */
  retryBaseDelayMs?: number;
  /** Longest backoff or `Retry-After` honoured, in ms; a longer `Retry-After` is not waited for. Default 10,000. */
  retryMaxDelayMs?: number;
  /** GovStack Information Mediator client id, sent as `Information-Mediator-Client`. */
  informationMediatorClient?: string;
  /** An undici dispatcher (a pool, a proxy agent, a MockAgent in tests). Default: the client's own agent. */
  dispatcher?: Dispatcher;
  /** Header carrying idempotency keys. Default `Idempotency-Key`. */
  idempotencyKeyHeader?: string;
  /** Largest response body read, in bytes. Default 10 MiB. */
  maxResponseBytes?: number;
  /**
   * Called after every attempt with what a log line or a metric needs: method, host, status or
   * error code, duration, whether it will be retried. Never paths, queries, bodies or headers
   * (they hold personal data and keys).
   */
  onAttempt?: (event: HttpAttemptEvent) => void;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
  /** For tests: the jitter source in [0, 1). Default Math.random. */
  random?: () => number;
}

/** One attempt of a request, for logs and metrics. */
export interface HttpAttemptEvent {
  method: HttpMethod;
  host: string;
  /** 1 for the first attempt. */
  attempt: number;
  durationMs: number;
  /** The remote's status, when it answered. */
  status?: number;
  /** The govblocks error code the attempt ended with, when it failed. */
  code?: string;
  willRetry: boolean;
}

export interface RequestOptions<T = unknown> {
  method: HttpMethod;
  /** Path relative to the base URL, e.g. `/consents/123` (encode the segments you interpolate). */
  path: string;
  /** Query parameters; arrays repeat the name (`status[]: ['a', 'b']` → `status[]=a&status[]=b`). */
  query?: Record<string, QueryValue | readonly QueryValue[]>;
  /** A value sent as JSON, or a string / bytes sent as they are (set the content type yourself). */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Sent in the idempotency-key header. `'auto'` makes a fresh UUIDv7 for this call (the same for
   * every attempt). A request with a key is retried even when its method is not idempotent.
   */
  idempotencyKey?: string | 'auto';
  /** Validates a successful JSON body (make it lenient: only the fields you read). */
  schema?: z.ZodType<T>;
  /** Statuses that are answers rather than errors (e.g. GovStack payments' 452–464). */
  acceptStatus?: readonly number[];
  /** Sent as `X-Request-Id` / `X-Correlation-Id`. */
  requestId?: string;
  correlationId?: string;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** `false` disables retries for this call. */
  retry?: boolean;
  /** Cancels the call (the signal's reason is thrown). */
  signal?: AbortSignal;
}

export interface HttpClientResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The validated JSON body, the text of a non-JSON body, or `undefined` when empty. */
  data: T;
  /** How many attempts it took (1 = no retry). */
  attempts: number;
}

export interface HttpClient {
  /**
   * Sends a request and returns the response body (JSON-parsed and validated with `schema`).
   * Errors: the remote's error answers mapped to govblocks errors (see `remoteProblemToError`),
   * `TIMEOUT` (504) when an attempt took too long, `UNAVAILABLE` (503) when the remote could not
   * be reached, `REMOTE_ERROR` (502) for a body that is not what was promised.
   */
  request<T = unknown>(options: RequestOptions<T>): Promise<T>;
  /** Like {@link HttpClient.request}, with the status, headers and attempt count. */
  send<T = unknown>(options: RequestOptions<T>): Promise<HttpClientResponse<T>>;
  /** Closes the client's own connection pool (a dispatcher you passed in is left open). */
  close(): Promise<void>;
}

const idempotentMethods = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const retryStatuses = new Set([429, 502, 503, 504]);
const timeoutErrorCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A `Retry-After` value (seconds or an HTTP date) in seconds, or undefined. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

class AttemptFailure {
  constructor(
    readonly error: GovBlocksError,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
    /** The remote's HTTP status, when it answered. */
    readonly status?: number,
  ) {}
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Creates a JSON HTTP client on undici for calling remote services (GovStack building blocks,
 * vendor APIs): base URL, per-attempt timeouts, bounded retries with exponential backoff and
 * jitter (only where a repeat is safe), Information Mediator and request-id headers, and
 * remote errors mapped to govblocks errors.
 *
 * @example
 * const client = createHttpClient({ baseUrl: 'https://consent.example.gov', headers: { apiKey },
 *   informationMediatorClient: 'eGovStack/GOV/90000009/consent' });
 * const agreement = await client.request({ method: 'GET', path: `/agreements/${encodeURIComponent(id)}`,
 *   schema: agreementSchema });
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  let baseUrl: URL;
  try {
    baseUrl = new URL(options.baseUrl);
  } catch {
    throw new ConfigurationError('[core/client] baseUrl is not a valid URL');
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new ConfigurationError('[core/client] baseUrl must be http: or https:');
  }
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const name = options.name ?? 'core/client';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new ConfigurationError('[core/client] retries must be an integer from 0 to 10');
  }
  if (!(timeoutMs > 0)) throw new ConfigurationError('[core/client] timeoutMs must be positive');
  const baseDelay = options.retryBaseDelayMs ?? 200;
  const maxDelay = options.retryMaxDelayMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const idempotencyKeyHeader = options.idempotencyKeyHeader ?? 'Idempotency-Key';
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  let ownAgent: Agent | undefined;
  const dispatcher = (): Dispatcher => {
    if (options.dispatcher) return options.dispatcher;
    ownAgent ??= new Agent({ keepAliveTimeout: 4_000 });
    return ownAgent;
  };
  const defaultHeaders: Record<string, string> = {};
  for (const [header, value] of Object.entries(options.headers ?? {}))
    defaultHeaders[header.toLowerCase()] = value;
  if (options.informationMediatorClient)
    defaultHeaders['information-mediator-client'] = options.informationMediatorClient;

  function buildUrl(path: string, query: RequestOptions['query']): URL {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
      throw new ConfigurationError(`[${name}] request paths are relative to baseUrl`);
    }
    const [pathOnly = '', inlineQuery] = path.split('?', 2);
    const url = new URL(baseUrl.origin);
    // Assigning pathname keeps percent-encoded segments as they are and encodes the rest.
    url.pathname = `${basePath}/${pathOnly.replace(/^\/+/, '')}`;
    const search = new URLSearchParams(baseUrl.search);
    if (inlineQuery !== undefined)
      for (const [key, value] of new URLSearchParams(inlineQuery)) search.append(key, value);
    for (const [key, value] of Object.entries(query ?? {})) {
      const values = Array.isArray(value) ? value : [value];
      for (const item of values)
        if (item !== undefined && item !== null) search.append(key, String(item));
    }
    url.search = search.toString();
    return url;
  }

  /**
   * Reads a body up to `limit` bytes. Past the limit a success body is refused; an error body
   * is cut (only its start is needed, for a problem document or a snippet).
   */
  async function readBody(
    body: Dispatcher.ResponseData['body'],
    limit: number,
    cut: boolean,
  ): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      if (size + bytes.length > limit) {
        body.destroy();
        if (!cut) throw new RemoteError(`[${name}] the response is larger than ${limit} bytes`);
        chunks.push(bytes.subarray(0, limit - size));
        break;
      }
      size += bytes.length;
      chunks.push(bytes);
    }
    return Buffer.concat(chunks);
  }

  async function attempt<T>(
    requestOptions: RequestOptions<T>,
    url: URL,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    retryable: boolean,
  ): Promise<HttpClientResponse<T>> {
    const { method } = requestOptions;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, requestOptions.timeoutMs ?? timeoutMs);
    const onAbort = () => controller.abort();
    requestOptions.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let response: Dispatcher.ResponseData;
      let raw: Buffer;
      try {
        response = await undiciRequest(url, {
          method,
          headers,
          body: body ?? null,
          dispatcher: dispatcher(),
          signal: controller.signal,
        });
        const isError = response.statusCode >= 400;
        raw = await readBody(response.body, isError ? 64 * 1024 : maxResponseBytes, isError);
      } catch (error) {
        if (requestOptions.signal?.aborted) throw requestOptions.signal.reason;
        if (isGovBlocksError(error)) throw new AttemptFailure(error, false);
        const code = errorCode(error);
        if (timedOut || (code !== undefined && timeoutErrorCodes.has(code))) {
          throw new AttemptFailure(
            new TimeoutError(`[${name}] ${method} timed out`, { cause: error }),
            retryable,
          );
        }
        if (code?.startsWith('UND_ERR_INVALID')) {
          // undici refused the request itself (a bad header value): repeating cannot help.
          throw new AttemptFailure(
            new RemoteError(`[${name}] ${method} could not be sent`, { cause: error }),
            false,
          );
        }
        // Refused, reset, unresolvable, dropped: the remote could not be reached.
        throw new AttemptFailure(
          new UnavailableError(`[${name}] ${method} could not reach the remote service`, {
            cause: error,
          }),
          retryable,
        );
      }
      const status = response.statusCode;
      const contentType = String(response.headers['content-type'] ?? '').toLowerCase();
      const isJson = /[/+]json\b/.test(contentType);
      const text = raw.toString('utf8');
      let data: unknown;
      if (text.length > 0 && method !== 'HEAD') {
        if (isJson) {
          try {
            data = JSON.parse(text);
          } catch {
            if (status < 400) {
              throw new AttemptFailure(
                new RemoteError(
                  `[${name}] ${method} answered ${status} with invalid JSON: ${snippet(text, 80)}`,
                  {
                    remoteStatus: status,
                  },
                ),
                false,
              );
            }
            data = text;
          }
        } else {
          data = text;
        }
      }
      const accepted = requestOptions.acceptStatus?.includes(status) ?? false;
      if (status >= 400 && !accepted) {
        const retryAfter = parseRetryAfter(response.headers['retry-after']);
        const problem = readRemoteProblem(status, data, retryAfter);
        throw new AttemptFailure(
          remoteProblemToError(name, method, problem),
          retryable && retryStatuses.has(status),
          retryAfter,
          status,
        );
      }
      if (status >= 300 && status < 400 && !accepted) {
        throw new AttemptFailure(
          new RemoteError(`[${name}] ${method} answered an unexpected redirect (${status})`, {
            remoteStatus: status,
          }),
          false,
        );
      }
      if (requestOptions.schema && status < 300) {
        const parsed = requestOptions.schema.safeParse(data);
        if (!parsed.success) {
          throw new AttemptFailure(
            new RemoteError(`[${name}] ${method} answered a body that does not match its schema`, {
              remoteStatus: status,
              extensions: { errors: fieldErrors(parsed.error.issues) },
            }),
            false,
          );
        }
        data = parsed.data;
      }
      return { status, headers: response.headers, data: data as T, attempts: 1 };
    } finally {
      clearTimeout(timer);
      requestOptions.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function send<T>(requestOptions: RequestOptions<T>): Promise<HttpClientResponse<T>> {
    const method = requestOptions.method.toUpperCase() as HttpMethod;
    const url = buildUrl(requestOptions.path, requestOptions.query);
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...defaultHeaders,
    };
    for (const [header, value] of Object.entries(requestOptions.headers ?? {}))
      headers[header.toLowerCase()] = value;
    if (requestOptions.requestId) headers['x-request-id'] = requestOptions.requestId;
    if (requestOptions.correlationId) headers['x-correlation-id'] = requestOptions.correlationId;
    const idempotencyKey =
      requestOptions.idempotencyKey === 'auto' ? newId() : requestOptions.idempotencyKey;
    if (idempotencyKey !== undefined) headers[idempotencyKeyHeader.toLowerCase()] = idempotencyKey;
    let body: string | Uint8Array | undefined;
    if (requestOptions.body !== undefined) {
      if (typeof requestOptions.body === 'string' || requestOptions.body instanceof Uint8Array) {
        body = requestOptions.body;
      } else {
        body = JSON.stringify(requestOptions.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    const retryable =
      requestOptions.retry !== false &&
      (idempotentMethods.has(method) || idempotencyKey !== undefined);
    const attempts = retryable ? retries + 1 : 1;
    for (let index = 0; ; index++) {
      const started = performance.now();
      const report = (status: number | undefined, code: string | undefined, willRetry: boolean) =>
        options.onAttempt?.({
          method,
          host: url.host,
          attempt: index + 1,
          durationMs: performance.now() - started,
          willRetry,
          ...(status === undefined ? {} : { status }),
          ...(code === undefined ? {} : { code }),
        });
      let failure: AttemptFailure;
      try {
        const response = await attempt(
          { ...requestOptions, method },
          url,
          headers,
          body,
          retryable,
        );
        report(response.status, undefined, false);
        return { ...response, attempts: index + 1 };
      } catch (error) {
        if (!(error instanceof AttemptFailure)) throw error;
        failure = error;
      }
      const status =
        failure.status ?? (failure.error as { remoteStatus?: number | undefined }).remoteStatus;
      const retryAfterMs =
        failure.retryAfterSeconds === undefined ? undefined : failure.retryAfterSeconds * 1000;
      // A remote asking for a longer pause than we are willing to wait gets its error back now.
      const willRetry =
        failure.retryable &&
        index + 1 < attempts &&
        (retryAfterMs === undefined || retryAfterMs <= maxDelay);
      report(status, failure.error.code, willRetry);
      if (!willRetry) throw failure.error;
      const backoff = Math.min(maxDelay, baseDelay * 2 ** index) * random();
      await sleep(Math.max(backoff, retryAfterMs ?? 0));
      if (requestOptions.signal?.aborted) throw requestOptions.signal.reason;
    }
  }

  return {
    send,
    async request<T>(requestOptions: RequestOptions<T>): Promise<T> {
      return (await send(requestOptions)).data;
    },
    async close() {
      const agent = ownAgent;
      ownAgent = undefined;
      await agent?.close();
    },
  };
}
