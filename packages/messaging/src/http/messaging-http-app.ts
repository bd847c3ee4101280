import { randomUUID } from 'node:crypto';
import { type ActorContext, isGovBlocksError, parse } from '@govblocks/core';
import type { HttpEnv } from '@govblocks/core/http';
import {
  type AuthOptions,
  actorOf,
  createHttpApp,
  type HttpAppOptions,
  type HttpContext,
} from '@govblocks/core/http';
import type { Hono } from 'hono';
import type { MessagingService } from '../ports.js';
import type { BatchRecipient, StatusCounts } from '../schemas.js';
import {
  acceptedSentence,
  govstackBatchEmailSchema,
  govstackBatchRecipientsSchema,
  govstackEmailSchema,
  govstackStatusCount,
  recipientPersonalisation,
  toSendInput,
} from './govstack-mapping.js';

export interface MessagingHttpAppOptions extends Omit<HttpAppOptions, 'auth'> {
  /**
   * API keys accepted in `api_key` (GovStack's tests) or `apiKey` (the spec). Leave out for
   * explicit development mode: any key that is present is accepted (a loud warning is printed).
   */
  apiKeys?: Array<{ key: string; id: string; roles?: string[] }>;
  /** Also served under these prefixes (the spec's `basePath` is `/v1`). Default `['', '/v1']`. */
  basePaths?: string[];
  /**
   * The optional client-specific callback endpoint (`POST /callback/email`): receives what the
   * caller posted. Default: accept and ignore.
   */
  onCallback?: (
    context: ActorContext,
    callback: { requestUid: string; body: unknown },
  ) => Promise<void> | void;
}

const apiKeyHeaders = ['api_key', 'apiKey'];
const requestUidHeaders = ['requestUID', 'requestUid'];

/** The reference mock's answers for methods a path does not allow (body `{}` or empty). */
const notAllowed: Array<{
  path: string;
  allow: 'GET' | 'POST';
  methods: string[];
  emptyBody: string[];
}> = [
  { path: '/send/email/single', allow: 'POST', methods: ['GET', 'PUT', 'DELETE'], emptyBody: [] },
  {
    path: '/send/email/batch',
    allow: 'POST',
    methods: ['GET', 'PUT', 'DELETE'],
    emptyBody: ['DELETE', 'PUT'],
  },
  { path: '/callback/email', allow: 'POST', methods: ['GET', 'PUT'], emptyBody: ['PUT', 'GET'] },
  { path: '/status/email', allow: 'GET', methods: ['POST', 'PUT'], emptyBody: ['POST'] },
];

const jsonType = 'application/json; charset=utf-8';

function methodNotAllowed(allow: string, body: '' | '{}' = ''): Response {
  return new Response(body, { status: 405, headers: { allow, 'content-type': jsonType } });
}

function header(c: HttpContext, names: string[]): string | undefined {
  for (const name of names) {
    const value = c.req.header(name);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

async function bodyOf(c: HttpContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Serves any {@link MessagingService} as the GovStack Messaging BB API, the way GovStack's
 * reference mock (which the published tests check) answers:
 * - `POST /send/email/single`, `POST /send/email/batch` → 200 `{ response, requestUID }`;
 * - `GET /status/email` with a `requestUID` header and repeated `status[]=` parameters → 200
 *   with exactly the requested keys (`scheduled`, `processing`, `deferred`, `bounced`,
 *   `notSent`/`not_sent`/`not sent`, `delivered`; unknown names answer 0);
 * - `POST /callback/email` → 200 `{}`;
 * - a missing API key, body or requestUID → 405 with an `Allow` header; other methods → 405.
 * Header names `api_key`/`requestUID` (the tests) and `apiKey`/`requestUid` (the spec) are both
 * accepted; an `Idempotency-Key` header makes a send idempotent. Answers are
 * `application/json; charset=utf-8`.
 *
 * @example
 * const app = messagingHttpApp(messaging, { apiKeys: [{ key: process.env.MESSAGING_KEY!, id: 'portal' }] });
 * await startServer(app, { port: 3333 });
 */
export function messagingHttpApp(
  service: MessagingService,
  options: MessagingHttpAppOptions = {},
): Hono<HttpEnv> {
  const { apiKeys, basePaths = ['', '/v1'], onCallback, ...appOptions } = options;
  const auth: AuthOptions = apiKeys?.length
    ? { apiKeys: { headers: apiKeyHeaders, keys: apiKeys }, mode: 'optional' }
    : { development: true, mode: 'optional', apiKeys: { headers: apiKeyHeaders, keys: [] } };
  const app = createHttpApp({ name: 'messaging', ...appOptions, auth });
  const development = !apiKeys?.length;

  const accepted = (c: HttpContext, requestUID: string) =>
    c.body(JSON.stringify({ response: acceptedSentence, requestUID }), 200, {
      'content-type': jsonType,
    });

  /** The caller, or undefined when no key was presented (→ 405, as the mock answers). */
  const callerOf = (c: HttpContext): ActorContext | undefined =>
    header(c, apiKeyHeaders) === undefined ? undefined : actorOf(c);

  const statusCounts = async (
    context: ActorContext,
    requestUid: string,
  ): Promise<StatusCounts | undefined> => {
    try {
      const message = await service.getMessage(context, requestUid);
      const counts: StatusCounts = {
        queued: 0,
        deferred: 0,
        sending: 0,
        delivered: 0,
        failed: 0,
        'dead-lettered': 0,
      };
      if (message.status === 'queued' && message.attempts > 0) counts.deferred = 1;
      else counts[message.status] = 1;
      return counts;
    } catch (error) {
      if (!isGovBlocksError(error) || error.code !== 'MESSAGE_NOT_FOUND') throw error;
    }
    try {
      return (await service.getBatchStatus(context, requestUid)).counts;
    } catch (error) {
      if (isGovBlocksError(error) && error.code === 'BATCH_NOT_FOUND') return undefined;
      throw error;
    }
  };

  for (const base of basePaths) {
    app.post(`${base}/send/email/single`, async (c) => {
      const context = callerOf(c);
      const body = await bodyOf(c);
      if (!context || body === undefined || body === null) return methodNotAllowed('POST');
      const email = govstackEmailSchema.safeParse(body);
      if (!email.success) return methodNotAllowed('POST');
      const key = c.req.header('idempotency-key') ?? randomUUID();
      try {
        const message = await service.send(context, toSendInput(email.data, key));
        return accepted(c, message.id);
      } catch (error) {
        // The spec's only error answer for bad input is 405 "Invalid input".
        if (
          isGovBlocksError(error) &&
          (error.code === 'VALIDATION_FAILED' || error.code === 'MISSING_PERSONALISATION')
        ) {
          return methodNotAllowed('POST');
        }
        throw error;
      }
    });

    app.post(`${base}/send/email/batch`, async (c) => {
      const presented = callerOf(c);
      // The reference mock accepts a batch even without a key; so do we, in development mode only.
      if (!presented && !development) return methodNotAllowed('POST');
      const context: ActorContext = presented ?? {
        actor: { type: 'service', id: 'development', roles: [] },
        requestId: c.get('requestId'),
      };
      const body = await bodyOf(c);
      const key = c.req.header('idempotency-key') ?? randomUUID();
      if (body === undefined || body === null) {
        if (!development) return methodNotAllowed('POST');
        // Nothing to send: an empty batch, as the mock answers 200 to anything.
        const receipt = await service.sendBatch(
          context,
          { idempotencyKey: key, channel: 'email', content: { subject: '-', text: '-' } },
          [],
        );
        return accepted(c, receipt.batchId);
      }
      const batch = govstackBatchEmailSchema.safeParse(body);
      if (!batch.success) return methodNotAllowed('POST');
      let recipients: ReturnType<typeof govstackBatchRecipientsSchema.parse>;
      try {
        const decoded = JSON.parse(
          Buffer.from(batch.data.recipientInfo.batchEmailAsBase64, 'base64').toString('utf8'),
        );
        recipients = parse(govstackBatchRecipientsSchema, decoded, 'batchEmailAsBase64');
      } catch {
        return methodNotAllowed('POST');
      }
      const first = toSendInput(
        {
          ...batch.data,
          recipientInfo: { email: 'batch@invalid.example' },
          callback: batch.data.callbackURI ?? batch.data.callback,
        },
        key,
      );
      const { to: _to, personalisation: _personalisation, cc: _cc, bcc: _bcc, ...spec } = first;
      const mapped = function* (): Generator<BatchRecipient> {
        for (const { recipientInfo } of recipients) {
          const recipient: BatchRecipient = {
            to: recipientInfo.email,
            personalisation: recipientPersonalisation(recipientInfo),
          };
          const cc = recipientInfo.emailCC
            ?.split(',')
            .map((item) => item.trim())
            .filter(Boolean);
          const bcc = recipientInfo.emailBCC
            ?.split(',')
            .map((item) => item.trim())
            .filter(Boolean);
          if (cc?.length) recipient.cc = cc;
          if (bcc?.length) recipient.bcc = bcc;
          yield recipient;
        }
      };
      try {
        const receipt = await service.sendBatch(context, spec, mapped());
        return accepted(c, receipt.batchId);
      } catch (error) {
        if (
          isGovBlocksError(error) &&
          (error.code === 'VALIDATION_FAILED' || error.code === 'MISSING_PERSONALISATION')
        ) {
          return methodNotAllowed('POST');
        }
        throw error;
      }
    });

    app.get(`${base}/status/email`, async (c) => {
      const context = callerOf(c);
      const requestUid = header(c, requestUidHeaders);
      const raw = [...(c.req.queries('status[]') ?? []), ...(c.req.queries('status') ?? [])];
      if (!context || !requestUid || raw.length === 0) return methodNotAllowed('GET', '{}');
      const counts = await statusCounts(context, requestUid);
      const answer: Record<string, number> = {};
      for (const name of raw) answer[name] = govstackStatusCount(name, counts);
      return c.body(JSON.stringify(answer), 200, { 'content-type': jsonType });
    });

    app.post(`${base}/callback/email`, async (c) => {
      const context = callerOf(c);
      const requestUid = header(c, requestUidHeaders);
      const body = await bodyOf(c);
      if (!context || !requestUid || body === undefined || body === null)
        return methodNotAllowed('POST');
      await onCallback?.(context, { requestUid, body });
      return c.body('{}', 200, { 'content-type': jsonType });
    });

    for (const route of notAllowed) {
      app.on(route.methods, `${base}${route.path}`, (c) =>
        methodNotAllowed(route.allow, route.emptyBody.includes(c.req.method) ? '' : '{}'),
      );
    }
  }
  return app;
}
