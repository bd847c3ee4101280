import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { ConflictError, GovBlocksError, ValidationError } from './errors.js';

/**
 * One idempotency contract for every block (Stripe's and Mojaloop's semantics combined):
 * - the same key with the same request replays the first result;
 * - the same key with a different request is refused (`IDEMPOTENCY_KEY_MISMATCH`, HTTP 422);
 * - a request still in flight under that key is refused (`IDEMPOTENCY_IN_FLIGHT`, HTTP 409
 *   with `Retry-After`);
 * - if the command throws, the key is released so the caller may retry;
 * - keys are kept for a configurable time, then forgotten.
 */
export type BeginResult =
  | { status: 'started' }
  | { status: 'replay'; response: unknown }
  | { status: 'mismatch' }
  | { status: 'in_flight'; retryAfterSeconds: number };

/** Storage of idempotency keys. Implementations: {@link memoryIdempotencyStore}, `sqlIdempotencyStore` in `@govblocks/core/sql`. */
export interface IdempotencyStore {
  /**
   * Claims `key` in `scope` for a request with hash `requestHash`, atomically. A claim whose
   * lease ran out (its process died) may be taken over.
   */
  begin(input: {
    scope: string;
    key: string;
    requestHash: string;
    now: Date;
    /** How long a finished result is kept. */
    ttlMs: number;
    /** How long an unfinished claim holds before another caller may take it over. */
    leaseMs: number;
  }): Promise<BeginResult>;
  /** Stores the result of a claimed key. `response` must be JSON-serialisable. */
  complete(input: {
    scope: string;
    key: string;
    response: unknown;
    now: Date;
    ttlMs: number;
  }): Promise<void>;
  /** Releases a claimed key whose command failed, so that it can be retried. */
  release(input: { scope: string; key: string }): Promise<void>;
  /** Deletes finished keys whose time ran out. Returns how many were deleted. */
  purgeExpired(now: Date): Promise<number>;
}

/** The SHA-256 (hex) of a request's canonical JSON: equal requests hash equally. */
export function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

const keyPattern = /^[\x21-\x7e]{1,255}$/;

export class IdempotencyMismatchError extends GovBlocksError<'IDEMPOTENCY_KEY_MISMATCH'> {
  constructor() {
    super('IDEMPOTENCY_KEY_MISMATCH', 'This idempotency key was used with a different request', {
      status: 422,
    });
    this.name = 'IdempotencyMismatchError';
  }
}

export class IdempotencyInFlightError extends ConflictError<'IDEMPOTENCY_IN_FLIGHT'> {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('A request with this idempotency key is still being processed', {
      code: 'IDEMPOTENCY_IN_FLIGHT',
      extensions: { retryAfter: retryAfterSeconds },
    });
    this.name = 'IdempotencyInFlightError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface IdempotentOptions<T> {
  store: IdempotencyStore;
  /** Namespace of the key, e.g. `payments.createBatch` plus the caller's client id. */
  scope: string;
  /** The caller's key (printable ASCII, 1–255 characters). */
  key: string;
  /** The request as the command sees it; its canonical hash detects key reuse. */
  request: unknown;
  run: () => Promise<T>;
  clock?: Clock;
  /** Default 24 hours. */
  ttlMs?: number;
  /** Default 60 seconds. */
  leaseMs?: number;
}

/** Result of {@link runIdempotent}: the value and whether it was replayed. */
export interface IdempotentResult<T> {
  value: T;
  replayed: boolean;
}

/**
 * Runs `run` at most once per (`scope`, `key`). A repeat with the same request returns the
 * first result (`replayed: true`) without running again.
 *
 * @example
 * const { value } = await runIdempotent({ store, scope: 'messaging.send', key, request: input,
 *   run: () => send(input) });
 */
export async function runIdempotent<T>(
  options: IdempotentOptions<T>,
): Promise<IdempotentResult<T>> {
  const { store, scope, key, request, run } = options;
  if (!keyPattern.test(key)) {
    throw new ValidationError('Idempotency key must be 1–255 printable ASCII characters', [
      {
        pointer: '/idempotencyKey',
        detail: 'invalid idempotency key',
        code: 'invalid_idempotency_key',
      },
    ]);
  }
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
  const leaseMs = options.leaseMs ?? 60 * 1000;
  const requestHash = hashRequest(request);
  const begun = await store.begin({ scope, key, requestHash, now: clock.now(), ttlMs, leaseMs });
  switch (begun.status) {
    case 'replay':
      return { value: begun.response as T, replayed: true };
    case 'mismatch':
      throw new IdempotencyMismatchError();
    case 'in_flight':
      throw new IdempotencyInFlightError(begun.retryAfterSeconds);
    case 'started':
      break;
  }
  let value: T;
  try {
    value = await run();
  } catch (error) {
    await store.release({ scope, key });
    throw error;
  }
  // Store what a replay would see: the JSON form of the value.
  const response = value === undefined ? null : JSON.parse(JSON.stringify(value));
  await store.complete({ scope, key, response, now: clock.now(), ttlMs });
  return { value, replayed: false };
}

interface MemoryEntry {
  requestHash: string;
  state: 'in_flight' | 'completed';
  response: unknown;
  /** Lease end while in flight; expiry once completed (ms since epoch). */
  until: number;
}

/** An in-process {@link IdempotencyStore}, for tests and single-process use. */
export function memoryIdempotencyStore(): IdempotencyStore {
  const entries = new Map<string, MemoryEntry>();
  const id = (scope: string, key: string) => `${scope}\u0000${key}`;
  return {
    async begin({ scope, key, requestHash, now, leaseMs }) {
      const at = now.getTime();
      const existing = entries.get(id(scope, key));
      if (existing && existing.until > at) {
        if (existing.requestHash !== requestHash) return { status: 'mismatch' };
        if (existing.state === 'completed')
          return { status: 'replay', response: existing.response };
        return {
          status: 'in_flight',
          retryAfterSeconds: Math.max(1, Math.ceil((existing.until - at) / 1000)),
        };
      }
      entries.set(id(scope, key), {
        requestHash,
        state: 'in_flight',
        response: null,
        until: at + leaseMs,
      });
      return { status: 'started' };
    },
    async complete({ scope, key, response, now, ttlMs }) {
      const entry = entries.get(id(scope, key));
      if (!entry) return;
      entry.state = 'completed';
      entry.response = response;
      entry.until = now.getTime() + ttlMs;
    },
    async release({ scope, key }) {
      const entry = entries.get(id(scope, key));
      if (entry?.state === 'in_flight') entries.delete(id(scope, key));
    },
    async purgeExpired(now) {
      let purged = 0;
      for (const [name, entry] of entries) {
        if (entry.state === 'completed' && entry.until <= now.getTime()) {
          entries.delete(name);
          purged++;
        }
      }
      return purged;
    },
  };
}
