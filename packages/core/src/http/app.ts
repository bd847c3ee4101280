import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  GovBlocksError,
  isGovBlocksError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../errors.js';
import { type IdGenerator, newId } from '../ids.js';
import { type AuthOptions, authenticate } from './auth.js';
import type { HttpEnv } from './context.js';
import { jsonContentType, problemResponse, toHttpError } from './problem.js';

/** Where the kit writes what operators need to see. Never receives bodies, keys or personal data. */
export interface HttpLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface HttpAppOptions {
  /** Names the service in logs, e.g. `consent`. */
  name?: string;
  /** Largest accepted request body in bytes. Default 1 MiB. Larger → 413 `PAYLOAD_TOO_LARGE`. */
  bodyLimitBytes?: number;
  /**
   * Authentication for every route except the health endpoint; see {@link authenticate}.
   * Leave out to add `authenticate(…)` yourself on chosen routes.
   */
  auth?: AuthOptions;
  /**
   * The health endpoint: `GET <path>` → `{ "status": "ok" }`, or 503 when `check` throws.
   * Default path `/health`; `false` leaves it out.
   */
  health?: false | { path?: string; check?: () => Promise<void> | void };
  /** Header carrying the request id in and out. Default `X-Request-Id`. */
  requestIdHeader?: string;
  /** Header carrying the correlation id in and out. Default `X-Correlation-Id`. */
  correlationIdHeader?: string;
  /** Generates request ids. Default UUIDv7. */
  generateId?: IdGenerator;
  /** Default: `console`, prefixed with the service name. */
  logger?: HttpLogger;
  /**
   * Called with every unexpected (500) error, e.g. to report it to an error tracker. The
   * client only ever sees a generic problem; the logger only the error's class name.
   */
  /**
   * Called once per answered request with what an access log or a metric needs: method, route
   * template (not the concrete path: it may hold ids), status, duration, ids. Never bodies or
   * credentials.
   */
  onResponse?: (event: HttpResponseEvent) => void;
  onUnexpectedError?: (
    error: unknown,
    details: { requestId: string; method: string; path: string },
  ) => void;
}

/** One answered request, for access logs and metrics. */
export interface HttpResponseEvent {
  method: string;
  /** The matched route template, e.g. `/consents/:id`. */
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  correlationId: string;
  /** The govblocks error code of a problem answer. */
  code?: string;
}

/** A printable id of reasonable length; anything else from the caller is replaced. */
const idPattern = /^[\x21-\x7e]{1,200}$/;

/** The header GovStack's Information Mediator (X-Road) uses to name the calling member/subsystem. */
export const informationMediatorClientHeader = 'Information-Mediator-Client';

/** Codes of problem answers made by the kit, for `onResponse` (responses are not re-read). */
const problemCode = new WeakMap<Response, string>();

function consoleLogger(name: string): HttpLogger {
  const prefix = `[${name}/http]`;
  return {
    warn: (message, fields) => console.warn(prefix, message, fields ?? ''),
    error: (message, fields) => console.error(prefix, message, fields ?? ''),
  };
}

/**
 * Creates a Hono app with the govblocks HTTP conventions in place:
 * - request id (`X-Request-Id` in → kept when well-formed, else a fresh UUIDv7; always echoed),
 *   correlation id (`X-Correlation-Id`, defaulting to the request id; echoed) and the GovStack
 *   `Information-Mediator-Client` header, all on the context (`c.get('requestId')`, …);
 * - every error as RFC 9457 `application/problem+json`: govblocks errors with their own code and
 *   status, zod errors as 400 `VALIDATION_FAILED`, unknown routes as 404, anything else as a
 *   500 `INTERNAL` with no message or stack;
 * - a body size limit (413), `GET /health`, optional authentication ({@link authenticate});
 * - `content-type: application/json; charset=utf-8` on JSON answers.
 *
 * @example
 * const app = createHttpApp({ name: 'consent', auth: { apiKeys: { keys: [{ key, id: 'portal' }] } } });
 * app.get('/consents/:id', async (c) => sendJson(c, await service.get(c.req.param('id'), actorOf(c))));
 * const server = await startServer(app, { port: 8080 });
 */
export function createHttpApp(options: HttpAppOptions = {}): Hono<HttpEnv> {
  const name = options.name ?? 'govblocks';
  const logger = options.logger ?? consoleLogger(name);
  const requestIdHeader = options.requestIdHeader ?? 'X-Request-Id';
  const correlationIdHeader = options.correlationIdHeader ?? 'X-Correlation-Id';
  const generateId = options.generateId ?? newId;
  const bodyLimitBytes = options.bodyLimitBytes ?? 1024 * 1024;
  const healthPath = options.health === false ? undefined : (options.health?.path ?? '/health');
  const healthCheck = options.health === false ? undefined : options.health?.check;
  // Built (and its options checked) now, not on the first request.
  const auth = options.auth
    ? authenticate({
        ...options.auth,
        publicPaths: [...(options.auth.publicPaths ?? []), ...(healthPath ? [healthPath] : [])],
      })
    : undefined;

  const app = new Hono<HttpEnv>();

  function handleError(error: unknown, requestId: string, c: Context<HttpEnv>): Response {
    // A handler that read the body with `c.req.json()` gets a SyntaxError for malformed JSON.
    const mapped =
      error instanceof SyntaxError && c.req.raw.body !== null && /JSON/i.test(error.message)
        ? new ValidationError('The request body is not valid JSON', [
            { pointer: '', detail: 'not valid JSON', code: 'invalid_json' },
          ])
        : toHttpError(error);
    if (mapped.status >= 500 && !isGovBlocksError(error)) {
      const details = { requestId, method: c.req.method, path: c.req.routePath };
      logger.error('unexpected error', {
        ...details,
        error: error instanceof Error ? error.name : typeof error,
      });
      options.onUnexpectedError?.(error, details);
    }
    const response = problemResponse(mapped, requestId);
    response.headers.set(requestIdHeader, requestId);
    problemCode.set(response, mapped.code);
    return response;
  }

  app.use('*', async (c, next) => {
    const started = performance.now();
    const inbound = c.req.header(requestIdHeader);
    const requestId = inbound !== undefined && idPattern.test(inbound) ? inbound : generateId();
    const correlation = c.req.header(correlationIdHeader);
    const correlationId =
      correlation !== undefined && idPattern.test(correlation) ? correlation : requestId;
    const client = c.req.header(informationMediatorClientHeader);
    c.set('requestId', requestId);
    c.set('correlationId', correlationId);
    c.set(
      'informationMediatorClient',
      client !== undefined && idPattern.test(client) ? client : undefined,
    );
    c.set('actor', undefined);
    try {
      await next();
    } catch (error) {
      // Hono hands only Error instances to onError; anything else thrown ends up here.
      c.res = handleError(error, requestId, c);
    }
    const code = problemCode.get(c.res) ?? (c.error ? toHttpError(c.error).code : undefined);
    // Responses built by hand (or by c.json) are normalised here; immutable ones are copied.
    let headers: Headers;
    try {
      c.res.headers.set(requestIdHeader, requestId);
      headers = c.res.headers;
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(requestIdHeader, requestId);
      headers = c.res.headers;
    }
    headers.set(correlationIdHeader, correlationId);
    const contentType = headers.get('content-type');
    if (
      contentType !== null &&
      /^application\/json\s*(;|$)/i.test(contentType) &&
      !/charset=/i.test(contentType)
    ) {
      headers.set('content-type', jsonContentType);
    }
    if (options.onResponse) {
      options.onResponse({
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        durationMs: performance.now() - started,
        requestId,
        correlationId,
        ...(code ? { code } : {}),
      });
    }
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: () => {
        throw new GovBlocksError(
          'PAYLOAD_TOO_LARGE',
          `The request body is larger than ${bodyLimitBytes} bytes`,
          {
            status: 413,
          },
        );
      },
    }),
  );

  if (healthPath) {
    app.get(healthPath, async (c) => {
      if (healthCheck) {
        try {
          await healthCheck();
        } catch (error) {
          logger.warn('health check failed', {
            error: error instanceof Error ? error.name : typeof error,
          });
          throw new UnavailableError('The service is not healthy', { retryAfterSeconds: 5 });
        }
      }
      return c.body(JSON.stringify({ status: 'ok' }), 200, { 'content-type': jsonContentType });
    });
  }

  if (auth) app.use('*', auth);

  app.notFound((c) =>
    handleError(
      new NotFoundError(`No route for ${c.req.method} ${c.req.path}`),
      c.get('requestId'),
      c,
    ),
  );

  app.onError((error, c) => handleError(error, c.get('requestId') ?? generateId(), c));

  return app;
}
