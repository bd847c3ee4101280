import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { fromBase64, toBase64, toBase64Url, toHex } from '../encoding.js';
import { AuditError } from '../errors.js';

/**
 * Ed25519 keys in the C2SP signed-note encodings (https://c2sp.org/signed-note):
 * a verifier key is `<name>+<hex key id>+<base64(type ‖ 32-byte public key)>`, a signer key is
 * `PRIVATE+KEY+<name>+<hex key id>+<base64(type ‖ 32-byte seed)>`. The key id is the first four
 * bytes of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`. Type 0x01 signs notes (checkpoints);
 * type 0x04 is a tlog-cosignature/v1 witness key.
 */
export type NoteKeyType = 0x01 | 0x04;

/** A key that can sign notes. */
export interface NoteSigner {
  readonly name: string;
  readonly type: NoteKeyType;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The same key as a private JWK (`OKP`/`Ed25519`), for JOSE. */
  readonly jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string; kid: string };
  /** Ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/** A key that can verify note signatures. */
export interface NoteVerifier {
  readonly name: string;
  readonly type: NoteKeyType;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The public key as a JWK (`kid` = hex key id), for JOSE. */
  readonly jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string };
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/** The signed-note key id: `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`. */
export function noteKeyId(name: string, type: NoteKeyType, publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(name)
      .update(Uint8Array.of(0x0a, type))
      .update(publicKey)
      .digest()
      .subarray(0, 4),
  );
}

function checkName(name: string): void {
  // Key names are non-empty and contain no Unicode spaces and no plus signs.
  if (name.length === 0 || /[\s+]/u.test(name)) {
    throw new AuditError('AUDIT_KEY_MALFORMED', `[audit/keys] invalid key name '${name}'`);
  }
}

function publicOf(seed: Uint8Array): { privateKey: KeyObject; publicKey: Uint8Array } {
  const privateKey = createPrivateKey({
    key: Buffer.concat([pkcs8Prefix, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x as string;
  return { privateKey, publicKey: new Uint8Array(Buffer.from(x, 'base64url')) };
}

function signerFrom(name: string, type: NoteKeyType, seed: Uint8Array): NoteSigner {
  checkName(name);
  const { privateKey, publicKey } = publicOf(seed);
  const keyId = noteKeyId(name, type, publicKey);
  return {
    name,
    type,
    keyId,
    publicKey,
    jwk: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: toBase64Url(publicKey),
      d: toBase64Url(seed),
      kid: toHex(keyId),
    },
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

function verifierFrom(name: string, type: NoteKeyType, publicKey: Uint8Array): NoteVerifier {
  checkName(name);
  const keyObject = createPublicKey({
    key: Buffer.concat([spkiPrefix, publicKey]),
    format: 'der',
    type: 'spki',
  });
  const keyId = noteKeyId(name, type, publicKey);
  return {
    name,
    type,
    keyId,
    publicKey,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey), kid: toHex(keyId) },
    verify: (message, signature) =>
      signature.length === 64 && verify(null, message, keyObject, signature),
  };
}

/** A new random Ed25519 key pair, as signer and verifier key strings. */
export function generateNoteKey(
  name: string,
  type: NoteKeyType = 0x01,
): { signerKey: string; verifierKey: string } {
  const seed = new Uint8Array(randomBytes(32));
  const signer = signerFrom(name, type, seed);
  const material = (bytes: Uint8Array) => toBase64(Uint8Array.of(type, ...bytes));
  return {
    signerKey: `PRIVATE+KEY+${name}+${toHex(signer.keyId)}+${material(seed)}`,
    verifierKey: `${name}+${toHex(signer.keyId)}+${material(signer.publicKey)}`,
  };
}

function parseKey(
  text: string,
  isPrivate: boolean,
): { name: string; type: NoteKeyType; material: Uint8Array; hexId: string } {
  // name+hexid+base64: the name has no '+', but base64 may.
  const parts = text.trim().split('+');
  const fields = isPrivate
    ? parts[0] === 'PRIVATE' && parts[1] === 'KEY'
      ? parts.slice(2)
      : undefined
    : parts;
  const rest =
    fields && fields.length >= 3 ? [fields[0]!, fields[1]!, fields.slice(2).join('+')] : undefined;
  const bytes = rest?.length === 3 ? fromBase64(rest[2]!) : undefined;
  if (
    !rest ||
    !bytes ||
    bytes.length !== 33 ||
    !/^[0-9a-f]{8}$/.test(rest[1]!) ||
    (bytes[0] !== 0x01 && bytes[0] !== 0x04)
  ) {
    throw new AuditError(
      'AUDIT_KEY_MALFORMED',
      `[audit/keys] not a ${isPrivate ? 'signer' : 'verifier'} key in signed-note form`,
    );
  }
  return {
    name: rest[0]!,
    type: bytes[0] as NoteKeyType,
    material: bytes.subarray(1),
    hexId: rest[1]!,
  };
}

/** Parses a signer key (`PRIVATE+KEY+name+id+base64`). `AUDIT_KEY_MALFORMED` when invalid or its id does not match. */
export function createNoteSigner(signerKey: string): NoteSigner {
  const { name, type, material, hexId } = parseKey(signerKey, true);
  const signer = signerFrom(name, type, material);
  if (toHex(signer.keyId) !== hexId)
    throw new AuditError(
      'AUDIT_KEY_MALFORMED',
      '[audit/keys] signer key id does not match its key',
    );
  return signer;
}

/** Parses a verifier key (`name+id+base64`). `AUDIT_KEY_MALFORMED` when invalid or its id does not match. */
export function createNoteVerifier(verifierKey: string): NoteVerifier {
  const { name, type, material, hexId } = parseKey(verifierKey, false);
  const verifier = verifierFrom(name, type, material);
  if (toHex(verifier.keyId) !== hexId)
    throw new AuditError(
      'AUDIT_KEY_MALFORMED',
      '[audit/keys] verifier key id does not match its key',
    );
  return verifier;
}

/** The verifier key string of a signer. */
export function verifierKeyOf(signer: NoteSigner): string {
  return `${signer.name}+${toHex(signer.keyId)}+${toBase64(Uint8Array.of(signer.type, ...signer.publicKey))}`;
}
