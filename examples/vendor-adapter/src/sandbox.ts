/**
 * A stand-in for Acme's sandbox: the small HTTP API that AcmePay (mobile money) and AcmeSMS
 * expose to integrators. A real vendor runs the conformance kits against their own sandbox;
 * this one runs on loopback so the tests need no network.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SandboxTransfer {
  id: string;
  idempotencyKey: string;
  amount: number;
  currency: string;
  msisdn: string;
  status: 'completed' | 'rejected';
  reason?: string;
}

export interface SandboxSms {
  id: string;
  idempotencyKey: string;
  to: string;
  text: string;
}

export interface AcmeSandbox {
  baseUrl: string;
  apiKey: string;
  readonly transfers: ReadonlyMap<string, SandboxTransfer>;
  /** SMS accepted since the last call (then forgotten). */
  takeSms(): SandboxSms[];
  /** The next request is answered 503 (a temporary outage). */
  failNext(): void;
  close(): Promise<void>;
}

/** Numbers the sandbox refuses permanently. */
export const refusedNumber = '+10000000000';

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body ? (JSON.parse(body) as Record<string, unknown>) : {};
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Starts the sandbox on 127.0.0.1 (a free port). */
export async function startAcmeSandbox(): Promise<AcmeSandbox> {
  const apiKey = 'sandbox-key';
  const transfers = new Map<string, SandboxTransfer>();
  const sms = new Map<string, SandboxSms>();
  let inbox: SandboxSms[] = [];
  let failures = 0;
  let counter = 0;

  const server = createServer(async (request, response) => {
    if (request.headers['x-api-key'] !== apiKey)
      return send(response, 401, { error: 'unauthorised' });
    if (failures > 0) {
      failures -= 1;
      return send(response, 503, { error: 'maintenance' });
    }
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const key = String(request.headers['idempotency-key'] ?? '');
    if (request.method === 'POST' && url.pathname === '/v1/transfers') {
      const body = await readJson(request);
      // Same key, same transfer: the lookup and insert happen without an await in between.
      const known = transfers.get(key);
      if (known) return send(response, 200, known);
      counter += 1;
      const msisdn = String(body.msisdn);
      const transfer: SandboxTransfer = {
        id: `ACME-T-${counter}`,
        idempotencyKey: key,
        amount: Number(body.amount),
        currency: String(body.currency),
        msisdn,
        status: msisdn === refusedNumber ? 'rejected' : 'completed',
        ...(msisdn === refusedNumber ? { reason: 'WALLET_CLOSED' } : {}),
      };
      transfers.set(key, transfer);
      return send(response, 201, transfer);
    }
    const match = /^\/v1\/transfers\/(.+)$/.exec(url.pathname);
    if (request.method === 'GET' && match) {
      const transfer = transfers.get(decodeURIComponent(match[1] ?? ''));
      return transfer ? send(response, 200, transfer) : send(response, 404, { error: 'not_found' });
    }
    if (request.method === 'POST' && url.pathname === '/v1/sms') {
      const body = await readJson(request);
      const to = String(body.to);
      if (to === refusedNumber) return send(response, 422, { error: 'number_not_reachable' });
      const known = sms.get(key);
      counter += 1;
      const message = known ?? {
        id: `ACME-S-${counter}`,
        idempotencyKey: key,
        to,
        text: String(body.text),
      };
      if (!known) sms.set(key, message);
      // The inbox shows every delivery attempt the sandbox accepted, with the key it carried.
      inbox.push(message);
      return send(response, 202, { id: message.id });
    }
    return send(response, 404, { error: 'no_route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    transfers,
    takeSms() {
      const taken = inbox;
      inbox = [];
      return taken;
    },
    failNext() {
      failures += 1;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
