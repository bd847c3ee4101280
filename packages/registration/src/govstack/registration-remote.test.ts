import { createHash, randomUUID } from 'node:crypto';
import type { ActorContext } from '@govblocks/core';
import { UnauthorizedError } from '@govblocks/core';
import { createHttpApp, type RunningServer, sendJson, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryRegistryFixture } from '../../test/memory-registry.js';
import { memoryAuditTrail } from '../audit/audit-reader.js';
import { registrationHttpApp } from '../http/registration-app.js';
import { exactIdentifierDedup } from '../registration/dedup.js';
import { memoryDocumentStore } from '../registration/document-stores.js';
import { createRegistrationService } from '../registration/engine.js';
import { memoryFeeCollector } from '../registration/fee-collector.js';
import { memoryRegistrationStore } from '../registration/memory-store.js';
import type { RegistrationEvent, RegistrationService } from '../registration/ports.js';
import {
  conformanceAdmin,
  conformanceBirthService,
  conformanceClerk,
  conformanceOtherParent,
  conformanceParent,
  describeRegistrationConformance,
} from '../testing/index.js';
import { govstackRegistrationService } from './registration-remote.js';

// The round trip: remote adapter → HTTP binding → engine passes the same kit as the engine.
// Each call carries the acting party's own bearer token; the binding verifies it (here against
// a table of issued tokens, standing in for an identity provider) and derives the actor from the
// claims, so applicant isolation and operator roles are decided by the server.
let current: RegistrationService;
const forwarding = new Proxy({} as RegistrationService, {
  get: (_target, name) => {
    const value = current[name as keyof RegistrationService];
    return typeof value === 'function'
      ? (value as (...args: unknown[]) => unknown).bind(current)
      : value;
  },
});

const issued = new Map<string, Record<string, unknown>>();
/** Issues an access token for an actor, as an identity provider would after a login. */
function tokenFor(context: ActorContext): string {
  const token = randomUUID();
  const { actor } = context;
  issued.set(token, {
    sub: actor.onBehalfOf ?? actor.id,
    ...(actor.onBehalfOf ? { act: { sub: actor.id } } : {}),
    roles: actor.roles,
    actor_type: actor.type,
  });
  return token;
}

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(
    registrationHttpApp(forwarding, {
      auth: {
        bearer: {
          async verify(token) {
            const claims = issued.get(token);
            if (!claims) throw new UnauthorizedError('unknown token');
            return claims;
          },
        },
      },
    }),
    { port: 0 },
  );
});
afterAll(() => server?.close());

function engine() {
  const { clock, audit, registry } = memoryRegistryFixture();
  const fees = memoryFeeCollector({ clock });
  current = createRegistrationService({
    store: memoryRegistrationStore(),
    registry,
    audit,
    clock,
    documents: memoryDocumentStore(),
    dedup: [exactIdentifierDedup({ fields: ['/child/nationalId'] })],
    fees,
  });
  return { registry, audit, fees };
}

/** A system allowed to run reconcile() over HTTP. */
const operations: ActorContext = {
  actor: { type: 'service', id: 'scheduler', roles: ['registration.operations'] },
};

const remote = (options: { extensions?: boolean } = {}) =>
  govstackRegistrationService({
    baseUrl: server.url,
    informationMediatorClient: 'eGovStack/GOV/90000009/eregistrations-dev',
    credentials: (context) => ({ authorization: `Bearer ${tokenFor(context)}` }),
    retries: 0,
    ...options,
  });

describeRegistrationConformance({
  name: 'remote over the HTTP binding (engine on memory)',
  async setup() {
    const { registry, fees } = engine();
    return { service: remote(), registry, fees };
  },
});

describe('govstackRegistrationService over the binding', () => {
  /** A fresh engine behind the binding, the birth service (no documents), a parent's draft. */
  async function birthDraft() {
    const { registry, audit } = engine();
    await registry.defineRegistry(conformanceAdmin, {
      name: 'births',
      version: '1.0',
      schema: { type: 'object' },
    });
    const service = remote();
    await service.defineService(conformanceAdmin, {
      ...conformanceBirthService,
      requiredDocuments: [],
    });
    const draft = await service.createApplication(conformanceParent, {
      service: 'birth-registration',
      formData: { child: { firstName: 'A', lastName: 'B', birthDate: '2025-01-01' } },
    });
    return { service, draft, audit };
  }

  it('acts as the party whose token it sends: the audit trail names the person, not the adapter', async () => {
    const { service, draft, audit } = await birthDraft();
    const created = audit.events.find((event) => event.action === 'application.created');
    expect(created?.actor).toMatchObject({ type: 'person', id: 'parent-1' });
    // A token for someone else cannot reach the application, whatever the adapter is asked.
    await expect(service.getApplication(conformanceOtherParent, draft.id)).rejects.toMatchObject({
      code: 'APPLICATION_NOT_FOUND',
      status: 404,
    });
    expect(audit.events.at(-1)).toMatchObject({
      action: 'application.access.denied',
      actor: { id: 'parent-2' },
    });
  });

  it('lets only a system name the applicant it acts for, not an operator', async () => {
    const { service, draft } = await birthDraft();
    await service.submit(conformanceParent, draft.id);
    const withdraw = (token: string) =>
      fetch(`${server.url}/govblocks/v1/applications/${draft.id}/withdraw`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ applicantId: 'parent-1' }),
      });
    const clerk = await withdraw(tokenFor(conformanceClerk));
    expect(clerk.status).toBe(403);
    expect((await service.getApplication(conformanceParent, draft.id)).status).toBe('submitted');
    const portal: ActorContext = { actor: { type: 'service', id: 'portal', roles: [] } };
    expect((await withdraw(tokenFor(portal))).status).toBe(200);
  });

  it('refuses calls without a valid credential', async () => {
    engine();
    const anonymous = govstackRegistrationService({
      baseUrl: server.url,
      credentials: () => ({ authorization: 'Bearer not-issued' }),
      retries: 0,
    });
    await expect(anonymous.listServices(conformanceParent)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
    });
  });

  it('answers NOT_SUPPORTED for extension calls when extensions are switched off', async () => {
    engine();
    const govstackOnly = remote({ extensions: false });
    for (const call of [
      () => govstackOnly.defineService(conformanceAdmin, conformanceBirthService),
      () => govstackOnly.updateApplication(conformanceParent, 'x', {}),
      () => govstackOnly.withdraw(conformanceParent, 'x'),
      () => govstackOnly.giveFeedback(conformanceParent, 'x', { rating: 5 }),
      () => govstackOnly.claimTask(conformanceClerk, 'x'),
      () =>
        govstackOnly.confirmPayment(conformanceAdmin, {
          billId: 'x.fee',
          amount: { amount: 100, currency: 'EUR' },
          reference: 'r',
        }),
      () => govstackOnly.getDocument(conformanceParent, 'x', 'y'),
      () => govstackOnly.reconcile(operations),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
    }
    // The GovStack routes still work.
    expect(await govstackOnly.listServices(conformanceParent)).toEqual([]);
  });

  it('runs the engine’s reconcile() for a system with registration.operations only', async () => {
    const received: RegistrationEvent[] = [];
    let down = true;
    current = createRegistrationService({
      store: memoryRegistrationStore(),
      audit: memoryAuditTrail(),
      events: {
        async publish(event) {
          if (down) throw new Error('broker down');
          received.push(event);
        },
      },
    });
    const service = remote();
    const { registry: _none, ...withoutRegistry } = conformanceBirthService;
    await service.defineService(conformanceAdmin, { ...withoutRegistry, requiredDocuments: [] });
    const draft = await service.createApplication(conformanceParent, {
      service: 'birth-registration',
      formData: {},
    });
    expect(received).toEqual([]);
    for (const refused of [conformanceParent, conformanceClerk]) {
      await expect(service.reconcile(refused)).rejects.toMatchObject({
        code: 'FORBIDDEN',
        status: 403,
      });
    }
    down = false;
    expect(await service.reconcile(operations, { limit: 10 })).toEqual({
      completed: 0,
      failed: [],
      events: { delivered: 1, failed: [] },
    });
    expect(received.map((event) => [event.type, event.applicationId])).toEqual([
      ['application.created', draft.id],
    ]);
  });

  it('checks input before sending it', async () => {
    engine();
    await expect(
      remote().completeTask(conformanceClerk, 'x', { decision: 'approve', reason: '' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      remote().createApplication(conformanceParent, { service: 'x', extra: 1 } as never),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('govstackRegistrationService against a GovStack-only product', () => {
  // A product that answers GovStack's shapes only: no `govblocks` members, no extension routes.
  let product: RunningServer;
  const pdf = new TextEncoder().encode('%PDF-1.7 product');
  beforeAll(async () => {
    const app = createHttpApp({ name: 'product', logger: { warn() {}, error() {} } });
    app.post('/documents', (c) =>
      sendJson(c, { code: 0, type: 'application/pdf', message: 'stored', url: '/files/doc-9' }),
    );
    app.get('/applications/:fileId/documents/:documentId', (c) =>
      c.body(pdf, 200, {
        'content-type': 'application/pdf',
        'content-disposition': 'attachment; filename="scan.pdf"',
      }),
    );
    app.post('/govblocks/v1/tasks/:taskId/claim', () => {
      throw new Error('boom');
    });
    // A remote that is itself an adapter to a GovStack-only product.
    app.post('/govblocks/v1/applications/:fileId/feedback', (c) =>
      c.body(
        JSON.stringify({ type: 'about:blank', status: 501, code: 'NOT_SUPPORTED', title: 'x' }),
        501,
        { 'content-type': 'application/problem+json' },
      ),
    );
    product = await startServer(app, { port: 0 });
  });
  afterAll(() => product?.close());

  const adapter = () =>
    govstackRegistrationService({
      baseUrl: product.url,
      informationMediatorClient: 'eGovStack/GOV/90000009/eregistrations-dev',
      retries: 0,
    });

  it('builds document references from what it sent and what it read', async () => {
    const ref = await adapter().uploadDocument(conformanceParent, 'file-1', {
      key: 'medical-certificate',
      fileName: 'cert.pdf',
      contentType: 'application/pdf',
      content: pdf,
    });
    expect(ref).toMatchObject({
      id: 'doc-9',
      key: 'medical-certificate',
      size: pdf.byteLength,
      sha256: createHash('sha256').update(pdf).digest('hex'),
    });
    const fetched = await adapter().getDocument(conformanceParent, 'file-1', 'doc-9');
    expect([...fetched.content]).toEqual([...pdf]);
    expect(fetched.ref).toMatchObject({
      id: 'doc-9',
      fileName: 'scan.pdf',
      contentType: 'application/pdf',
      sha256: ref.sha256,
    });
  });

  it('tells a missing extension route from a failing one', async () => {
    await expect(adapter().withdraw(conformanceParent, 'file-1')).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
    });
    await expect(
      adapter().giveFeedback(conformanceParent, 'file-1', { rating: 2 }),
    ).rejects.toMatchObject({ code: 'NOT_SUPPORTED', status: 501 });
    await expect(adapter().claimTask(conformanceClerk, 'task-1')).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
    });
    await expect(adapter().reconcile(conformanceAdmin)).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
    });
  });
});
