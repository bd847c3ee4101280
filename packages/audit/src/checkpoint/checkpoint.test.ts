import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistencyProofRanges, hashLeaf, rootFromLeafHashes } from '../tree/merkle.js';
import {
  cosignCheckpoint,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
  verifyCosignatures,
} from './checkpoint.js';
import { signTreeHeadJws, verifyTreeHeadJws } from './jws.js';
import {
  createNoteSigner,
  createNoteVerifier,
  generateNoteKey,
  noteKeyId,
  verifierKeyOf,
} from './keys.js';
import { parseSignedNote } from './note.js';

const origin = 'gov.example/audit';
const head = {
  size: 5,
  rootHash: rootFromLeafHashes(['a', 'b', 'c', 'd', 'e'].map((leaf) => hashLeaf(leaf))),
};

describe('signed-note keys', () => {
  it('computes key ids as SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4] and round-trips the encodings', () => {
    const { signerKey, verifierKey } = generateNoteKey(origin);
    const signer = createNoteSigner(signerKey);
    const verifier = createNoteVerifier(verifierKey);
    const expected = createHash('sha256')
      .update(
        Buffer.concat([
          Buffer.from(`${origin}\n`),
          Buffer.from([1]),
          Buffer.from(signer.publicKey),
        ]),
      )
      .digest()
      .subarray(0, 4);
    expect(Buffer.from(noteKeyId(origin, 1, signer.publicKey))).toEqual(expected);
    expect(verifierKey.split('+')[1]).toBe(expected.toString('hex'));
    expect(verifierKeyOf(signer)).toBe(verifierKey);
    expect(verifier.verify(Buffer.from('x'), signer.sign(Buffer.from('x')))).toBe(true);
  });

  it('rejects malformed keys and keys whose id does not match', () => {
    const { verifierKey, signerKey } = generateNoteKey(origin);
    expect(() => createNoteVerifier('nope')).toThrow(
      expect.objectContaining({ code: 'AUDIT_KEY_MALFORMED' }),
    );
    expect(() => createNoteVerifier(verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toThrow(
      expect.objectContaining({ code: 'AUDIT_KEY_MALFORMED' }),
    );
    expect(() => createNoteSigner(verifierKey)).toThrow(
      expect.objectContaining({ code: 'AUDIT_KEY_MALFORMED' }),
    );
    expect(() => createNoteVerifier(signerKey)).toThrow(
      expect.objectContaining({ code: 'AUDIT_KEY_MALFORMED' }),
    );
  });
});

describe('checkpoints', () => {
  const logKey = generateNoteKey(origin);
  const signer = createNoteSigner(logKey.signerKey);
  const verifier = createNoteVerifier(logKey.verifierKey);

  it('formats the C2SP tlog-checkpoint body and signs it as a signed note', () => {
    const note = signCheckpoint(origin, head, signer);
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      origin,
      '5',
      Buffer.from(head.rootHash).toString('base64'),
      '',
    ]);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${origin} [A-Za-z0-9+/]{91}=$`));
    expect(Buffer.from(lines[4]!.split(' ')[2]!, 'base64').subarray(0, 4)).toEqual(
      Buffer.from(signer.keyId),
    );
    const checkpoint = verifyCheckpoint(note, { keys: [verifier], origin });
    expect(checkpoint.size).toBe(5);
    expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(head.rootHash));
  });

  it('accepts a key set (rotation) and refuses unknown keys, wrong origins and any changed byte', () => {
    const old = generateNoteKey(origin);
    const note = signCheckpoint(origin, head, signer);
    expect(
      verifyCheckpoint(note, { keys: [createNoteVerifier(old.verifierKey), verifier] }).signedBy,
    ).toEqual([origin]);
    expect(() => verifyCheckpoint(note, { keys: [createNoteVerifier(old.verifierKey)] })).toThrow(
      expect.objectContaining({ code: 'AUDIT_SIGNATURE_INVALID' }),
    );
    expect(() => verifyCheckpoint(note, { keys: [verifier], origin: 'other' })).toThrow(
      expect.objectContaining({ code: 'AUDIT_SIGNATURE_INVALID' }),
    );
    for (let position = 0; position < note.length; position++) {
      const changed =
        note.slice(0, position) + (note[position] === 'A' ? 'B' : 'A') + note.slice(position + 1);
      expect(() => verifyCheckpoint(changed, { keys: [verifier] }), `byte ${position}`).toThrow();
    }
  });

  it('parses and refuses malformed bodies', () => {
    const body = formatCheckpoint({
      origin,
      size: 3,
      rootHash: head.rootHash,
      extensions: ['ext'],
    });
    expect(parseCheckpoint(body).extensions).toEqual(['ext']);
    for (const bad of ['x\n1\n', 'x\n01\nAAAA\n', `x\n1\n${'A'.repeat(43)}\n`, 'x\n1\nAAAA']) {
      expect(() => parseCheckpoint(bad)).toThrow(
        expect.objectContaining({ code: 'AUDIT_CHECKPOINT_MALFORMED' }),
      );
    }
  });

  it('witness cosignatures (tlog-cosignature/v1): k of n', () => {
    const witnesses = ['w1.example', 'w2.example', 'w3.example'].map((name) =>
      generateNoteKey(name, 0x04),
    );
    let note = signCheckpoint(origin, head, signer);
    for (const witness of witnesses.slice(0, 2)) {
      note = cosignCheckpoint(note, {
        cosigner: createNoteSigner(witness.signerKey),
        logKeys: [verifier],
        time: 1_700_000_000,
      });
    }
    const lines = parseSignedNote(note).signatures;
    expect(lines).toHaveLength(3);
    expect(lines[1]!.signature).toHaveLength(72);
    const verifiers = witnesses.map((witness) => createNoteVerifier(witness.verifierKey));
    expect(verifyCosignatures(note, { witnesses: verifiers, quorum: 2 })).toEqual([
      { name: 'w1.example', time: 1_700_000_000 },
      { name: 'w2.example', time: 1_700_000_000 },
    ]);
    expect(() => verifyCosignatures(note, { witnesses: verifiers, quorum: 3 })).toThrow(
      expect.objectContaining({ code: 'AUDIT_SIGNATURE_INVALID' }),
    );
    // The log signature still verifies with cosignatures appended.
    expect(verifyCheckpoint(note, { keys: [verifier] }).size).toBe(5);
    // A cosignature moved onto another checkpoint does not verify.
    const other = signCheckpoint(origin, { ...head, size: 6 }, signer);
    const transplanted = other + note.split('\n').slice(5).join('\n');
    expect(() => verifyCosignatures(transplanted, { witnesses: verifiers, quorum: 1 })).toThrow(
      expect.objectContaining({ code: 'AUDIT_SIGNATURE_INVALID' }),
    );
    // A witness refuses to cosign a checkpoint the log did not sign.
    expect(() =>
      cosignCheckpoint(
        signCheckpoint(origin, head, createNoteSigner(generateNoteKey(origin).signerKey)),
        {
          cosigner: createNoteSigner(witnesses[2]!.signerKey),
          logKeys: [verifier],
          time: 1,
        },
      ),
    ).toThrow(expect.objectContaining({ code: 'AUDIT_SIGNATURE_INVALID' }));
  });

  it('a witness cosigns only checkpoints consistent with the last one it cosigned', () => {
    const leafHashes = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((leaf) => hashLeaf(leaf));
    const witness = createNoteSigner(generateNoteKey('w.example', 0x04).signerKey);
    const previous = { size: 5, rootHash: rootFromLeafHashes(leafHashes, 0, 5) };
    const next = signCheckpoint(
      origin,
      { size: 7, rootHash: rootFromLeafHashes(leafHashes) },
      signer,
    );
    // PROOF(5, D[7]) by RFC 9162 §2.1.4.1: MTH(D[4:5]), MTH(D[5:6]), MTH(D[6:7]), MTH(D[0:4]).
    const proof = consistencyProofRanges(5, 7).map(([start, end]) =>
      rootFromLeafHashes(leafHashes, start, end),
    );
    expect(consistencyProofRanges(5, 7)).toEqual([
      [4, 5],
      [5, 6],
      [6, 7],
      [0, 4],
    ]);
    const cosigned = cosignCheckpoint(next, {
      cosigner: witness,
      logKeys: [verifier],
      time: 10,
      previous,
      consistencyProof: proof,
    });
    expect(parseSignedNote(cosigned).signatures).toHaveLength(2);
    const forked = [...leafHashes];
    forked[2] = hashLeaf('forged');
    const fork = signCheckpoint(origin, { size: 7, rootHash: rootFromLeafHashes(forked) }, signer);
    expect(() =>
      cosignCheckpoint(fork, {
        cosigner: witness,
        logKeys: [verifier],
        time: 10,
        previous,
        consistencyProof: proof,
      }),
    ).toThrow(expect.objectContaining({ code: 'AUDIT_PROOF_INVALID' }));
  });

  it('the same tree head as a JWS, verified with a key set', async () => {
    const jws = await signTreeHeadJws({
      origin,
      head,
      signer,
      issuedAt: new Date('2025-01-01T00:00:00Z'),
    });
    expect(JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString())).toMatchObject({
      alg: 'EdDSA',
      kid: signer.jwk.kid,
    });
    const other = createNoteVerifier(generateNoteKey(origin).verifierKey);
    const verified = await verifyTreeHeadJws(jws, { keys: [other, verifier], origin });
    expect(verified.size).toBe(5);
    expect(Buffer.from(verified.rootHash)).toEqual(Buffer.from(head.rootHash));
    await expect(verifyTreeHeadJws(jws, { keys: [other] })).rejects.toMatchObject({
      code: 'AUDIT_SIGNATURE_INVALID',
    });
    const [header, payload, signature] = jws.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        iss: origin,
        size: 6,
        root: Buffer.from(head.rootHash).toString('base64url'),
        iat: 1,
      }),
    ).toString('base64url');
    await expect(
      verifyTreeHeadJws(`${header}.${forged}.${signature}`, { keys: [verifier] }),
    ).rejects.toMatchObject({
      code: 'AUDIT_SIGNATURE_INVALID',
    });
    void payload;
  });
});
