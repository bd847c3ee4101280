import { memoryAuditSink, memoryIdempotencyStore } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll } from 'vitest';
import { createConsentService } from '../engine/consent-service.js';
import { memoryConsentStore } from '../engine/memory-store.js';
import { consentHttpApp } from '../http/consent-http-app.js';
import type { ConsentService } from '../ports.js';
import type { ConsentStore } from '../store.js';
import { describeConsentConformance } from '../testing/conformance.js';
import { govstackConsent } from './govstack-consent.js';

const apiKey = 'conformance-key-0123456789';

// One server for the file; each test swaps in a fresh engine behind it.
let current: { service: ConsentService } = { service: undefined as never };
const forwarding = new Proxy({} as ConsentService, {
  get: (_target, name) => (current.service as unknown as Record<PropertyKey, unknown>)[name],
});
let server: RunningServer;
let remote: ReturnType<typeof govstackConsent>;

beforeAll(async () => {
  const app = consentHttpApp(forwarding, {
    auth: { apiKeys: { keys: [{ key: apiKey, id: 'conformance', type: 'service' }] } },
    idempotency: memoryIdempotencyStore(),
  });
  server = await startServer(app, { port: 0 });
  remote = govstackConsent({ baseUrl: server.url, apiKey, retries: 0 });
});
afterAll(async () => {
  await remote?.close();
  await server?.close();
});

describeConsentConformance({
  name: 'remote adapter over the HTTP binding of the engine',
  skip: { personActors: 'the remote actor is whoever the API key authenticates' },
  async setup() {
    const store: ConsentStore = memoryConsentStore();
    const audit = memoryAuditSink();
    current = { service: createConsentService({ store, audit }) };
    return {
      service: remote,
      sibling: createConsentService({ store, audit: memoryAuditSink() }),
      auditEvents: () => audit.events,
      readRecord: (id) => store.getRecord(id),
    };
  },
});
