import { type RunningServer, startServer } from '@govblocks/core/http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataConsumer } from '../testing/conformance.js';
import { govstackConsent } from './govstack-consent.js';

describe('govstackConsent against a foreign server', () => {
  let server: RunningServer;
  const seen: Array<Record<string, string>> = [];
  beforeAll(async () => {
    const app = new Hono();
    app.get('/service/verification/check/', (c) => {
      seen.push(Object.fromEntries(c.req.raw.headers));
      return c.json({ allowed: 'yes' });
    });
    app.get('/config/policies/', (c) =>
      // A product that answers GovStack's minimal Policy shape (no govblocks bookkeeping).
      c.json({ policies: [{ id: '1', name: 'P', version: '1.0', url: 'https://example.com/p' }] }),
    );
    app.get('/config/policy/:id/', (c) =>
      c.json({ type: 'about:blank', title: 'Not Found', status: 404, code: 'NOT_FOUND' }, 404, {
        'content-type': 'application/problem+json',
      }),
    );
    server = await startServer(app, { port: 0 });
  });
  afterAll(() => server?.close());

  it('sends the Information Mediator client and ids, and refuses a malformed answer', async () => {
    const consent = govstackConsent({
      baseUrl: server.url,
      apiKey: 'remote-key-0123456789',
      informationMediatorClient: 'eGovStack/GOV/90000009/health-app',
      retries: 0,
    });
    await expect(
      consent.check(
        { ...dataConsumer, requestId: 'req-1', correlationId: 'corr-1' },
        { individualId: 'a', dataAgreementId: 'b' },
      ),
    ).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
    expect(seen[0]).toMatchObject({
      'information-mediator-client': 'eGovStack/GOV/90000009/health-app',
      'x-api-key': 'remote-key-0123456789',
      'x-request-id': 'req-1',
      'x-correlation-id': 'corr-1',
    });
    await expect(consent.getPolicy(dataConsumer, { policyId: '7' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    await consent.close();
  });

  it('maps an unreachable service to UNAVAILABLE', async () => {
    const consent = govstackConsent({
      baseUrl: 'http://127.0.0.1:9',
      retries: 0,
      timeoutMs: 2_000,
    });
    await expect(consent.listPolicies(dataConsumer)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await consent.close();
  });
});

describe('govstackConsent reading GovStack-shaped answers', () => {
  it('reads a minimal GovStack Policy, DataAgreement and ConsentRecord', async () => {
    const app = new Hono();
    app.get('/config/policies/', (c) =>
      c.json({
        policies: [
          { id: '1', name: 'P', version: '1.0', url: 'https://example.com/p', jurisdiction: null },
        ],
      }),
    );
    app.get('/config/data-agreement/:id/', (c) =>
      c.json({
        dataAgreement: {
          id: '1',
          version: '1.0',
          controller: { id: '1', name: 'Ministry of Health', url: 'https://example.com/' },
          policy: { id: '1' },
          purpose: 'Registration in Health App',
          lawfulBasis: 'Consent',
          dpia: 'DPIA',
          active: true,
          forgettable: null,
          lifecycle: { id: '2', name: 'Complete' },
        },
        revision: {
          id: '3',
          schemaName: 'DataAgreement',
          objectId: '1',
          number: 2,
          signedWithoutObjectId: false,
          serializedSnapshot: '{}',
          serializedHash: 'a'.repeat(64),
          timestamp: '2023-10-31T21:53:59.411Z',
          authorizedByIndividual: null,
          authorizedByOther: 'admin',
          successorId: null,
          predecessorHash: null,
          predecessorSignature: null,
          signature: null,
          deleted: false,
        },
      }),
    );
    const server = await startServer(app, { port: 0 });
    const consent = govstackConsent({ baseUrl: server.url, retries: 0 });
    try {
      const policies = await consent.listPolicies(dataConsumer);
      expect(policies).toMatchObject({
        total: 1,
        items: [{ id: '1', name: 'P', revisionNumber: 1 }],
      });
      const { dataAgreement } = await consent.getDataAgreement(dataConsumer, {
        dataAgreementId: '1',
      });
      expect(dataAgreement).toMatchObject({
        id: '1',
        policyId: '1',
        lifecycle: 'complete',
        lawfulBasis: 'consent',
        attributes: [],
      });
    } finally {
      await consent.close();
      await server.close();
    }
  });
});
