import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@govblocks/core';

/** Signed status callbacks: where they go and how they are signed. */
export interface CallbackOptions {
  /** The shared secret of the HMAC-SHA256 signature (at least 16 characters). */
  secret: string;
  /** The HTTP client (default: global `fetch`). Must resolve for any status. */
  fetch?: (
    url: string,
    init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
  ) => Promise<{ status: number }>;
  /** Per-request timeout. Default 5 s. */
  timeoutMs?: number;
}

/** The body POSTed to a message's `callbackUrl` when it reaches a final status. */
export interface StatusCallback {
  messageId: string;
  batchId: string | null;
  reference: string | null;
  status: 'delivered' | 'failed' | 'dead-lettered';
  attempts: number;
  at: string;
  errorCode: string | null;
}

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme). */
export const signatureHeader = 'govblocks-signature';

/** Signs a callback body at `timestamp` (Unix seconds). */
export function signCallback(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Verifies a callback as its receiver: the signature matches the raw body, and its timestamp is
 * within `toleranceSeconds` (default 300) of `now`, so a captured callback cannot be replayed
 * later. Returns false rather than throwing.
 *
 * @example
 * const ok = verifyCallbackSignature(secret, request.headers.get('govblocks-signature'), rawBody);
 */
export function verifyCallbackSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(',').map((part) => part.trim().split('=', 2) as [string, string]),
  );
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return false;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/** POSTs one signed callback. Throws when it cannot be delivered (the engine reports, never retries forever). */
export async function sendCallback(
  options: CallbackOptions,
  url: string,
  payload: StatusCallback,
  clock: Clock,
): Promise<void> {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(clock.now().getTime() / 1000);
  const send = options.fetch ?? ((target, init) => fetch(target, init));
  const response = await send(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [signatureHeader]: signCallback(options.secret, body, timestamp),
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
  });
  if (response.status < 200 || response.status >= 300)
    throw new Error(`callback answered ${response.status}`);
}
