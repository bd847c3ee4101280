import { manualClock } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll } from 'vitest';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { registriesHttpApp } from '../http/registries-app.js';
import { createRegistry } from '../registry/engine.js';
import { memoryRegistryStore } from '../registry/memory-store.js';
import type { Registry } from '../registry/ports.js';
import { describeRegistryConformance } from '../testing/index.js';
import { govstackRegistry } from './registry-remote.js';

// The round trip: remote adapter → HTTP binding → engine passes the same kit as the engine.
let current: Registry;
const forwarding = new Proxy({} as Registry, {
  get: (_target, name) => {
    const value = current[name as keyof Registry];
    return typeof value === 'function'
      ? (value as (...args: unknown[]) => unknown).bind(current)
      : value;
  },
});
let server: RunningServer;

beforeAll(async () => {
  server = await startServer(registriesHttpApp(forwarding), { port: 0 });
});
afterAll(() => server?.close());

describeRegistryConformance({
  name: 'remote over the HTTP binding',
  async setup() {
    const clock = manualClock();
    const audit = memoryAuditTrail({ clock });
    current = createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit, clock });
    return govstackRegistry({
      baseUrl: server.url,
      informationMediatorClient: 'eGovStack/GOV/90000009/digitalregistries',
      retries: 0,
    });
  },
  skip: {
    personalDataUsage:
      'the remote authenticates the adapter, not each call’s actor, so a person’s own reads look like the adapter’s',
  },
});
