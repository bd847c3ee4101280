import { readFileSync } from 'node:fs';
import { memoryAuditSink, UnavailableError } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { dataConsumer, exampleAgreement, examplePolicy, operator } from '../testing/conformance.js';
import { createConsentService } from './consent-service.js';
import { memoryConsentStore } from './memory-store.js';

describe('createConsentService', () => {
  it('validates its options once, at the factory', () => {
    expect(() =>
      createConsentService({ store: undefined as never, audit: memoryAuditSink() }),
    ).toThrow(expect.objectContaining({ code: 'CONFIGURATION_ERROR' }));
    expect(() =>
      createConsentService({
        store: memoryConsentStore(),
        audit: memoryAuditSink(),
        specificationVersion: 'consent/v2',
      }),
    ).toThrow(expect.objectContaining({ code: 'CONFIGURATION_ERROR' }));
  });

  it('fails closed: when the audit sink is down, the change is not made', async () => {
    const store = memoryConsentStore();
    let down = false;
    const audit = memoryAuditSink();
    const consent = createConsentService({
      store,
      audit: {
        record: async (event) => {
          if (down) throw new UnavailableError('audit log unavailable');
          await audit.record(event);
        },
      },
    });
    const { policy } = await consent.createPolicy(operator, examplePolicy);
    const { dataAgreement } = await consent.createDataAgreement(
      operator,
      exampleAgreement(policy.id),
    );
    const { individual } = await consent.createIndividual(operator, { externalId: 'p' });
    const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
      individualId: individual.id,
      dataAgreementId: dataAgreement.id,
      optIn: true,
    });
    down = true;
    await expect(
      consent.updateConsentRecord(dataConsumer, {
        individualId: individual.id,
        consentRecordId: consentRecord.id,
        optIn: false,
      }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(consent.createPolicy(operator, examplePolicy)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    down = false;
    expect((await consent.listPolicies(operator)).total).toBe(1);
    const current = await consent.getConsentRecord(operator, { consentRecordId: consentRecord.id });
    expect(current.consentRecord).toMatchObject({ optIn: true, revisionNumber: 1 });
    expect(
      (await consent.listConsentRecordRevisions(operator, { consentRecordId: consentRecord.id }))
        .total,
    ).toBe(1);
    expect(
      (
        await consent.check(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
        })
      ).allowed,
    ).toBe(true);
  });
});

describe('package meta', () => {
  it('builds every exported subpath and exports every built entry', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      exports: Record<string, unknown>;
    };
    const tsup = readFileSync(new URL('../../tsup.config.ts', import.meta.url), 'utf8');
    const entries = [...tsup.matchAll(/'?([a-z/]+)'?: 'src\/([a-z/]+)\.ts'/g)].map(
      (match) => match[1],
    );
    const exported = Object.keys(manifest.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'index' : `${key.slice(2)}/index`));
    expect(entries.sort()).toEqual(exported.sort());
  });
});
