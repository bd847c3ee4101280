import { ChannelError } from '../errors.js';
import type { Channel, OutgoingMessage } from '../ports.js';

/** An HTTP request to an SMS provider, as a mapping produces it. */
export interface SmsProviderRequest {
  /** Default: the channel's `url`. */
  url?: string;
  method?: 'POST' | 'PUT' | 'GET';
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export interface HttpSmsChannelOptions {
  /** Default `http-sms`. */
  name?: string;
  /** The provider's endpoint. */
  url: string;
  /** Headers on every request (e.g. `authorization`). Never logged. */
  headers?: Record<string, string>;
  /**
   * Builds the provider request from a message. Default: POST JSON `{ to, text, reference }`
   * with the idempotency key in an `Idempotency-Key` header.
   */
  mapRequest?: (message: OutgoingMessage) => SmsProviderRequest;
  /**
   * Reads the provider's id from a 2xx answer. Default: `id`, `messageId`, `message_id` or
   * `sid` of a JSON body, else the message's own id.
   */
  mapResponse?: (body: unknown, message: OutgoingMessage) => string;
  /** Which HTTP statuses are permanent refusals. Default: 4xx except 408, 409, 425 and 429. */
  isPermanent?: (status: number) => boolean;
  /** Default 10 s. */
  timeoutMs?: number;
  /** The HTTP client. Default: global `fetch` (undici). */
  fetch?: typeof fetch;
}

const defaultRequest = (message: OutgoingMessage): SmsProviderRequest => ({
  method: 'POST',
  headers: { 'idempotency-key': message.idempotencyKey },
  body: { to: message.to, text: message.text, reference: message.id },
});

const defaultResponse = (body: unknown, message: OutgoingMessage): string => {
  if (body && typeof body === 'object') {
    for (const key of ['id', 'messageId', 'message_id', 'sid']) {
      const value = (body as Record<string, unknown>)[key];
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    }
  }
  return message.id;
};

const defaultPermanent = (status: number) =>
  status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status);

/**
 * A generic SMS channel for any provider with an HTTP API: map a message to the provider's
 * request, and its answer to an id. 2xx → accepted; 429, 5xx, timeouts and network errors →
 * temporary (`retryable`); other 4xx → permanent. The idempotency key goes with every request
 * (by default as `Idempotency-Key`), so a provider that honours it never sends a retry twice.
 *
 * @example
 * const sms = httpSmsChannel({
 *   url: 'https://sms.example/api/messages', headers: { authorization: `Bearer ${token}` },
 *   mapRequest: (m) => ({ body: { msisdn: m.to, message: m.text }, headers: { 'x-request-id': m.idempotencyKey } }),
 * });
 */
export function httpSmsChannel(options: HttpSmsChannelOptions): Channel {
  const name = options.name ?? 'http-sms';
  const mapRequest = options.mapRequest ?? defaultRequest;
  const mapResponse = options.mapResponse ?? defaultResponse;
  const isPermanent = options.isPermanent ?? defaultPermanent;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send = options.fetch ?? fetch;
  return {
    specificationVersion: 'messaging-channel/v1',
    name,
    kind: 'sms',
    async send(message, sendOptions) {
      const request = mapRequest(message);
      const method = request.method ?? 'POST';
      const headers: Record<string, string> = { ...options.headers, ...request.headers };
      let body: string | undefined;
      if (request.body !== undefined && method !== 'GET') {
        if (typeof request.body === 'string') body = request.body;
        else {
          body = JSON.stringify(request.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      const signals = [AbortSignal.timeout(timeoutMs)];
      if (sendOptions?.signal) signals.push(sendOptions.signal);
      let response: Response;
      try {
        response = await send(request.url ?? options.url, {
          method,
          headers,
          body,
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        const timedOut = (error as { name?: string }).name === 'TimeoutError';
        // A timeout may hide an accepted message: flag it, so failover keeps the message on this
        // provider, whose deduplication by idempotency key makes the retry safe.
        throw new ChannelError(name, `request ${timedOut ? 'timed out' : 'failed'}`, {
          retryable: true,
          cause: error,
          extensions: { maybeAccepted: timedOut },
        });
      }
      const text = await response.text();
      if (response.status >= 200 && response.status < 300) {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON: keep the text.
        }
        return { providerMessageId: mapResponse(parsed, message), channel: name };
      }
      throw new ChannelError(name, `provider answered HTTP ${response.status}`, {
        retryable: !isPermanent(response.status),
        extensions: { providerStatus: response.status },
      });
    },
  };
}
