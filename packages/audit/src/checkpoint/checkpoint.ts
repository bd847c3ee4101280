import { fromBase64, toBase64 } from '../encoding.js';
import { AuditError } from '../errors.js';
import type { TreeHead } from '../ports.js';
import { type Hash, verifyConsistency } from '../tree/merkle.js';
import type { NoteSigner, NoteVerifier } from './keys.js';
import { keyIdsEqual, openSignedNote, parseSignedNote, signatureLine, signNote } from './note.js';

/** The body of a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint). */
export interface Checkpoint {
  /** Unique identity of the log, e.g. `gov.example/audit`. */
  origin: string;
  size: number;
  rootHash: Hash;
  /** Optional extension lines (not interpreted). */
  extensions: string[];
}

const malformed = (why: string) =>
  new AuditError('AUDIT_CHECKPOINT_MALFORMED', `[audit/checkpoint] ${why}`);

/** The checkpoint body: origin, decimal size, base64 root hash, extension lines, each ending in a newline. */
export function formatCheckpoint(checkpoint: {
  origin: string;
  size: number;
  rootHash: Hash;
  extensions?: string[];
}): string {
  if (!checkpoint.origin || /[\n]/.test(checkpoint.origin))
    throw malformed('origin must be one non-empty line');
  return [
    checkpoint.origin,
    String(checkpoint.size),
    toBase64(checkpoint.rootHash),
    ...(checkpoint.extensions ?? []),
  ]
    .map((line) => `${line}\n`)
    .join('');
}

/** Parses a checkpoint body (the note text). */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length < 3)
    throw malformed('a checkpoint has at least three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (!origin) throw malformed('empty origin');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw malformed('bad tree size');
  const rootHash = fromBase64(rootText);
  if (rootHash?.length !== 32) throw malformed('bad root hash');
  if (extensions.some((line) => line === '')) throw malformed('empty extension line');
  return { origin, size: Number(sizeText), rootHash, extensions };
}

/** Signs a tree head as a checkpoint note. */
export function signCheckpoint(origin: string, head: TreeHead, signer: NoteSigner): string {
  return signNote(formatCheckpoint({ origin, size: head.size, rootHash: head.rootHash }), [signer]);
}

/**
 * Verifies a signed checkpoint with a set of trusted log keys (any one suffices: the set is how
 * key rotation works) and, when given, checks its origin. Returns the checkpoint and the key
 * that signed it. `AUDIT_SIGNATURE_INVALID` or `AUDIT_CHECKPOINT_MALFORMED` otherwise.
 */
export function verifyCheckpoint(
  note: string,
  options: { keys: readonly NoteVerifier[]; origin?: string },
): Checkpoint & { signedBy: string[] } {
  const { text, signedBy } = openSignedNote(note, options.keys);
  const checkpoint = parseCheckpoint(text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new AuditError(
      'AUDIT_SIGNATURE_INVALID',
      `[audit/checkpoint] origin is not '${options.origin}'`,
    );
  }
  return { ...checkpoint, signedBy: signedBy.map((key) => key.name) };
}

/** The message a tlog-cosignature/v1 signs: header line, time line, then the whole checkpoint body. */
function cosignedMessage(text: string, time: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');
}

/**
 * A witness cosigns a checkpoint (C2SP tlog-cosignature/v1, Ed25519, key type 0x04) and returns
 * the note with its cosignature line appended. It first verifies the log's signature with
 * `logKeys` and, when given the last tree head it cosigned (`previous`), that the new checkpoint
 * is consistent with it (`consistencyProof`, RFC 9162) — that is the witness's whole job: it
 * never cosigns a fork. `time` is POSIX seconds. `AUDIT_SIGNATURE_INVALID` or
 * `AUDIT_PROOF_INVALID` when it must refuse.
 */
export function cosignCheckpoint(
  note: string,
  options: {
    cosigner: NoteSigner;
    logKeys: readonly NoteVerifier[];
    time: number;
    previous?: { size: number; rootHash: Hash };
    consistencyProof?: readonly Hash[];
  },
): string {
  if (options.cosigner.type !== 0x04)
    throw new AuditError('AUDIT_KEY_MALFORMED', '[audit/cosignature] a cosigner key has type 0x04');
  const { text } = openSignedNote(note, options.logKeys);
  if (options.previous) {
    const checkpoint = parseCheckpoint(text);
    if (
      !verifyConsistency(
        options.previous.size,
        checkpoint.size,
        options.consistencyProof ?? [],
        options.previous.rootHash,
        checkpoint.rootHash,
      )
    ) {
      throw new AuditError(
        'AUDIT_PROOF_INVALID',
        `[audit/cosignature] checkpoint of size ${checkpoint.size} is not consistent with the last cosigned size ${options.previous.size}`,
      );
    }
  }
  const time = BigInt(Math.floor(options.time));
  const timestamp = new Uint8Array(8);
  new DataView(timestamp.buffer).setBigUint64(0, time);
  const signature = options.cosigner.sign(cosignedMessage(text, time));
  return (
    note +
    signatureLine(
      options.cosigner.name,
      options.cosigner.keyId,
      Uint8Array.of(...timestamp, ...signature),
    )
  );
}

/** A valid cosignature: who and when (POSIX seconds). */
export interface Cosignature {
  name: string;
  time: number;
}

/**
 * Verifies the cosignatures of a checkpoint against known witness keys (type 0x04) and requires
 * at least `quorum` distinct witnesses (k of n). Lines by unknown keys are ignored; a line by a
 * known witness that does not verify is `AUDIT_SIGNATURE_INVALID`, as is a quorum not met.
 * The log's own signature is checked separately by {@link verifyCheckpoint}.
 */
export function verifyCosignatures(
  note: string,
  options: { witnesses: readonly NoteVerifier[]; quorum: number; notAfter?: number },
): Cosignature[] {
  const { text, signatures } = parseSignedNote(note);
  const valid = new Map<string, Cosignature>();
  for (const line of signatures) {
    const witness = options.witnesses.find(
      (candidate) =>
        candidate.type === 0x04 &&
        candidate.name === line.name &&
        keyIdsEqual(candidate.keyId, line.keyId),
    );
    if (!witness) continue;
    if (line.signature.length !== 72)
      throw new AuditError(
        'AUDIT_SIGNATURE_INVALID',
        `[audit/cosignature] bad cosignature by '${line.name}'`,
      );
    const time = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
    if (
      time > 2n ** 63n - 1n ||
      !witness.verify(cosignedMessage(text, time), line.signature.subarray(8))
    ) {
      throw new AuditError(
        'AUDIT_SIGNATURE_INVALID',
        `[audit/cosignature] cosignature by '${line.name}' does not verify`,
      );
    }
    if (options.notAfter !== undefined && Number(time) > options.notAfter) {
      throw new AuditError(
        'AUDIT_SIGNATURE_INVALID',
        `[audit/cosignature] cosignature by '${line.name}' is from the future`,
      );
    }
    valid.set(`${witness.name}/${witness.publicKey.join(',')}`, {
      name: witness.name,
      time: Number(time),
    });
  }
  if (valid.size < options.quorum) {
    throw new AuditError(
      'AUDIT_SIGNATURE_INVALID',
      `[audit/cosignature] ${valid.size} of the required ${options.quorum} witness cosignatures`,
    );
  }
  return [...valid.values()];
}
