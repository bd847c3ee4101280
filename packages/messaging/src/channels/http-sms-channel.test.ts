import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChannelError } from '../errors.js';
import { describeChannel } from '../testing/channel-conformance.js';
import { httpSmsChannel } from './http-sms-channel.js';

/** A tiny SMS provider on loopback: dedupes by Idempotency-Key, refuses +999…, fails on demand. */
async function startProvider() {
  const received: Array<{ to: string; text: string; key: string }> = [];
  const seen = new Map<string, string>();
  let failNext = 0;
  let delayMs = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', async () => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const json = JSON.parse(body) as { msisdn: string; message: string };
      const key = String(request.headers['x-idempotency-key']);
      response.setHeader('content-type', 'application/json');
      if (failNext > 0) {
        failNext -= 1;
        response.writeHead(503).end('{"error":"busy"}');
        return;
      }
      if (json.msisdn.startsWith('+999')) {
        response.writeHead(400).end('{"error":"invalid number"}');
        return;
      }
      let id = seen.get(key);
      if (!id) {
        id = `sms-${seen.size + 1}`;
        seen.set(key, id);
        received.push({ to: json.msisdn, text: json.message, key });
      }
      response.writeHead(201).end(JSON.stringify({ messageId: id }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  return {
    url,
    received,
    failNext: (count = 1) => {
      failNext = count;
    },
    delay: (ms: number) => {
      delayMs = ms;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let provider: Awaited<ReturnType<typeof startProvider>>;
const mapping = {
  mapRequest: (message: { to: string; text: string; idempotencyKey: string }) => ({
    body: { msisdn: message.to, message: message.text },
    headers: { 'x-idempotency-key': message.idempotencyKey },
  }),
};

describeChannel('http sms (configurable mapping → local provider)', {
  recipient: '+15551234567',
  refusedRecipient: '+9991234567',
  async setup() {
    provider = await startProvider();
    return httpSmsChannel({
      url: provider.url,
      headers: { authorization: 'Bearer test' },
      ...mapping,
    });
  },
  async received() {
    return provider.received
      .splice(0)
      .map((item) => ({ to: item.to, text: item.text, idempotencyMark: item.key }));
  },
  failNextTemporarily: () => provider.failNext(),
  teardown: () => provider.close(),
});

describe('httpSmsChannel', () => {
  it('flags a timeout as maybe-accepted and retryable', async () => {
    const local = await startProvider();
    try {
      local.delay(300);
      const channel = httpSmsChannel({ url: local.url, timeoutMs: 50, ...mapping });
      const error = await channel
        .send({
          id: 'm1',
          idempotencyKey: 'k1',
          kind: 'sms',
          to: '+15551234567',
          text: 'hi',
          attempt: 1,
        })
        .catch((caught: unknown) => caught);
      expect(ChannelError.is(error)).toBe(true);
      expect(error).toMatchObject({ retryable: true, extensions: { maybeAccepted: true } });
    } finally {
      await local.close();
    }
  });
});
