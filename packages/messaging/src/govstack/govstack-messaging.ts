import { type ActorContext, parse, ValidationError } from '@govblocks/core';
import { createHttpClient, type HttpClient } from '@govblocks/core/client';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { checkRecipient, renderContent } from '../engine/render.js';
import { MessagingError } from '../errors.js';
import type { MessagingService } from '../ports.js';
import {
  type BatchReceipt,
  type BatchRecipient,
  type BatchStatus,
  batchRecipientSchema,
  batchSpecSchema,
  type Message,
  type Preview,
  previewInputSchema,
  sendInputSchema,
} from '../schemas.js';
import type { components } from './generated/messaging.js';

type GovstackEmail = components['schemas']['email'];
type GovstackBatchEmail = components['schemas']['batchEmail'];

export interface GovstackMessagingOptions {
  /** The Messaging BB's base URL (with `/v1` when the product serves it there). */
  baseUrl: string;
  /** Sent as `api_key` (GovStack's tests) and `apiKey` (the spec). Never logged. */
  apiKey: string;
  /** GovStack Information Mediator client id (`Information-Mediator-Client`). */
  informationMediatorClient?: string;
  /** Sender details sent with every email (`senderInfo`). */
  sender?: GovstackEmail['senderInfo'];
  timeoutMs?: number;
  retries?: number;
  /** An undici dispatcher (pools, proxies, MockAgent). */
  dispatcher?: Dispatcher;
}

/** A remote answer as we read it: lenient, both spellings of the id. */
const acceptedSchema = z.looseObject({
  requestUID: z.string().optional(),
  requestUid: z.string().optional(),
});
const countsSchema = z.record(z.string(), z.number());
const govstackStatuses = [
  'scheduled',
  'processing',
  'deferred',
  'bounced',
  'notSent',
  'delivered',
] as const;

const unsupported = (what: string): never => {
  throw new MessagingError(
    'UNSUPPORTED_OPERATION',
    `[messaging/govstack] ${what} is not part of the GovStack Messaging API`,
    { status: 501 },
  );
};

/**
 * The {@link MessagingService} port over a GovStack Messaging BB (any compliant product, or
 * `govblocks serve messaging`). Email only; content is rendered here (placeholders filled,
 * `MISSING_PERSONALISATION` before anything is sent) and sent as the GovStack `email`. The
 * GovStack API has no templates and no per-message read: `defineTemplate`, `getTemplate`,
 * template references and `getMessage` throw `UNSUPPORTED_OPERATION` (see `capabilities`).
 * A batch is sent as the API's base64 recipient list, so it is held in memory (GovStack's
 * format); its content must be the same for every recipient except `{{name}}`/`{{email}}`.
 * The idempotency key goes out as `Idempotency-Key` (the client retries only keyed requests);
 * products that ignore it may accept a retried request twice.
 *
 * @example
 * const messaging = govstackMessaging({ baseUrl: 'https://messaging.gov.example/v1', apiKey });
 * const message = await messaging.send(context, { idempotencyKey, channel: 'email', to, content });
 */
export function govstackMessaging(
  options: GovstackMessagingOptions,
): MessagingService & { close(): Promise<void> } {
  const client: HttpClient = createHttpClient({
    baseUrl: options.baseUrl,
    name: 'messaging/govstack',
    headers: { api_key: options.apiKey, apiKey: options.apiKey },
    informationMediatorClient: options.informationMediatorClient,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    dispatcher: options.dispatcher,
  });

  const post = async (
    path: string,
    body: unknown,
    context: ActorContext,
    idempotencyKey: string,
  ): Promise<string> => {
    const response = await client.send({
      method: 'POST',
      path,
      body,
      idempotencyKey,
      acceptStatus: [405],
      requestId: context.requestId,
      correlationId: context.correlationId,
    });
    if (response.status === 405) {
      throw new ValidationError(
        '[messaging/govstack] the service refused the input (405 Invalid input)',
        [{ pointer: '', detail: 'refused by the remote service' }],
      );
    }
    const accepted = parse(acceptedSchema, response.data, '[messaging/govstack] answer');
    const id = accepted.requestUID ?? accepted.requestUid;
    if (!id)
      throw new MessagingError(
        'UNSUPPORTED_OPERATION',
        '[messaging/govstack] the answer has no requestUID',
        { status: 502 },
      );
    return id;
  };

  const toEmailContent = (content: {
    subject?: string;
    text: string;
  }): GovstackEmail['emailContent'] => ({
    encoding: 'UTF-8',
    title: content.subject ?? '',
    content: content.text,
  });

  return {
    specificationVersion: 'messaging/v1',
    capabilities: { templates: false, channels: ['email'], messageStatus: false },

    defineTemplate: async () => unsupported('defineTemplate'),
    getTemplate: async () => unsupported('getTemplate'),
    getMessage: async () => unsupported('getMessage'),

    async preview(_context, input): Promise<Preview> {
      const parsed = parse(previewInputSchema, input, '[messaging/govstack] preview');
      if (!parsed.content) return unsupported('a template reference');
      const rendered = renderContent(parsed.channel, parsed.content, parsed.personalisation);
      const preview: Preview = {
        channel: parsed.channel,
        content: rendered.content,
        warnings: rendered.warnings,
      };
      if (rendered.sms) preview.sms = rendered.sms;
      return preview;
    },

    async send(context, input): Promise<Message> {
      const parsed = parse(sendInputSchema, input, '[messaging/govstack] send');
      if (parsed.channel !== 'email') return unsupported('SMS');
      if (!parsed.content) return unsupported('a template reference');
      checkRecipient('email', parsed.to);
      const rendered = renderContent('email', parsed.content, parsed.personalisation);
      const email: GovstackEmail = {
        recipientInfo: {
          email: parsed.to,
          emailCC: parsed.cc?.join(','),
          emailBCC: parsed.bcc?.join(','),
        },
        emailContent: toEmailContent(rendered.content),
      };
      const senderInfo = {
        ...options.sender,
        ...(parsed.from ? { email: parsed.from.address, name: parsed.from.name } : {}),
        ...(parsed.replyTo ? { replyTo: parsed.replyTo } : {}),
      };
      if (Object.keys(senderInfo).length) email.senderInfo = senderInfo;
      if (parsed.callbackUrl) email.callback = { URI: parsed.callbackUrl };
      const id = await post('/send/email/single', email, context, parsed.idempotencyKey);
      const now = new Date().toISOString();
      const message: Message = {
        id,
        idempotencyKey: parsed.idempotencyKey,
        batchId: null,
        channel: 'email',
        to: parsed.to,
        content: rendered.content,
        warnings: [],
        status: 'queued',
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
        deliveredBy: null,
        providerMessageId: null,
        createdAt: now,
        updatedAt: now,
        deliveredAt: null,
      };
      if (parsed.reference) message.reference = parsed.reference;
      return message;
    },

    async sendBatch(
      context,
      spec,
      recipients: Iterable<BatchRecipient> | AsyncIterable<BatchRecipient>,
    ): Promise<BatchReceipt> {
      const parsed = parse(batchSpecSchema, spec, '[messaging/govstack] batch');
      if (parsed.channel !== 'email') return unsupported('SMS');
      if (!parsed.content) return unsupported('a template reference');
      const list: Array<{ recipientInfo: NonNullable<GovstackEmail['recipientInfo']> }> = [];
      let position = 0;
      for await (const raw of recipients as AsyncIterable<BatchRecipient>) {
        const recipient = parse(
          batchRecipientSchema,
          raw,
          `[messaging/govstack] batch recipient #${position}`,
        );
        checkRecipient('email', recipient.to, `/recipients/${position}/to`);
        const personalisation: Record<string, string | number | boolean> = {
          ...parsed.personalisation,
          ...recipient.personalisation,
          email: recipient.to,
        };
        // Checks every placeholder is filled; the service fills {{name}} and {{email}} per recipient.
        renderContent('email', parsed.content, personalisation, undefined, position);
        const name = personalisation.name;
        list.push({
          recipientInfo: {
            email: recipient.to,
            ...(name === undefined ? {} : { name: String(name) }),
            emailCC: recipient.cc?.join(','),
            emailBCC: recipient.bcc?.join(','),
          },
        });
        position += 1;
      }
      const shared = Object.fromEntries(
        Object.entries(parsed.personalisation).filter(([key]) => key !== 'name' && key !== 'email'),
      );
      const content = { ...parsed.content };
      // Shared values are filled here; per-recipient {{name}}/{{email}} stay for the service.
      for (const [key, value] of Object.entries(shared)) {
        const pattern = new RegExp(`\\{\\{\\s*${key.replaceAll('.', '\\.')}\\s*\\}\\}`, 'g');
        content.text = content.text.replace(pattern, () => String(value));
        if (content.subject)
          content.subject = content.subject.replace(pattern, () => String(value));
      }
      const body: GovstackBatchEmail = {
        recipientInfo: { batchEmailAsBase64: Buffer.from(JSON.stringify(list)).toString('base64') },
        emailContent: toEmailContent(content),
      };
      if (options.sender) body.senderInfo = options.sender;
      if (parsed.callbackUrl) body.callbackURI = { URI: parsed.callbackUrl };
      const id = await post('/send/email/batch', body, context, parsed.idempotencyKey);
      return {
        batchId: id,
        idempotencyKey: parsed.idempotencyKey,
        accepted: list.length,
        createdAt: new Date().toISOString(),
      };
    },

    async getBatchStatus(context, batchId): Promise<BatchStatus> {
      const response = await client.send({
        method: 'GET',
        path: '/status/email',
        query: { 'status[]': [...govstackStatuses] },
        headers: { requestUID: batchId, requestUid: batchId },
        acceptStatus: [405],
        requestId: context.requestId,
        correlationId: context.correlationId,
      });
      if (response.status === 405)
        throw new ValidationError(
          '[messaging/govstack] the service refused the status query (405)',
        );
      const raw = parse(countsSchema, response.data, '[messaging/govstack] status');
      const count = (name: string) => raw[name] ?? 0;
      const counts = {
        queued: count('scheduled'),
        deferred: count('deferred'),
        sending: count('processing'),
        delivered: count('delivered'),
        failed: count('bounced'),
        'dead-lettered': count('notSent'),
      };
      return {
        batchId,
        total: Object.values(counts).reduce((sum, value) => sum + value, 0),
        counts,
      };
    },

    close: () => client.close(),
  };
}
