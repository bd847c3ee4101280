import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import { type IdempotencyStore, runIdempotent } from '../idempotency.js';
import type { HttpContext } from './context.js';
import { sendJson } from './json.js';

/** What an idempotent handler answers; stored as it is and replayed for repeats. */
export interface StoredHttpResponse {
  status: number;
  /** JSON-serialisable body. */
  body: unknown;
  /** Extra headers to replay (e.g. `location`). */
  headers?: Record<string, string>;
}

export interface IdempotentResponseOptions {
  store: IdempotencyStore;
  /**
   * The operation, e.g. `payments.createBatch`. Keys are kept per caller: the actor's client id
   * (or id) is appended, so two clients can never collide on (or read) each other's keys.
   */
  scope: string;
  /** What identifies the request besides the key, usually the parsed body. Method and path are added. */
  request: unknown;
  /** Performs the command; runs at most once per key. */
  run: () => Promise<StoredHttpResponse>;
  /** Header carrying the key. Default `Idempotency-Key`. */
  header?: string;
  /** Refuse requests without a key (400). Default false: they simply run. */
  required?: boolean;
  clock?: Clock;
  /** How long a finished result is replayed. Default 24 hours. */
  ttlMs?: number;
  /** How long an unfinished claim holds. Default 60 seconds. */
  leaseMs?: number;
}

/**
 * Honours an `Idempotency-Key` header with {@link runIdempotent}: the first request runs and its
 * status, body and headers are stored; a repeat with the same key and request gets the same
 * answer (with `Idempotent-Replayed: true`); the same key with a different request answers 422
 * `IDEMPOTENCY_KEY_MISMATCH`; a repeat while the first is still running answers 409
 * `IDEMPOTENCY_IN_FLIGHT` with `Retry-After`. A failing command releases the key.
 *
 * @example
 * app.post('/batches', async (c) => {
 *   const input = await readJson(c, batchSchema);
 *   return respondIdempotently(c, { store, scope: 'payments.createBatch', request: input,
 *     run: async () => ({ status: 201, body: await payments.createBatch(input, actorOf(c)) }) });
 * });
 */
export async function respondIdempotently(
  c: HttpContext,
  options: IdempotentResponseOptions,
): Promise<Response> {
  const headerName = options.header ?? 'Idempotency-Key';
  const key = c.req.header(headerName);
  const reply = (response: StoredHttpResponse, replayed: boolean) =>
    sendJson(c, response.body, response.status, {
      ...response.headers,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
  if (key === undefined || key === '') {
    if (options.required) {
      throw new ValidationError(`The ${headerName} header is required`, [
        { pointer: '', detail: `missing ${headerName} header`, code: 'missing_idempotency_key' },
      ]);
    }
    return reply(await options.run(), false);
  }
  const actor = c.get('actor')?.actor;
  const caller = actor ? (actor.clientId ?? `${actor.type}:${actor.id}`) : 'anonymous';
  const { value, replayed } = await runIdempotent<StoredHttpResponse>({
    store: options.store,
    scope: `${options.scope}|${caller}`,
    key,
    request: { method: c.req.method, path: c.req.path, request: options.request ?? null },
    run: options.run,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
  return reply(value, replayed);
}
