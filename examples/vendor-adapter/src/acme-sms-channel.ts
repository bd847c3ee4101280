import { type Channel, ChannelError } from '@govblocks/messaging';

export interface AcmeSmsChannelOptions {
  baseUrl: string;
  apiKey: string;
  /** Default `acme-sms`. */
  name?: string;
  timeoutMs?: number;
}

/**
 * AcmeSMS as a govblocks messaging `Channel`. The outbox's idempotency key goes to AcmeSMS's
 * `Idempotency-Key` header. Errors never carry the recipient or the text (they are personal data).
 *
 * @example
 * const messaging = createMessagingService({ store, audit, channels: [acmeSmsChannel({ baseUrl, apiKey })] });
 */
export function acmeSmsChannel(options: AcmeSmsChannelOptions): Channel {
  const name = options.name ?? 'acme-sms';
  return {
    specificationVersion: 'messaging-channel/v1',
    name,
    kind: 'sms',
    async send(message, sendOptions) {
      if (message.kind !== 'sms')
        throw new ChannelError(name, `cannot send ${message.kind}`, { retryable: false });
      const signal = AbortSignal.any([
        AbortSignal.timeout(options.timeoutMs ?? 5_000),
        ...(sendOptions?.signal ? [sendOptions.signal] : []),
      ]);
      let response: Response;
      try {
        response = await fetch(`${options.baseUrl}/v1/sms`, {
          method: 'POST',
          headers: {
            'x-api-key': options.apiKey,
            'idempotency-key': message.idempotencyKey,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ to: message.to, text: message.text }),
          signal,
        });
      } catch (error) {
        throw new ChannelError(name, 'AcmeSMS could not be reached', {
          retryable: true,
          cause: error,
        });
      }
      if (response.status >= 500 || response.status === 429)
        throw new ChannelError(name, `AcmeSMS answered ${response.status}`, { retryable: true });
      if (!response.ok)
        throw new ChannelError(name, `AcmeSMS refused the message (${response.status})`, {
          retryable: false,
        });
      const body = (await response.json()) as { id: string };
      return { providerMessageId: body.id, channel: name };
    },
  };
}
