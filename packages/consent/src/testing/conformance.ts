/**
 * The conformance kit of the {@link ConsentService} port. Every implementation runs it: the
 * engine on each store, the remote adapter against the HTTP binding, and any vendor adapter.
 *
 * Each case starts from fresh state (`setup` is called before every test), covers error paths
 * as well as happy paths, and — where the harness offers a read-back hook — checks what was
 * really persisted rather than trusting what the method returned.
 *
 * @example
 * import { describeConsentConformance } from '@govblocks/consent/testing';
 * describeConsentConformance({
 *   name: 'memory',
 *   setup: async () => {
 *     const audit = memoryAuditSink();
 *     return { service: createConsentService({ store: memoryConsentStore(), audit }), auditEvents: () => audit.events };
 *   },
 * });
 */
import type { ActorContext, AuditEventInput } from '@govblocks/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex, verifyRevisionChain } from '../engine/revisions.js';
import type { ConsentService } from '../ports.js';
import type { ConsentRecord, DataAgreementFieldsInput } from '../schemas.js';

/** Capabilities a harness may lack, each skipped with a stated reason. */
export type ConsentConformanceSkip =
  /** The harness cannot observe audit events (e.g. a remote product). */
  | 'audit'
  /** The implementation cannot act as a `person` actor (actors come from authentication). */
  | 'personActors'
  /** No second instance sharing the same storage. */
  | 'sibling'
  /** No read-back hook into storage. */
  | 'readBack';

export interface ConsentHarness {
  service: ConsentService;
  /** A second instance over the same storage: a withdrawal through one must be seen by the other at once. */
  sibling?: ConsentService;
  /** Audit events recorded so far. */
  auditEvents?: () => readonly AuditEventInput[];
  /** Reads a record straight from storage, bypassing the service. */
  readRecord?: (consentRecordId: string) => Promise<ConsentRecord | null>;
  /** Called after each test. */
  cleanup?: () => Promise<void>;
}

export interface ConsentConformanceOptions {
  name: string;
  /** Fresh, empty state for one test. */
  setup: () => Promise<ConsentHarness>;
  /** Capabilities to skip, with the reason. */
  skip?: Partial<Record<ConsentConformanceSkip, string>>;
}

export const operator: ActorContext = {
  actor: { type: 'operator', id: 'operator-1', roles: ['consent:admin'] },
};
export const dataConsumer: ActorContext = {
  actor: { type: 'service', id: 'health-app', roles: [] },
};
export const personActor = (id: string): ActorContext => ({
  actor: { type: 'person', id, roles: [] },
});

export const examplePolicy = {
  name: 'Ministry of Health Privacy Policy',
  version: '1.0',
  url: 'https://example.com/policy/1.0',
  jurisdiction: 'EU',
  industrySector: 'Public',
  dataRetentionPeriodDays: 365,
  geographicRestriction: 'EU',
  storageLocation: 'EU',
};

export const exampleAgreement = (policyId?: string): DataAgreementFieldsInput => ({
  version: '1.0',
  controller: { name: 'Ministry of Health', url: 'https://example.com/' },
  ...(policyId ? { policyId } : {}),
  purpose: 'Registration in Health App',
  lawfulBasis: 'consent',
  dataUse: 'data_source',
  dpia: 'DPIA by MoJ on "user registration for health centers", April 2nd 2023',
  active: true,
  forgettable: false,
  lifecycle: 'complete',
  attributes: [
    { name: 'name', sensitivity: 'personal', category: 'identity' },
    { name: 'date_of_birth', sensitivity: 'personal', category: 'identity' },
  ],
});

const code = (value: string) => expect.objectContaining({ code: value });

/** Registers the suite with vitest. Call it at the top level of a `*.test.ts` file. */
export function describeConsentConformance(options: ConsentConformanceOptions): void {
  const skip = options.skip ?? {};
  const itIf = (capability: ConsentConformanceSkip) => (skip[capability] ? it.skip : it);

  describe(`ConsentService conformance: ${options.name}`, () => {
    let harness: ConsentHarness;
    let consent: ConsentService;

    beforeEach(async () => {
      harness = await options.setup();
      consent = harness.service;
    });
    afterEach(async () => {
      await harness?.cleanup?.();
    });

    const seed = async (agreement: Partial<DataAgreementFieldsInput> = {}) => {
      const { policy } = await consent.createPolicy(operator, examplePolicy);
      const { dataAgreement, revision: agreementRevision } = await consent.createDataAgreement(
        operator,
        {
          ...exampleAgreement(policy.id),
          ...agreement,
        },
      );
      const { individual } = await consent.createIndividual(operator, {
        externalId: `ext-${Math.random().toString(36).slice(2)}`,
        externalIdType: 'foundational id',
        identityProviderId: 'IDBB',
      });
      return { policy, dataAgreement, agreementRevision, individual };
    };

    it('declares consent/v1', () => {
      expect(consent.specificationVersion).toBe('consent/v1');
    });

    describe('policies', () => {
      it('creates, reads, updates and lists with a verifiable revision history', async () => {
        const created = await consent.createPolicy(operator, examplePolicy);
        expect(created.policy).toMatchObject({ ...examplePolicy, revisionNumber: 1 });
        expect(created.revision).toMatchObject({
          schemaName: 'Policy',
          objectId: created.policy.id,
          number: 1,
          predecessorHash: null,
        });
        const updated = await consent.updatePolicy(operator, {
          policyId: created.policy.id,
          policy: { ...examplePolicy, version: '1.1', url: 'https://example.com/policy/1.1' },
        });
        expect(updated.policy).toMatchObject({ version: '1.1', revisionNumber: 2 });
        expect(updated.revision.predecessorHash).toBe(created.revision.serializedHash);

        const read = await consent.getPolicy(operator, { policyId: created.policy.id });
        expect(read.policy.version).toBe('1.1');
        expect(read.revision.id).toBe(updated.revision.id);
        const old = await consent.getPolicy(operator, {
          policyId: created.policy.id,
          revisionId: created.revision.id,
        });
        expect(old.policy.version).toBe('1.0');

        const list = await consent.listPolicies(operator, {});
        expect(list.total).toBe(1);
        const history = await consent.listPolicyRevisions(operator, {
          policyId: created.policy.id,
        });
        expect(history.items.map((revision) => revision.number)).toEqual([1, 2]);
        expect(verifyRevisionChain(history.items)).toEqual([]);
        expect(history.items[1]?.serializedHash).toBe(
          sha256Hex(history.items[1]?.serializedSnapshot ?? ''),
        );
      });

      it('filters, orders and pages a revision history', async () => {
        const { policy } = await consent.createPolicy(operator, examplePolicy);
        for (const version of ['2', '3']) {
          await consent.updatePolicy(operator, {
            policyId: policy.id,
            policy: { ...examplePolicy, version },
          });
        }
        const newestFirst = await consent.listPolicyRevisions(operator, {
          policyId: policy.id,
          order: 'desc',
          limit: 2,
        });
        expect(newestFirst).toMatchObject({ total: 3, limit: 2 });
        expect(newestFirst.items.map((revision) => revision.number)).toEqual([3, 2]);
        const all = await consent.listPolicyRevisions(operator, {
          policyId: policy.id,
          since: '2000-01-01T00:00:00Z',
        });
        expect(all.total).toBe(3);
        const none = await consent.listPolicyRevisions(operator, {
          policyId: policy.id,
          since: '2999-01-01T00:00:00Z',
        });
        expect(none).toMatchObject({ total: 0, items: [] });
        expect(
          (
            await consent.listPolicyRevisions(operator, {
              policyId: policy.id,
              until: '2000-01-01T00:00:00Z',
            })
          ).total,
        ).toBe(0);
        await expect(
          consent.listPolicyRevisions(operator, { policyId: policy.id, since: 'yesterday' }),
        ).rejects.toEqual(code('VALIDATION_FAILED'));
        await expect(
          consent.listPolicyRevisions(operator, {
            policyId: 'missing',
            since: '2000-01-01T00:00:00Z',
          }),
        ).rejects.toEqual(code('NOT_FOUND'));
      });

      it('rejects unknown fields and bad values without writing anything', async () => {
        await expect(
          consent.createPolicy(operator, { ...examplePolicy, extra: 1 } as never),
        ).rejects.toEqual(code('VALIDATION_FAILED'));
        await expect(
          consent.createPolicy(operator, { ...examplePolicy, url: 'not a url' }),
        ).rejects.toEqual(code('VALIDATION_FAILED'));
        await expect(consent.getPolicy(operator, { policyId: 'no such/id' })).rejects.toEqual(
          code('VALIDATION_FAILED'),
        );
        expect((await consent.listPolicies(operator, {})).total).toBe(0);
      });

      it('answers NOT_FOUND for a missing policy', async () => {
        await expect(consent.getPolicy(operator, { policyId: 'missing' })).rejects.toEqual(
          code('NOT_FOUND'),
        );
        await expect(consent.deletePolicy(operator, { policyId: 'missing' })).rejects.toEqual(
          code('NOT_FOUND'),
        );
      });

      it('refuses to delete a policy that governs an active agreement, then deletes it with a final revision', async () => {
        const { policy, dataAgreement } = await seed();
        await expect(consent.deletePolicy(operator, { policyId: policy.id })).rejects.toEqual(
          code('CONSENT_ILLEGAL_STATE'),
        );
        await consent.updateDataAgreement(operator, {
          dataAgreementId: dataAgreement.id,
          dataAgreement: { ...exampleAgreement(policy.id), active: false },
        });
        const { revision } = await consent.deletePolicy(operator, { policyId: policy.id });
        expect(revision).toMatchObject({ deleted: true, number: 2 });
        await expect(consent.getPolicy(operator, { policyId: policy.id })).rejects.toEqual(
          code('NOT_FOUND'),
        );
      });

      it('refuses a stale expectedRevisionNumber', async () => {
        const { policy } = await consent.createPolicy(operator, examplePolicy);
        await consent.updatePolicy(operator, {
          policyId: policy.id,
          policy: { ...examplePolicy, version: '2' },
        });
        await expect(
          consent.updatePolicy(operator, {
            policyId: policy.id,
            policy: { ...examplePolicy, version: '3' },
            expectedRevisionNumber: 1,
          }),
        ).rejects.toEqual(code('CONSENT_CONCURRENT_UPDATE'));
      });
    });

    describe('data agreements', () => {
      it('keeps a published revision immutable and publishes changes as new versions', async () => {
        const { policy, dataAgreement } = await seed();
        await expect(
          consent.updateDataAgreement(operator, {
            dataAgreementId: dataAgreement.id,
            dataAgreement: { ...exampleAgreement(policy.id), purpose: 'Something else' },
          }),
        ).rejects.toEqual(code('CONSENT_ILLEGAL_STATE'));
        await expect(
          consent.updateDataAgreement(operator, {
            dataAgreementId: dataAgreement.id,
            dataAgreement: { ...exampleAgreement(policy.id), lifecycle: 'draft' },
          }),
        ).rejects.toEqual(code('CONSENT_ILLEGAL_STATE'));
        const next = await consent.updateDataAgreement(operator, {
          dataAgreementId: dataAgreement.id,
          dataAgreement: {
            ...exampleAgreement(policy.id),
            version: '2.0',
            purpose: 'Registration in Health App',
            dpia: 'v2',
          },
        });
        expect(next.dataAgreement).toMatchObject({ version: '2.0', revisionNumber: 2 });
        const history = await consent.listDataAgreementRevisions(operator, {
          dataAgreementId: dataAgreement.id,
        });
        expect(history.total).toBe(2);
        expect(verifyRevisionChain(history.items)).toEqual([]);
      });

      it('lets a draft change freely but refuses consent to it', async () => {
        const { dataAgreement, individual, policy } = await seed({
          lifecycle: 'draft',
          active: false,
        });
        await consent.updateDataAgreement(operator, {
          dataAgreementId: dataAgreement.id,
          dataAgreement: {
            ...exampleAgreement(policy.id),
            lifecycle: 'draft',
            active: false,
            purpose: 'Changed',
          },
        });
        await expect(
          consent.createConsentRecord(operator, {
            individualId: individual.id,
            dataAgreementId: dataAgreement.id,
            optIn: true,
          }),
        ).rejects.toEqual(code('CONSENT_AGREEMENT_NOT_AVAILABLE'));
      });

      it('lists active agreements and refuses an unknown policy', async () => {
        await seed();
        await consent.createDataAgreement(operator, {
          ...exampleAgreement(),
          lifecycle: 'draft',
          active: false,
          purpose: 'Draft',
        });
        expect((await consent.listDataAgreements(dataConsumer, { active: true })).total).toBe(1);
        expect((await consent.listDataAgreements(dataConsumer, {})).total).toBe(2);
        await expect(
          consent.createDataAgreement(operator, exampleAgreement('missing-policy')),
        ).rejects.toEqual(code('NOT_FOUND'));
      });
    });

    describe('individuals', () => {
      it('creates, reads, updates, lists by external id and refuses duplicates', async () => {
        const { individual } = await consent.createIndividual(operator, {
          externalId: '12345678',
          externalIdType: 'foundational id',
        });
        expect(
          (await consent.getIndividual(operator, { individualId: individual.id })).individual
            .externalId,
        ).toBe('12345678');
        await expect(
          consent.createIndividual(operator, {
            externalId: '12345678',
            externalIdType: 'foundational id',
          }),
        ).rejects.toEqual(code('CONFLICT'));
        const updated = await consent.updateIndividual(operator, {
          individualId: individual.id,
          individual: {
            externalId: '12345678',
            externalIdType: 'foundational id',
            identityProviderId: 'IDBB',
          },
        });
        expect(updated.individual).toMatchObject({ identityProviderId: 'IDBB', revisionNumber: 2 });
        const found = await consent.listIndividuals(operator, { externalId: '12345678' });
        expect(found.items.map((item) => item.id)).toEqual([individual.id]);
        await expect(consent.getIndividual(operator, { individualId: 'missing' })).rejects.toEqual(
          code('NOT_FOUND'),
        );
      });
    });

    describe('consent records and check()', () => {
      it('records an opt-in bound to the notice and the agreement revision, and check() allows it', async () => {
        const { dataAgreement, agreementRevision, individual } = await seed();
        const notice = {
          text: 'We will use your name and date of birth to register you.',
          language: 'en',
        };
        const { consentRecord, revision } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
          notice,
        });
        expect(consentRecord).toMatchObject({
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          dataAgreementRevisionId: agreementRevision.id,
          dataAgreementRevisionHash: agreementRevision.serializedHash,
          optIn: true,
          state: 'unsigned',
          notice: { textHash: sha256Hex(notice.text), language: 'en', agreementVersion: '1.0' },
          revisionId: revision.id,
          revisionHash: revision.serializedHash,
        });
        const decision = await consent.check(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
        });
        expect(decision).toMatchObject({
          allowed: true,
          reason: 'OPTED_IN',
          consentRecordId: consentRecord.id,
          revisionId: revision.id,
          revisionHash: revision.serializedHash,
        });
        const current = await consent.getConsentRecordForAgreement(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
        });
        expect(current.consentRecord.id).toBe(consentRecord.id);
      });

      it('sees a withdrawal at once, with a new revision linked to the previous one', async () => {
        const { dataAgreement, individual } = await seed();
        const { consentRecord, revision } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        const withdrawn = await consent.updateConsentRecord(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          optIn: false,
        });
        expect(withdrawn.consentRecord).toMatchObject({ optIn: false, revisionNumber: 2 });
        expect(withdrawn.revision.predecessorHash).toBe(revision.serializedHash);
        const decision = await consent.check(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
        });
        expect(decision).toMatchObject({
          allowed: false,
          reason: 'WITHDRAWN',
          revisionId: withdrawn.revision.id,
        });
        const history = await consent.listConsentRecordRevisions(operator, {
          consentRecordId: consentRecord.id,
        });
        expect(history.total).toBe(2);
        expect(verifyRevisionChain(history.items)).toEqual([]);
      });

      itIf('sibling')(
        'a withdrawal through one instance is seen by another sharing the store, immediately',
        async () => {
          const { dataAgreement, individual } = await seed();
          const sibling = harness.sibling as ConsentService;
          const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
            individualId: individual.id,
            dataAgreementId: dataAgreement.id,
            optIn: true,
          });
          expect(
            (
              await sibling.check(dataConsumer, {
                individualId: individual.id,
                dataAgreementId: dataAgreement.id,
              })
            ).allowed,
          ).toBe(true);
          await consent.updateConsentRecord(dataConsumer, {
            individualId: individual.id,
            consentRecordId: consentRecord.id,
            optIn: false,
          });
          expect(
            await sibling.check(dataConsumer, {
              individualId: individual.id,
              dataAgreementId: dataAgreement.id,
            }),
          ).toMatchObject({
            allowed: false,
            reason: 'WITHDRAWN',
          });
        },
      );

      itIf('readBack')('persists what it returns', async () => {
        const { dataAgreement, individual } = await seed();
        const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        const updated = await consent.updateConsentRecord(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          optIn: false,
        });
        const stored = await harness.readRecord?.(consentRecord.id);
        expect(stored).toEqual(updated.consentRecord);
      });

      it('answers every denial reason', async () => {
        const { dataAgreement, individual, policy } = await seed();
        const base = { individualId: individual.id, dataAgreementId: dataAgreement.id };
        expect((await consent.check(dataConsumer, base)).reason).toBe('NO_RECORD');
        expect(
          (await consent.check(dataConsumer, { ...base, dataAgreementId: 'missing' })).reason,
        ).toBe('AGREEMENT_NOT_FOUND');
        expect(
          (await consent.check(dataConsumer, { ...base, attributes: ['health'] })).reason,
        ).toBe('ATTRIBUTES_NOT_COVERED');
        await consent.createConsentRecord(dataConsumer, { ...base, optIn: null });
        expect((await consent.check(dataConsumer, base)).reason).toBe('NOT_DECIDED');
        await consent.updateDataAgreement(operator, {
          dataAgreementId: dataAgreement.id,
          dataAgreement: { ...exampleAgreement(policy.id), active: false },
        });
        expect((await consent.check(dataConsumer, base)).reason).toBe('AGREEMENT_INACTIVE');
      });

      it('checks by purpose and data categories', async () => {
        const { dataAgreement, individual } = await seed();
        await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        const byPurpose = await consent.check(dataConsumer, {
          individualId: individual.id,
          purpose: 'Registration in Health App',
          attributes: ['identity', 'name'],
        });
        expect(byPurpose).toMatchObject({ allowed: true, dataAgreementId: dataAgreement.id });
        expect(
          (await consent.check(dataConsumer, { individualId: individual.id, purpose: 'Marketing' }))
            .reason,
        ).toBe('AGREEMENT_NOT_FOUND');
        await expect(
          consent.check(dataConsumer, {
            individualId: individual.id,
            purpose: 'x',
            dataAgreementId: dataAgreement.id,
          }),
        ).rejects.toEqual(code('VALIDATION_FAILED'));
      });

      it('allows processing that does not rest on consent', async () => {
        const { dataAgreement, individual } = await seed({
          lawfulBasis: 'legal_obligation',
          purpose: 'Tax',
        });
        expect(
          await consent.check(dataConsumer, {
            individualId: individual.id,
            dataAgreementId: dataAgreement.id,
          }),
        ).toMatchObject({
          allowed: true,
          reason: 'LAWFUL_BASIS_NOT_CONSENT',
          consentRecordId: null,
        });
      });

      it('refuses a second record for the same agreement revision and unknown individuals', async () => {
        const { dataAgreement, individual } = await seed();
        const input = {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        };
        await consent.createConsentRecord(dataConsumer, input);
        await expect(consent.createConsentRecord(dataConsumer, input)).rejects.toEqual(
          code('CONSENT_RECORD_EXISTS'),
        );
        await expect(
          consent.createConsentRecord(dataConsumer, { ...input, individualId: 'missing' }),
        ).rejects.toEqual(code('NOT_FOUND'));
        await expect(
          consent.createConsentRecord(dataConsumer, { ...input, optIn: 'yes' } as never),
        ).rejects.toEqual(code('VALIDATION_FAILED'));
        expect(
          (await consent.listConsentRecords(dataConsumer, { individualId: individual.id })).total,
        ).toBe(1);
      });

      it("reports another individual's record as NOT_FOUND to a service", async () => {
        const { dataAgreement, individual } = await seed();
        const { individual: other } = await consent.createIndividual(operator, {
          externalId: 'other-person',
        });
        const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        await expect(
          consent.updateConsentRecord(dataConsumer, {
            individualId: other.id,
            consentRecordId: consentRecord.id,
            optIn: false,
          }),
        ).rejects.toEqual(code('NOT_FOUND'));
        expect(
          (
            await consent.check(dataConsumer, {
              individualId: individual.id,
              dataAgreementId: dataAgreement.id,
            })
          ).allowed,
        ).toBe(true);
      });

      it('never loses one of two racing updates', async () => {
        const { dataAgreement, individual } = await seed();
        const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        const results = await Promise.allSettled(
          [false, true, false].map((optIn) =>
            consent.updateConsentRecord(dataConsumer, {
              individualId: individual.id,
              consentRecordId: consentRecord.id,
              optIn,
            }),
          ),
        );
        const won = results.filter((result) => result.status === 'fulfilled');
        for (const result of results) {
          if (result.status === 'rejected')
            expect(result.reason).toEqual(code('CONSENT_CONCURRENT_UPDATE'));
        }
        const history = await consent.listConsentRecordRevisions(operator, {
          consentRecordId: consentRecord.id,
        });
        expect(history.total).toBe(1 + won.length);
        expect(verifyRevisionChain(history.items)).toEqual([]);
        const current = await consent.getConsentRecord(operator, {
          consentRecordId: consentRecord.id,
        });
        expect(current.revision.id).toBe(history.items.at(-1)?.id);

        // With the same expected revision number, exactly one wins.
        const again = await Promise.allSettled(
          [true, false].map((optIn) =>
            consent.updateConsentRecord(dataConsumer, {
              individualId: individual.id,
              consentRecordId: consentRecord.id,
              optIn,
              expectedRevisionNumber: current.consentRecord.revisionNumber,
            }),
          ),
        );
        expect(again.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        const loser = again.find((result) => result.status === 'rejected') as PromiseRejectedResult;
        expect(loser.reason).toEqual(code('CONSENT_CONCURRENT_UPDATE'));
      });

      it('signs a record through the two-step signature flow and refuses tampering', async () => {
        const { dataAgreement, individual } = await seed();
        const { consentRecord, revision } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        const { signature } = await consent.createSignature(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          signature: {
            verificationMethod: 'manual',
            verificationSignedBy: 'Jane Doe',
            verificationSignedAs: 'individual',
          },
        });
        expect(signature).toMatchObject({
          id: null,
          signature: '',
          objectType: 'revision',
          objectReference: revision.id,
        });
        expect(signature.verificationPayloadHash).toBe(revision.serializedHash);
        await expect(
          consent.updateSignature(dataConsumer, {
            individualId: individual.id,
            consentRecordId: consentRecord.id,
            signature: { ...signature, signature: 'signed', payload: `${signature.payload} ` },
          }),
        ).rejects.toEqual(code('CONSENT_SIGNATURE_INVALID'));
        const signed = await consent.updateSignature(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          signature: { ...signature, signature: 'wet-ink-scan-1' },
        });
        expect(signed.consentRecord).toMatchObject({
          state: 'signed',
          signatureId: signed.signature.id,
          revisionNumber: 2,
        });
        expect(signed.signature.id).toEqual(expect.any(String));

        await consent.updateConsentRecord(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          optIn: false,
        });
        await expect(
          consent.createSignature(dataConsumer, {
            individualId: individual.id,
            consentRecordId: consentRecord.id,
            signature: { verificationMethod: 'manual', verificationSignedBy: 'Jane Doe' },
          }),
        ).rejects.toEqual(code('CONSENT_ILLEGAL_STATE'));
      });

      it('drafts a record without storing it', async () => {
        const { dataAgreement, individual, agreementRevision } = await seed();
        const draft = await consent.draftConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
        });
        expect(draft.consentRecord).toMatchObject({
          id: null,
          dataAgreementRevisionId: agreementRevision.id,
          state: 'unsigned',
        });
        expect(draft.signature.id).toBeNull();
        expect(
          (await consent.listConsentRecords(dataConsumer, { individualId: individual.id })).total,
        ).toBe(0);
      });

      it('forgets withdrawn records of forgettable agreements and keeps the rest', async () => {
        const forgettable = await seed({ forgettable: true, purpose: 'Newsletter' });
        const kept = await consent.createDataAgreement(operator, {
          ...exampleAgreement(),
          purpose: 'Kept',
        });
        const individualId = forgettable.individual.id;
        const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
          individualId,
          dataAgreementId: forgettable.dataAgreement.id,
          optIn: true,
        });
        await consent.updateConsentRecord(dataConsumer, {
          individualId,
          consentRecordId: consentRecord.id,
          optIn: false,
        });
        await consent.createConsentRecord(dataConsumer, {
          individualId,
          dataAgreementId: kept.dataAgreement.id,
          optIn: false,
        });
        expect(await consent.deleteConsentRecords(dataConsumer, { individualId })).toEqual({
          deleted: 1,
        });
        expect(await consent.deleteConsentRecords(dataConsumer, { individualId })).toEqual({
          deleted: 0,
        });
        const left = await consent.listConsentRecords(dataConsumer, { individualId });
        expect(left.items.map((item) => item.dataAgreementId)).toEqual([kept.dataAgreement.id]);
      });

      it('finds records by filter with paging', async () => {
        const { dataAgreement } = await seed();
        for (let index = 0; index < 3; index++) {
          const { individual } = await consent.createIndividual(operator, {
            externalId: `p-${index}`,
          });
          await consent.createConsentRecord(dataConsumer, {
            individualId: individual.id,
            dataAgreementId: dataAgreement.id,
            optIn: index !== 1,
          });
        }
        const optedIn = await consent.findConsentRecords(operator, {
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        expect(optedIn.total).toBe(2);
        const page = await consent.findConsentRecords(operator, { offset: 1, limit: 1 });
        expect(page).toMatchObject({ total: 3, offset: 1, limit: 1 });
        expect(page.items).toHaveLength(1);
        await expect(consent.findConsentRecords(operator, { limit: 0 })).rejects.toEqual(
          code('VALIDATION_FAILED'),
        );
      });
    });

    describe('requireConsent()', () => {
      it('resolves when consent is given and throws CONSENT_REQUIRED once withdrawn', async () => {
        const { dataAgreement, individual } = await seed();
        const guard = {
          individual: individual.id,
          purpose: 'Registration in Health App',
          dataCategories: ['identity'],
        };
        await expect(consent.requireConsent(dataConsumer, guard)).rejects.toEqual(
          expect.objectContaining({ code: 'CONSENT_REQUIRED', status: 403 }),
        );
        const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        expect(await consent.requireConsent(dataConsumer, guard)).toMatchObject({
          allowed: true,
          consentRecordId: consentRecord.id,
        });
        await consent.updateConsentRecord(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          optIn: false,
        });
        await expect(consent.requireConsent(dataConsumer, guard)).rejects.toEqual(
          code('CONSENT_REQUIRED'),
        );
      });

      itIf('audit')(
        'audits every change and every guarded check, without personal data in details',
        async () => {
          const { dataAgreement, individual } = await seed();
          const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
            individualId: individual.id,
            dataAgreementId: dataAgreement.id,
            optIn: true,
          });
          await consent.updateConsentRecord(dataConsumer, {
            individualId: individual.id,
            consentRecordId: consentRecord.id,
            optIn: false,
          });
          await consent
            .requireConsent(dataConsumer, {
              individual: individual.id,
              purpose: 'Registration in Health App',
            })
            .catch(() => undefined);
          const events = harness.auditEvents?.() ?? [];
          const actions = events.map((event) => event.action);
          expect(actions).toEqual([
            'consent.policy.created',
            'consent.agreement.created',
            'consent.individual.created',
            'consent.record.created',
            'consent.record.withdrawn',
            'consent.check.denied',
          ]);
          const denied = events.at(-1);
          expect(denied).toMatchObject({
            outcome: 'denied',
            subject: { type: 'individual', id: individual.id, personal: true },
          });
          expect(JSON.stringify(events.map((event) => event.details))).not.toContain(
            individual.externalId ?? '¤',
          );
        },
      );

      it('does not audit a failed change', async () => {
        const before = harness.auditEvents?.().length ?? 0;
        await expect(consent.createPolicy(operator, { name: '' } as never)).rejects.toEqual(
          code('VALIDATION_FAILED'),
        );
        expect(harness.auditEvents?.().length ?? 0).toBe(before);
      });
    });

    describe('individuals acting for themselves', () => {
      itIf('personActors')('may act on their own records only', async () => {
        const { dataAgreement, individual } = await seed();
        const { individual: other } = await consent.createIndividual(operator, {
          externalId: 'someone-else',
        });
        const self = personActor(individual.externalId as string);
        const { consentRecord } = await consent.createConsentRecord(self, {
          individualId: individual.id,
          dataAgreementId: dataAgreement.id,
          optIn: true,
        });
        expect(consentRecord.individualId).toBe(individual.id);
        await expect(
          consent.createConsentRecord(self, {
            individualId: other.id,
            dataAgreementId: dataAgreement.id,
            optIn: true,
          }),
        ).rejects.toEqual(code('CONSENT_FORBIDDEN'));
        await expect(consent.listConsentRecords(self, { individualId: other.id })).rejects.toEqual(
          code('CONSENT_FORBIDDEN'),
        );
        await expect(consent.getIndividual(self, { individualId: other.id })).rejects.toEqual(
          code('CONSENT_FORBIDDEN'),
        );
        await expect(
          consent.check(self, { individualId: other.id, dataAgreementId: dataAgreement.id }),
        ).rejects.toEqual(code('CONSENT_FORBIDDEN'));
        await expect(consent.createPolicy(self, examplePolicy)).rejects.toEqual(code('FORBIDDEN'));
        await expect(consent.findConsentRecords(self, {})).rejects.toEqual(code('FORBIDDEN'));
        const own = await consent.listConsentRecordRevisions(self, {
          consentRecordId: consentRecord.id,
          individualId: individual.id,
        });
        expect(own.total).toBe(1);
      });
    });

    describe('webhooks', () => {
      it('creates, reads, updates, lists and deletes', async () => {
        const { webhook } = await consent.createWebhook(operator, {
          payloadUrl: 'https://consumer.example/hooks/consent',
          secretKey: 'a-long-shared-secret-value',
          events: ['consent.record.withdrawn'],
        });
        expect(webhook).toMatchObject({
          contentType: 'application/json',
          disabled: false,
          events: ['consent.record.withdrawn'],
        });
        const updated = await consent.updateWebhook(operator, {
          webhookId: webhook.id,
          webhook: {
            payloadUrl: 'https://consumer.example/hooks/v2',
            secretKey: 'a-long-shared-secret-value',
            disabled: true,
          },
        });
        expect(updated.webhook).toMatchObject({ disabled: true, events: [] });
        expect((await consent.listWebhooks(operator, {})).total).toBe(1);
        await consent.deleteWebhook(operator, { webhookId: webhook.id });
        await expect(consent.getWebhook(operator, { webhookId: webhook.id })).rejects.toEqual(
          code('NOT_FOUND'),
        );
        await expect(
          consent.createWebhook(operator, { payloadUrl: 'ftp://x.example', secretKey: 'short' }),
        ).rejects.toEqual(code('VALIDATION_FAILED'));
      });
    });
  });
}
