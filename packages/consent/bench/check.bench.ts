/**
 * check() — the hot path — against a raw indexed SELECT of the same consent record row, on
 * the memory store, embedded PGlite and (with DATABASE_URL) PostgreSQL; and the HTTP binding's
 * check endpoint against a bare Hono handler answering the same JSON.
 *
 * Knobs: BENCH_TIME (ms per task, default 1000), BENCH_INDIVIDUALS (rows seeded, default 2000).
 */
import { randomBytes } from 'node:crypto';
import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { createHttpApp, type RunningServer, sendJson, startServer } from '@govblocks/core/http';
import { createPgliteClient, createPostgresClient, type SqlClient } from '@govblocks/core/sql';
import { Hono } from 'hono';
import { Pool } from 'undici';
import { type Comparison, defineBench } from '../../../tools/bench/harness.js';
import { createConsentService } from '../src/engine/consent-service.js';
import { memoryConsentStore } from '../src/engine/memory-store.js';
import { consentHttpApp } from '../src/http/consent-http-app.js';
import type { ConsentService } from '../src/ports.js';
import { sqlConsentStore } from '../src/sql/sql-store.js';
import type { ConsentStore } from '../src/store.js';
import { exampleAgreement, examplePolicy } from '../src/testing/conformance.js';

const time = Number(process.env.BENCH_TIME ?? 1000);
const individuals = Number(process.env.BENCH_INDIVIDUALS ?? 2000);
const operator: ActorContext = { actor: { type: 'operator', id: 'bench', roles: [] } };

async function seed(store: ConsentStore) {
  const service = createConsentService({ store, audit: memoryAuditSink() });
  const { policy } = await service.createPolicy(operator, examplePolicy);
  const { dataAgreement } = await service.createDataAgreement(
    operator,
    exampleAgreement(policy.id),
  );
  let target = '';
  for (let index = 0; index < individuals; index++) {
    const { individual } = await service.createIndividual(operator, {
      externalId: `bench-${index}`,
    });
    await service.createConsentRecord(operator, {
      individualId: individual.id,
      dataAgreementId: dataAgreement.id,
      optIn: index % 3 !== 0,
    });
    if (index === Math.floor(individuals / 2)) target = individual.id;
  }
  return { service, input: { individualId: target, dataAgreementId: dataAgreement.id } };
}

function sqlComparison(kind: 'pglite' | 'postgres'): Comparison {
  let client: SqlClient;
  let schema: string | undefined;
  let service: ConsentService;
  let input: { individualId: string; dataAgreementId: string };
  return {
    name: `check() on ${kind} vs a raw indexed SELECT of the same row (${individuals} records)`,
    time,
    async setup() {
      if (kind === 'pglite') client = await createPgliteClient();
      else {
        schema = `gb_bench_${randomBytes(4).toString('hex')}`;
        const admin = await createPostgresClient({
          url: process.env.DATABASE_URL as string,
          max: 1,
        });
        await admin.execute(`create schema ${schema}`);
        await admin.close();
        client = await createPostgresClient({
          url: process.env.DATABASE_URL as string,
          schema,
          max: 4,
        });
      }
      const store = await sqlConsentStore(client);
      ({ service, input } = await seed(store));
      await client.execute('analyze');
    },
    async teardown() {
      if (schema) await client.execute(`drop schema ${schema} cascade`);
      await client.close();
    },
    baseline: {
      name: 'select data from consent_records where individual_id = $1 and data_agreement_id = $2 … limit 1',
      fn: () =>
        client.query(
          'select data from consent_records where individual_id = $1 and data_agreement_id = $2 order by created_at desc, id desc limit 1',
          [input.individualId, input.dataAgreementId],
        ),
    },
    subject: { name: 'consent.check()', fn: () => service.check(operator, input) },
    target: { ratio: 0.5 },
  };
}

let memory: {
  service: ConsentService;
  store: ConsentStore;
  input: { individualId: string; dataAgreementId: string };
};
const memoryComparison: Comparison = {
  name: `check() on the memory store vs reading the same record from the store (${individuals} records)`,
  time,
  async setup() {
    const store = memoryConsentStore();
    memory = { store, ...(await seed(store)) };
  },
  baseline: {
    name: 'store.checkCandidates() (the raw read)',
    fn: () =>
      memory.store.checkCandidates(memory.input.individualId, {
        dataAgreementId: memory.input.dataAgreementId,
      }),
  },
  subject: { name: 'consent.check()', fn: () => memory.service.check(operator, memory.input) },
  target: { ratio: 0.5 },
};

let http: {
  binding: { fetch: (request: Request) => Response | Promise<Response> };
  bare: Hono;
  kit: { fetch: (request: Request) => Response | Promise<Response> };
  url: string;
  body: string;
};
const httpComparison: Comparison = {
  name: 'HTTP check endpoint (auth, ids, problem+json kit, engine on memory) vs a bare Hono handler with the same JSON',
  time,
  async setup() {
    const store = memoryConsentStore();
    const { service, input } = await seed(store);
    const binding = consentHttpApp(service, {
      auth: { apiKeys: { keys: [{ key: 'bench-key-0123456789', id: 'bench' }] } },
    });
    const url = `http://consent.bench/service/verification/check/?individualId=${input.individualId}&dataAgreementId=${input.dataAgreementId}`;
    const body = JSON.stringify(await service.check(operator, input));
    const bare = new Hono();
    bare.get('/service/verification/check/', (c) =>
      c.body(body, 200, { 'content-type': 'application/json; charset=utf-8' }),
    );
    // The same handler inside core's HTTP kit with the same API-key auth: what the kit costs by itself.
    const kit = createHttpApp({
      name: 'bench',
      auth: { apiKeys: { keys: [{ key: 'bench-key-0123456789', id: 'bench' }] } },
    });
    kit.get('/service/verification/check/', (c) => sendJson(c, JSON.parse(body)));
    http = { binding, bare, kit, url, body };
  },
  baseline: {
    name: 'bare Hono handler',
    fn: async () => (await http.bare.fetch(new Request(http.url))).text(),
  },
  subject: {
    name: 'consentHttpApp GET /service/verification/check/',
    fn: async () =>
      (
        await http.binding.fetch(
          new Request(http.url, { headers: { 'x-api-key': 'bench-key-0123456789' } }),
        )
      ).text(),
  },
  target: { ratio: 0.5 },
};

const kitComparison: Comparison = {
  name: "HTTP check endpoint vs the same JSON from a handler in core's HTTP kit with the same auth (the binding's own cost)",
  time,
  baseline: {
    name: 'createHttpApp handler',
    fn: async () =>
      (
        await http.kit.fetch(
          new Request(http.url, { headers: { 'x-api-key': 'bench-key-0123456789' } }),
        )
      ).text(),
  },
  subject: httpComparison.subject,
  target: { ratio: 0.5 },
};

let sockets: { servers: RunningServer[]; bare: Pool; binding: Pool; path: string };
const socketComparison: Comparison = {
  name: 'HTTP check endpoint vs a bare Hono handler, over real sockets (keep-alive, one connection each)',
  time,
  async setup() {
    const [bareServer, bindingServer] = await Promise.all([
      startServer(http.bare),
      startServer(http.binding),
    ]);
    const path = new URL(http.url).pathname + new URL(http.url).search;
    sockets = {
      servers: [bareServer, bindingServer],
      bare: new Pool(bareServer.url, { connections: 1 }),
      binding: new Pool(bindingServer.url, { connections: 1 }),
      path,
    };
  },
  async teardown() {
    await Promise.all([sockets.bare.close(), sockets.binding.close()]);
    await Promise.all(sockets.servers.map((server) => server.close()));
  },
  baseline: {
    name: 'bare Hono handler on @hono/node-server',
    fn: async () => (await sockets.bare.request({ method: 'GET', path: sockets.path })).body.text(),
  },
  subject: {
    name: 'consentHttpApp on startServer',
    fn: async () =>
      (
        await sockets.binding.request({
          method: 'GET',
          path: sockets.path,
          headers: { 'x-api-key': 'bench-key-0123456789' },
        })
      ).body.text(),
  },
  target: { ratio: 0.5 },
};

export default defineBench(
  memoryComparison,
  sqlComparison('pglite'),
  ...(process.env.DATABASE_URL ? [sqlComparison('postgres')] : []),
  httpComparison,
  kitComparison,
  socketComparison,
);
