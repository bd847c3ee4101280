import { memoryAuditSink } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataAgreementFieldsSchema } from '../schemas.js';
import { dataConsumer, exampleAgreement, examplePolicy, operator } from '../testing/conformance.js';
import { dataAgreementFieldsFromWire, toWireDataAgreement } from '../wire/wire.js';
import { createConsentService } from './consent-service.js';
import { memoryConsentStore } from './memory-store.js';
import { verifyRevisionChain } from './revisions.js';

type Step = { kind: 'optIn' | 'optOut' | 'sign' | 'stale' };

describe('consent record state machine (property)', () => {
  it('check() always reflects the last accepted decision, and the history always verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ kind: fc.constantFrom<Step['kind']>('optIn', 'optOut', 'sign', 'stale') }),
          { maxLength: 12 },
        ),
        fc.boolean(),
        async (steps, initial) => {
          const consent = createConsentService({
            store: memoryConsentStore(),
            audit: memoryAuditSink(),
          });
          const { policy } = await consent.createPolicy(operator, examplePolicy);
          const { dataAgreement } = await consent.createDataAgreement(
            operator,
            exampleAgreement(policy.id),
          );
          const { individual } = await consent.createIndividual(operator, { externalId: 'p' });
          const ids = { individualId: individual.id, dataAgreementId: dataAgreement.id };
          const created = await consent.createConsentRecord(dataConsumer, {
            ...ids,
            optIn: initial,
          });
          let optIn = initial;
          let revisions = 1;
          const consentRecordId = created.consentRecord.id;
          for (const step of steps) {
            if (step.kind === 'sign') {
              const started = consent.createSignature(dataConsumer, {
                individualId: individual.id,
                consentRecordId,
                signature: { verificationMethod: 'manual', verificationSignedBy: 'p' },
              });
              if (!optIn) {
                await expect(started).rejects.toMatchObject({ code: 'CONSENT_ILLEGAL_STATE' });
                continue;
              }
              const { signature } = await started;
              await consent.updateSignature(dataConsumer, {
                individualId: individual.id,
                consentRecordId,
                signature: { ...signature, signature: 'x' },
              });
              revisions += 1;
            } else if (step.kind === 'stale') {
              await expect(
                consent.updateConsentRecord(dataConsumer, {
                  individualId: individual.id,
                  consentRecordId,
                  optIn: !optIn,
                  expectedRevisionNumber: revisions + 1,
                }),
              ).rejects.toMatchObject({ code: 'CONSENT_CONCURRENT_UPDATE' });
            } else {
              optIn = step.kind === 'optIn';
              await consent.updateConsentRecord(dataConsumer, {
                individualId: individual.id,
                consentRecordId,
                optIn,
              });
              revisions += 1;
            }
          }
          const decision = await consent.check(dataConsumer, ids);
          expect(decision.allowed).toBe(optIn);
          expect(decision.reason).toBe(optIn ? 'OPTED_IN' : 'WITHDRAWN');
          const history = await consent.listConsentRecordRevisions(operator, {
            consentRecordId,
            limit: 500,
          });
          expect(history.total).toBe(revisions);
          expect(decision.revisionId).toBe(history.items.at(-1)?.id);
          expect(verifyRevisionChain(history.items)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('wire mapping (property)', () => {
  const text = fc.string({ minLength: 1, maxLength: 20 });
  const agreement = fc.record({
    version: text,
    purpose: text,
    dpia: fc.string({ maxLength: 20 }),
    lawfulBasis: fc.constantFrom(
      'consent',
      'legal_obligation',
      'contract',
      'vital_interest',
      'public_task',
      'legitimate_interest',
    ),
    active: fc.boolean(),
    forgettable: fc.boolean(),
    lifecycle: fc.constantFrom('draft', 'complete'),
    attributes: fc.array(
      fc.record({ id: fc.constantFrom('a1', 'a2'), name: text, sensitivity: text, category: text }),
      { maxLength: 3 },
    ),
    policyId: fc.option(fc.constantFrom('p-1', 'policy.2'), { nil: undefined }),
  });

  it('reads back what it renders, and parsing never throws anything but a ValidationError', () => {
    fc.assert(
      fc.property(agreement, (fields) => {
        const clean = Object.fromEntries(
          Object.entries(fields).filter(([, value]) => value !== undefined),
        );
        const rendered = toWireDataAgreement({
          ...(clean as Record<string, unknown>),
          id: 'x',
          revisionId: 'r',
          revisionNumber: 1,
          createdAt: '2025-01-01T00:00:00.000Z',
          updatedAt: '2025-01-01T00:00:00.000Z',
        } as never);
        const parsed = dataAgreementFieldsSchema.parse(
          dataAgreementFieldsFromWire(JSON.parse(JSON.stringify(rendered))),
        );
        expect(parsed).toEqual(dataAgreementFieldsSchema.parse(clean));
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = dataAgreementFieldsSchema.safeParse(dataAgreementFieldsFromWire(value));
        expect(typeof result.success).toBe('boolean');
      }),
    );
  });
});
