import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, ConfigurationError, systemClock } from '@govblocks/core';
import type { WebhookEventType } from './schemas.js';
import type { ConsentStore } from './store.js';

/** The body of every webhook delivery: a typed change event (ids only, no personal data beyond the individual's consent-system id). */
export interface ConsentEvent {
  /** Unique per event; the same across retries and across webhooks (deduplicate on it: delivery is at least once). */
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  data: {
    consentRecordId?: string;
    individualId?: string;
    dataAgreementId?: string;
    dataAgreementRevisionId?: string;
    optIn?: boolean | null;
    state?: string;
    revisionId?: string;
    revisionHash?: string;
    count?: number;
  };
}

/** The header carrying a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const webhookSignatureHeader = 'X-GovBlocks-Signature';

/** Signs a delivery body (what the dispatcher sends in {@link webhookSignatureHeader}). */
export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Verifies a received delivery: the HMAC over the raw body and the timestamp (within
 * `toleranceSeconds`, default 300, against replay). Returns false rather than throwing.
 *
 * @example
 * if (!verifyWebhookSignature(secret, request.headers.get('x-govblocks-signature'), rawBody)) return new Response(null, { status: 401 });
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(
    header.split(',').map((part) => part.trim().split('=', 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== 'string') return false;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookBody(secret, body, t).split('v1=')[1] ?? '', 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookDispatcherOptions {
  store: ConsentStore;
  clock?: Clock;
  /** Web-standard fetch (default the global one, i.e. undici). Inject for tests. */
  fetch?: (
    url: string,
    init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
  ) => Promise<{ status: number }>;
  /** Attempts before a message is given up (default 8). */
  maxAttempts?: number;
  /** Backoff before attempt n+1 in ms (default 1 s · 2^n, capped at 1 h). */
  backoffMs?: (attempts: number) => number;
  /** Per-delivery timeout (default 10 s). */
  timeoutMs?: number;
}

export interface WebhookDispatcher {
  /**
   * Delivers the outbox messages due now (up to `limit`, default 50), each signed with its
   * webhook's secret. A 2xx answer settles a message; anything else schedules a retry with
   * backoff until `maxAttempts`. Safe to run from several instances at once (messages are
   * leased). Returns counts.
   */
  deliverDue(options?: {
    limit?: number;
  }): Promise<{ delivered: number; failed: number; gaveUp: number }>;
}

/**
 * Delivers webhook notifications from the store's durable outbox. The engine writes outbox
 * messages in the same transaction as the change they announce, so a committed change is
 * announced at least once (receivers deduplicate on the event `id`). Run `deliverDue()` on a
 * timer (e.g. every second) in one or more instances.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const clock = options.clock ?? systemClock;
  const send =
    options.fetch ??
    (globalThis.fetch as unknown as NonNullable<WebhookDispatcherOptions['fetch']>);
  if (typeof send !== 'function')
    throw new ConfigurationError('[consent/webhooks] no fetch available');
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff =
    options.backoffMs ?? ((attempts: number) => Math.min(3_600_000, 1_000 * 2 ** attempts));
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async deliverDue({ limit = 50 } = {}) {
      const now = clock.now();
      const due = await options.store.claimOutbox(now, limit, timeoutMs * 2);
      let delivered = 0;
      let failed = 0;
      let gaveUp = 0;
      for (const message of due) {
        const webhook = await options.store.getObject('Webhook', message.webhookId);
        const body = JSON.stringify(message.payload);
        let error: string | undefined;
        if (!webhook || webhook.disabled) {
          error = webhook ? 'webhook disabled' : 'webhook deleted';
        } else {
          try {
            const response = await send(webhook.payloadUrl, {
              method: 'POST',
              headers: {
                'content-type': webhook.contentType,
                'user-agent': 'govblocks-consent-webhooks',
                [webhookSignatureHeader]: signWebhookBody(
                  webhook.secretKey,
                  body,
                  Math.floor(clock.now().getTime() / 1000),
                ),
                'X-GovBlocks-Event': message.eventType,
                'X-GovBlocks-Delivery': message.id,
              },
              body,
              signal: AbortSignal.timeout(timeoutMs),
            });
            if (response.status < 200 || response.status >= 300)
              error = `answered ${response.status}`;
          } catch (cause) {
            error = cause instanceof Error ? cause.name : 'network error';
          }
        }
        if (error === undefined) {
          delivered += 1;
          await options.store.settleOutbox(message.id, {
            delivered: true,
            at: clock.now().toISOString(),
          });
        } else {
          const giveUp = message.attempts + 1 >= maxAttempts || !webhook;
          if (giveUp) gaveUp += 1;
          else failed += 1;
          await options.store.settleOutbox(message.id, {
            delivered: false,
            error,
            giveUp,
            nextAttemptAt: new Date(
              clock.now().getTime() + backoff(message.attempts + 1),
            ).toISOString(),
          });
        }
      }
      return { delivered, failed, gaveUp };
    },
  };
}
