import { createHttpClient } from '@govblocks/core/client';
import type { HttpLogger } from '@govblocks/core/http';

/**
 * Posts asynchronous results to the `X-Callback-URL` a caller gave, after the answer to its
 * request went out. Best effort with bounded retries (the same idempotency key on every attempt);
 * a callback that still fails is logged (host and status only) and dropped: the caller can always
 * read the same result by polling.
 */
export interface CallbackSender {
  /** Schedules a POST of `body` to `url`, with `X-CorrelationID: correlationId`. Never throws. */
  send(url: string, correlationId: string, body: unknown): void;
  /** Resolves when every scheduled callback has been sent or given up. */
  drain(): Promise<void>;
}

export interface CallbackSenderOptions {
  /**
   * Which callback URLs may be called. Default: any `http:`/`https:` URL. A deployment reachable
   * from outside should restrict this (callers choose the URL: without a list, the server can be
   * made to POST to internal addresses).
   */
  allow?: (url: URL) => boolean;
  /** Per attempt, in ms. Default 10,000. */
  timeoutMs?: number;
  /** Further attempts after the first. Default 2. */
  retries?: number;
  logger?: HttpLogger;
}

/** Checks a caller's `X-Callback-URL`: `undefined` when absent, the URL when usable, else throws. */
export function parseCallbackUrl(
  value: string | undefined,
  allow: (url: URL) => boolean = defaultAllow,
): URL | 'invalid' | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.length > 2048) return 'invalid';
  try {
    const url = new URL(value);
    return allow(url) ? url : 'invalid';
  } catch {
    return 'invalid';
  }
}

const defaultAllow = (url: URL) => url.protocol === 'http:' || url.protocol === 'https:';

/** The default {@link CallbackSender}: core's HTTP client (undici), one short-lived pool per callback. */
export function createCallbackSender(options: CallbackSenderOptions = {}): CallbackSender {
  const pending = new Set<Promise<void>>();
  const allow = options.allow ?? defaultAllow;
  const post = async (url: URL, correlationId: string, body: unknown) => {
    const client = createHttpClient({
      baseUrl: url.origin,
      name: 'payments/callback',
      retries: options.retries ?? 2,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    try {
      await client.request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        body,
        headers: { 'X-CorrelationID': correlationId },
        idempotencyKey: 'auto',
      });
    } catch (error) {
      options.logger?.warn('callback not delivered', {
        host: url.host,
        code: (error as { code?: unknown }).code,
      });
    } finally {
      await client.close();
    }
  };
  return {
    send(url, correlationId, body) {
      const parsed = parseCallbackUrl(url, allow);
      if (parsed === undefined || parsed === 'invalid') return;
      // After the answer: the handler has returned by the time this runs.
      const job = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => post(parsed, correlationId, body))
        .finally(() => pending.delete(job));
      pending.add(job);
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
