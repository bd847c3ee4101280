import { memoryAuditSink } from '@govblocks/core';
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createConsentService } from './engine/consent-service.js';
import { memoryConsentStore } from './engine/memory-store.js';
import { verifyRevisionChain } from './engine/revisions.js';
import { exportIso27560Record, issueConsentReceipt, verifyConsentReceipt } from './receipts.js';
import { generateConsentSigner } from './signer.js';
import { dataConsumer, exampleAgreement, examplePolicy, operator } from './testing/conformance.js';

describe('signed revisions, consent receipts and the ISO/IEC TS 27560 export', async () => {
  const signer = await generateConsentSigner({ keyId: 'moh-2025' });
  const consent = createConsentService({
    store: memoryConsentStore(),
    audit: memoryAuditSink(),
    signer,
  });
  const { policy } = await consent.createPolicy(operator, examplePolicy);
  const { dataAgreement } = await consent.createDataAgreement(
    operator,
    exampleAgreement(policy.id),
  );
  const { individual } = await consent.createIndividual(operator, { externalId: 'receipt-person' });
  const created = await consent.createConsentRecord(dataConsumer, {
    individualId: individual.id,
    dataAgreementId: dataAgreement.id,
    optIn: true,
    notice: { text: 'notice text', language: 'sw' },
  });
  const withdrawn = await consent.updateConsentRecord(dataConsumer, {
    individualId: individual.id,
    consentRecordId: created.consentRecord.id,
    optIn: false,
  });

  it('signs every revision and chains the signatures', async () => {
    const key = await importJWK(await signer.publicJwk(), 'ES256');
    const { payload, protectedHeader } = await compactVerify(
      withdrawn.revision.signature as string,
      key,
    );
    expect(new TextDecoder().decode(payload)).toBe(withdrawn.revision.serializedHash);
    expect(protectedHeader.kid).toBe('moh-2025');
    expect(withdrawn.revision.predecessorSignature).toBe(created.revision.signature);
    const history = await consent.listConsentRecordRevisions(operator, {
      consentRecordId: created.consentRecord.id,
    });
    expect(verifyRevisionChain(history.items)).toEqual([]);
    const tampered = history.items.map((item, index) =>
      index === 0
        ? {
            ...item,
            serializedSnapshot: item.serializedSnapshot.replace('"optIn":true', '"optIn":false'),
          }
        : item,
    );
    expect(verifyRevisionChain(tampered).map((problem) => problem.problem)).toContain(
      'HASH_MISMATCH',
    );
  });

  it('issues a receipt a third party verifies with the public key', async () => {
    const receipt = await issueConsentReceipt({
      service: consent,
      signer,
      context: operator,
      consentRecordId: created.consentRecord.id,
      revisionId: created.revision.id,
      issuer: 'https://moh.example.gov',
    });
    const claims = await verifyConsentReceipt(receipt, {
      publicKey: await signer.publicJwk(),
      issuer: 'https://moh.example.gov',
    });
    expect(claims.consent).toMatchObject({
      consentRecordId: created.consentRecord.id,
      revisionHash: created.revision.serializedHash,
      optIn: true,
      notice: { language: 'sw' },
      dataAgreement: { id: dataAgreement.id, purpose: 'Registration in Health App' },
    });
    const other = await generateConsentSigner();
    await expect(
      verifyConsentReceipt(receipt, { publicKey: await other.publicJwk() }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      verifyConsentReceipt(`${receipt.slice(0, -4)}AAAA`, { publicKey: await signer.publicJwk() }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('exports the record and its history in the ISO/IEC TS 27560 shape', async () => {
    const record = await exportIso27560Record({
      service: consent,
      context: operator,
      consentRecordId: created.consentRecord.id,
    });
    expect(record).toMatchObject({
      record_id: created.consentRecord.id,
      pii_principal_id: individual.id,
      consent_status: 'withdrawn',
      language: 'sw',
      purposes: [
        {
          purpose: 'Registration in Health App',
          lawful_basis: 'consent',
          pii_categories: ['identity'],
        },
      ],
      record_integrity: { algorithm: 'SHA-256', revision_hash: withdrawn.revision.serializedHash },
    });
    expect(record.events.map((event) => event.event_state)).toEqual(['given', 'withdrawn']);
  });
});
