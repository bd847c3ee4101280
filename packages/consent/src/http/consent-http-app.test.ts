import { memoryAuditSink, uuidv7Generator } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConsentService } from '../engine/consent-service.js';
import { memoryConsentStore } from '../engine/memory-store.js';
import { queuedIds, seedGovstackFixtures } from '../govstack/fixtures.js';
import type { ConsentService } from '../ports.js';
import { exampleAgreement, examplePolicy, operator } from '../testing/conformance.js';
import { consentHttpApp } from './consent-http-app.js';

const apiKey = 'http-test-key-0123456789';

describe('consentHttpApp', () => {
  let service: ConsentService;
  let app: ReturnType<typeof consentHttpApp>;
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.fetch(
      new Request(`http://consent.test${path}`, {
        method,
        headers: {
          'x-api-key': apiKey,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined
          ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
          : {}),
      }),
    );

  beforeEach(() => {
    service = createConsentService({ store: memoryConsentStore(), audit: memoryAuditSink() });
    app = consentHttpApp(service, {
      auth: { apiKeys: { keys: [{ key: apiKey, id: 'test-client' }] } },
      bodyLimitBytes: 64 * 1024,
    });
  });

  const seed = async () => {
    const { policy } = await service.createPolicy(operator, examplePolicy);
    const { dataAgreement } = await service.createDataAgreement(
      operator,
      exampleAgreement(policy.id),
    );
    const { individual } = await service.createIndividual(operator, { externalId: '12345678' });
    return { policy, dataAgreement, individual };
  };

  it('serves the spec paths with and without the trailing slash, as JSON', async () => {
    const created = await call('POST', '/config/policy/', { policy: examplePolicy });
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const { policy, revision } = (await created.json()) as {
      policy: { id: string };
      revision: { serializedHash: string };
    };
    expect(revision.serializedHash).toMatch(/^[0-9a-f]{64}$/);
    for (const path of [
      `/config/policy/${policy.id}/`,
      `/config/policy/${policy.id}`,
      `/service/policy/${policy.id}/`,
    ]) {
      const read = await call('GET', path);
      expect(read.status).toBe(200);
      expect(((await read.json()) as { policy: { id: string } }).policy.id).toBe(policy.id);
    }
    const list = (await (await call('GET', '/config/policies/?limit=10')).json()) as {
      policies: unknown[];
      pagination: unknown;
    };
    expect(list).toMatchObject({
      policies: [{ id: policy.id }],
      pagination: { offset: 0, limit: 10, total: 1 },
    });
  });

  it('answers problem+json for bad input, unknown routes, missing credentials and oversized bodies', async () => {
    const unknownField = await call('POST', '/config/policy/', {
      policy: { ...examplePolicy, colour: 'blue' },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await unknownField.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect((await call('POST', '/config/policy/', '{not json')).status).toBe(400);
    expect(
      (await call('POST', '/config/policy/', { policy: examplePolicy, extra: true })).status,
    ).toBe(400);
    expect((await call('GET', '/config/policies/?limit=0')).status).toBe(400);
    expect(await (await call('GET', '/config/nothing/')).json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect((await call('GET', '/config/policy/missing/')).status).toBe(404);
    const anonymous = await app.fetch(new Request('http://consent.test/config/policies/'));
    expect(anonymous.status).toBe(401);
    const big = await call('POST', '/config/policy/', {
      policy: { ...examplePolicy, name: 'x'.repeat(100_000) },
    });
    expect(big.status).toBe(413);
    expect((await service.listPolicies(operator)).total).toBe(0);
  });

  it('accepts GovStack spellings of a data agreement and answers with both spellings of relations', async () => {
    const { policy } = await service.createPolicy(operator, examplePolicy);
    const response = await call('POST', '/config/data-agreement/', {
      dataAgreement: {
        version: '1.0',
        controller: { name: 'Ministry of Health', url: 'https://example.com/' },
        policy: policy.id,
        purpose: 'Registration in Health App',
        lawfulBasis: 'Consent',
        dataUse: 'data_source',
        dpia: 'DPIA',
        active: true,
        forgettable: null,
        compatibleWithVersion: null,
        lifecycle: { name: 'Complete' },
        signature: null,
      },
    });
    expect(response.status).toBe(200);
    const { dataAgreement } = (await response.json()) as { dataAgreement: Record<string, unknown> };
    expect(dataAgreement).toMatchObject({
      policy: policy.id,
      policyId: policy.id,
      lifecycle: 'complete',
      lawfulBasis: 'consent',
    });
    const listed = (await (await call('GET', '/config/data-agreements/')).json()) as Record<
      string,
      unknown[]
    >;
    expect(listed.dataAgreement).toHaveLength(1);
    expect(listed.dataAgreements).toHaveLength(1);
  });

  it('takes the individual from the query or a header, and checks on the hot path', async () => {
    const { dataAgreement, individual } = await seed();
    const created = await call(
      'POST',
      `/service/individual/record/data-agreement/${dataAgreement.id}/`,
      undefined,
      {
        individualId: individual.id,
      },
    );
    expect(created.status).toBe(200);
    const { consentRecord } = (await created.json()) as { consentRecord: Record<string, unknown> };
    expect(consentRecord).toMatchObject({
      optIn: true,
      individual: individual.id,
      dataAgreement: dataAgreement.id,
    });
    const byQuery = await call(
      'GET',
      `/service/individual/record/data-agreement/${dataAgreement.id}/?individualId=${individual.id}`,
    );
    expect(((await byQuery.json()) as { consentRecord: { id: string } }).consentRecord.id).toBe(
      consentRecord.id,
    );
    expect((await call('GET', `/service/individual/record/consent-record/`)).status).toBe(400);

    const check = await call(
      'GET',
      `/service/verification/check/?individualId=${individual.id}&dataAgreementId=${dataAgreement.id}&attributes=identity`,
    );
    expect(check.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await check.json()).toMatchObject({
      allowed: true,
      reason: 'OPTED_IN',
      consentRecordId: consentRecord.id,
    });

    const stale = await call(
      'PUT',
      `/service/individual/record/consent-record/${consentRecord.id}/?individualId=${individual.id}`,
      { consentRecord: { optIn: false } },
      { 'if-match': '"7"' },
    );
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: 'CONSENT_CONCURRENT_UPDATE' });
    const readOnly = await call(
      'PUT',
      `/service/individual/record/consent-record/${consentRecord.id}/?individualId=${individual.id}`,
      { consentRecord: { optIn: false, dataAgreementRevisionHash: 'forged' } },
    );
    expect(readOnly.status).toBe(200); // relation and bookkeeping fields are ignored, not applied
    const withdrawn = await call(
      'PUT',
      `/service/individual/record/consent-record/${consentRecord.id}/?individualId=${individual.id}`,
      { consentRecord: { optIn: false, colour: 'blue' } },
      { 'if-match': '"2"' },
    );
    expect(withdrawn.status).toBe(400);
    const guard = await call('POST', '/service/verification/require-consent/', {
      individual: individual.id,
      purpose: 'Registration in Health App',
    });
    expect(guard.status).toBe(403);
    expect(await guard.json()).toMatchObject({ code: 'CONSENT_REQUIRED', reason: 'WITHDRAWN' });
  });

  it('stores a consent record paired with a signature (the pre-registration flow)', async () => {
    const { dataAgreement, individual } = await seed();
    const draft = await call(
      'POST',
      `/service/individual/record/consent-record/draft/?individualId=${individual.id}&dataAgreementId=${dataAgreement.id}`,
    );
    const pair = (await draft.json()) as {
      consentRecord: Record<string, unknown>;
      signature: Record<string, unknown>;
    };
    expect(pair.consentRecord.id).toBeNull();
    const stored = await call('POST', '/service/individual/record/consent-record/', {
      consentRecord: { ...pair.consentRecord, optIn: true },
      signature: {
        ...pair.signature,
        verificationMethod: 'manual',
        verificationSignedBy: 'Jane Doe',
        signature: 'scan-0001',
      },
    });
    expect(stored.status).toBe(200);
    const answer = (await stored.json()) as {
      consentRecord: Record<string, unknown>;
      signature: Record<string, unknown>;
    };
    expect(answer.consentRecord).toMatchObject({ state: 'signed', optIn: true });
    expect(answer.signature).toMatchObject({ signature: 'scan-0001', objectType: 'revision' });

    // A pair the service would refuse leaves nothing behind.
    const { individual: other } = await service.createIndividual(operator, {
      externalId: 'someone-else',
    });
    const before = (await service.listConsentRecords(operator, { individualId: other.id })).total;
    const refused = await call('POST', '/service/individual/record/consent-record/', {
      consentRecord: {
        ...pair.consentRecord,
        individual: other.id,
        individualId: other.id,
        optIn: false,
      },
      signature: {
        ...pair.signature,
        verificationMethod: 'manual',
        verificationSignedBy: 'X',
        signature: 'scan-0002',
      },
    });
    expect(refused.status).toBe(409);
    const invalid = await call('POST', '/service/individual/record/consent-record/', {
      consentRecord: {
        ...pair.consentRecord,
        individual: other.id,
        individualId: other.id,
        optIn: true,
      },
      signature: { ...pair.signature, verificationMethod: '', signature: 'scan-0003' },
    });
    expect(invalid.status).toBe(400);
    expect((await service.listConsentRecords(operator, { individualId: other.id })).total).toBe(
      before,
    );
  });

  it('seeds GovStack example fixtures keeping their primary keys', async () => {
    const { ids, useId } = queuedIds(uuidv7Generator());
    service = createConsentService({ store: memoryConsentStore(), audit: memoryAuditSink(), ids });
    app = consentHttpApp(service, {
      auth: { development: true, mode: 'optional', warn: () => {} },
      anonymousActor: operator,
    });
    await seedGovstackFixtures(service, operator, { useId });
    const anonymous = (path: string) => app.fetch(new Request(`http://consent.test${path}`));
    expect(await (await anonymous('/config/policy/1/')).json()).toMatchObject({
      policy: { id: '1', name: 'Ministry of Health Privacy Policy' },
    });
    expect(await (await anonymous('/service/data-agreement/1/')).json()).toMatchObject({
      dataAgreement: {
        id: '1',
        purpose: 'Registration in Health App',
        lifecycle: 'complete',
        policy: '1',
      },
    });
    expect(
      await (await anonymous('/service/individual/record/data-agreement/1/?individualId=1')).json(),
    ).toMatchObject({
      consentRecord: { id: '1', optIn: null, individual: '1' },
    });
  });
});

describe('consentHttpApp with bearer JWTs: individuals act for themselves only', async () => {
  const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256' };
  const token = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setSubject(sub)
      .setIssuer('https://idp.example')
      .setAudience('consent')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('lets a person manage their own consent and nothing else', async () => {
    const service = createConsentService({ store: memoryConsentStore(), audit: memoryAuditSink() });
    const app = consentHttpApp(service, {
      auth: { jwt: { keys: { keys: [jwk] }, issuer: 'https://idp.example', audience: 'consent' } },
    });
    const { policy } = await service.createPolicy(operator, examplePolicy);
    const { dataAgreement } = await service.createDataAgreement(
      operator,
      exampleAgreement(policy.id),
    );
    const { individual: jane } = await service.createIndividual(operator, {
      externalId: 'jane-sub',
    });
    const { individual: john } = await service.createIndividual(operator, {
      externalId: 'john-sub',
    });
    const asJane = async (method: string, path: string, body?: unknown) =>
      app.fetch(
        new Request(`http://consent.test${path}`, {
          method,
          headers: {
            authorization: `Bearer ${await token('jane-sub')}`,
            'content-type': 'application/json',
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        }),
      );
    const own = await asJane(
      'POST',
      `/service/individual/record/data-agreement/${dataAgreement.id}/?individualId=${jane.id}`,
    );
    expect(own.status).toBe(200);
    const { consentRecord } = (await own.json()) as { consentRecord: { id: string } };
    const forOther = await asJane(
      'POST',
      `/service/individual/record/data-agreement/${dataAgreement.id}/?individualId=${john.id}`,
    );
    expect(forOther.status).toBe(403);
    expect(await forOther.json()).toMatchObject({ code: 'CONSENT_FORBIDDEN' });
    expect(
      (await asJane('GET', `/service/individual/record/consent-record/?individualId=${john.id}`))
        .status,
    ).toBe(403);
    expect((await asJane('GET', `/service/individual/${john.id}/`)).status).toBe(403);
    expect((await asJane('POST', '/config/policy/', { policy: examplePolicy })).status).toBe(403);
    expect((await asJane('GET', '/audit/consent-records/')).status).toBe(403);
    const withdraw = await asJane(
      'PUT',
      `/service/individual/record/consent-record/${consentRecord.id}/?individualId=${jane.id}`,
      {
        consentRecord: { optIn: false },
      },
    );
    expect(withdraw.status).toBe(200);
    const anonymous = await app.fetch(
      new Request(
        `http://consent.test/service/individual/record/consent-record/?individualId=${jane.id}`,
      ),
    );
    expect(anonymous.status).toBe(401);
  });
});

describe('consentHttpApp idempotency keys', () => {
  it('replays a repeated POST instead of acting twice, and refuses a key reused for another body', async () => {
    const { memoryIdempotencyStore } = await import('@govblocks/core');
    const service = createConsentService({ store: memoryConsentStore(), audit: memoryAuditSink() });
    const app = consentHttpApp(service, {
      auth: { apiKeys: { keys: [{ key: apiKey, id: 'test-client' }] } },
      idempotency: memoryIdempotencyStore(),
    });
    const post = (body: unknown, key: string) =>
      app.fetch(
        new Request('http://consent.test/config/policy/', {
          method: 'POST',
          headers: {
            'x-api-key': apiKey,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(body),
        }),
      );
    const first = await post({ policy: examplePolicy }, 'key-1');
    const again = await post({ policy: examplePolicy }, 'key-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect((await service.listPolicies(operator)).total).toBe(1);
    expect((await post({ policy: { ...examplePolicy, version: '2' } }, 'key-1')).status).toBe(422);
    // A refused request releases its key.
    expect((await post({ policy: { ...examplePolicy, url: 'nope' } }, 'key-2')).status).toBe(400);
    expect((await post({ policy: examplePolicy }, 'key-2')).status).toBe(200);
    expect((await service.listPolicies(operator)).total).toBe(2);
  });
});
