// The README example, kept runnable.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  createAuditLog,
  createAuditSink,
  createNoteSigner,
  createNoteVerifier,
  generateNoteKey,
  memoryAuditStore,
  verifyCheckpoint,
  verifyInclusion,
} from './index.js';

it('README: append → checkpoint → prove → verify', async () => {
  const keys = generateNoteKey('gov.example/audit'); // { signerKey (secret), verifierKey (public) }
  const log = createAuditLog({
    store: memoryAuditStore(),
    origin: 'gov.example/audit',
    signer: createNoteSigner(keys.signerKey),
  });
  const audit = createAuditSink({ log, pseudonymKey: randomBytes(32) }); // core's AuditSink for every block

  const { index } = await audit.append({
    block: 'consent',
    action: 'consent.record.created',
    outcome: 'success',
    actor: { type: 'operator', id: 'officer-7' },
    subject: { type: 'individual', id: 'NID-1234', personal: true }, // stored as an HMAC pseudonym
  });
  const checkpoint = await log.checkpoint(); // C2SP signed note: origin, size, root
  const proof = await log.inclusionProof(index);

  // An auditor, offline, holding only the public key:
  const head = verifyCheckpoint(checkpoint, { keys: [createNoteVerifier(keys.verifierKey)] });
  expect(verifyInclusion(proof.leafHash, index, head.size, proof.path, head.rootHash)).toBe(true);
});
