import { fromBase64, toBase64 } from '../encoding.js';
import { AuditError } from '../errors.js';
import type { NoteSigner, NoteVerifier } from './keys.js';

/** One signature line of a signed note: `— <name> base64(key id ‖ signature)`. */
export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  /** The signature bytes after the key id (for cosignatures: timestamp ‖ signature). */
  signature: Uint8Array;
}

const dash = '\u2014 ';
const malformed = (why: string) =>
  new AuditError('AUDIT_CHECKPOINT_MALFORMED', `[audit/note] ${why}`);

/** Splits a signed note (https://c2sp.org/signed-note) into its text and signature lines. */
export function parseSignedNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n'))
    throw malformed('a signed note is text, a blank line, and signature lines');
  const text = note.slice(0, split + 1);
  if ([...text].some((char) => char !== '\n' && (char < ' ' || char === '\u007f')))
    throw malformed('control characters in note text');
  const lines = note.slice(split + 2, -1).split('\n');
  const signatures = lines.map((line) => {
    if (!line.startsWith(dash))
      throw malformed('signature lines start with an em dash and a space');
    const [name, encoded, extra] = line.slice(dash.length).split(' ');
    const bytes = encoded ? fromBase64(encoded) : undefined;
    if (!name || !bytes || extra !== undefined || bytes.length < 5)
      throw malformed('bad signature line');
    return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  if (signatures.length === 0) throw malformed('a signed note needs at least one signature');
  return { text, signatures };
}

/** Formats one signature line. */
export function signatureLine(name: string, keyId: Uint8Array, signature: Uint8Array): string {
  return `${dash}${name} ${toBase64(Uint8Array.of(...keyId, ...signature))}\n`;
}

/** Signs note text (which must end in a newline) with each signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) throw malformed('note text must end with a newline');
  const message = Buffer.from(text, 'utf8');
  return `${text}\n${signers.map((signer) => signatureLine(signer.name, signer.keyId, signer.sign(message))).join('')}`;
}

const sameId = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, index) => byte === b[index]);

/**
 * Verifies a signed note against a set of known keys (several, for key rotation). Returns the
 * text and the keys that signed it. Unknown signatures are ignored; a signature by a known key
 * that does not verify, or no known signature at all, is `AUDIT_SIGNATURE_INVALID`.
 */
export function openSignedNote(
  note: string,
  verifiers: readonly NoteVerifier[],
): { text: string; signedBy: NoteVerifier[] } {
  const { text, signatures } = parseSignedNote(note);
  const message = Buffer.from(text, 'utf8');
  const signedBy: NoteVerifier[] = [];
  for (const line of signatures) {
    const verifier = verifiers.find(
      (candidate) =>
        candidate.type === 0x01 &&
        candidate.name === line.name &&
        sameId(candidate.keyId, line.keyId),
    );
    if (!verifier) continue;
    if (!verifier.verify(message, line.signature)) {
      throw new AuditError(
        'AUDIT_SIGNATURE_INVALID',
        `[audit/note] signature by '${line.name}' does not verify`,
      );
    }
    signedBy.push(verifier);
  }
  if (signedBy.length === 0)
    throw new AuditError('AUDIT_SIGNATURE_INVALID', '[audit/note] no signature by a known key');
  return { text, signedBy };
}

export { sameId as keyIdsEqual };
