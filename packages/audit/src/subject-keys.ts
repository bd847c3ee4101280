import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from './encoding.js';
import type { SealedFields } from './schemas.js';

/** One subject's data key: 32 random bytes for AES-256-GCM, and its id. */
export interface SubjectKey {
  id: string;
  key: Uint8Array;
}

/**
 * Where the per-subject keys of sealed personal fields live, keyed by subject pseudonym.
 * Deleting a subject's keys is crypto-shredding: the sealed fields of every event about that
 * subject become unreadable, while the log itself (hashes, proofs, checkpoints) is unchanged.
 *
 * Keep this store apart from the log (another database, or keys wrapped by a KMS) so that a
 * copy of the log never carries the keys with it.
 */
export interface SubjectKeyStore {
  /** The subject's current key, created on first use. Idempotent; concurrent calls agree. */
  keyFor(pseudonym: string): Promise<SubjectKey>;
  /** A key by id, or undefined when it was erased (or never existed). */
  find(pseudonym: string, keyId: string): Promise<Uint8Array | undefined>;
  /** Deletes every key of the subject. Returns true when there was one. Idempotent. */
  erase(pseudonym: string): Promise<boolean>;
}

/** An in-memory {@link SubjectKeyStore} for tests and demos. */
export function memorySubjectKeyStore(): SubjectKeyStore {
  const keys = new Map<string, SubjectKey>();
  return {
    async keyFor(pseudonym) {
      let key = keys.get(pseudonym);
      if (!key) {
        key = { id: toBase64Url(randomBytes(9)), key: new Uint8Array(randomBytes(32)) };
        keys.set(pseudonym, key);
      }
      return key;
    },
    async find(pseudonym, keyId) {
      const key = keys.get(pseudonym);
      return key && key.id === keyId ? key.key : undefined;
    },
    async erase(pseudonym) {
      return keys.delete(pseudonym);
    },
  };
}

/** Encrypts personal fields (canonical JSON) with a subject key; `eventId` is bound as additional data. */
export function sealFields(plaintext: string, key: SubjectKey, eventId: string): SealedFields {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(eventId));
  const data = Buffer.concat([
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return { alg: 'A256GCM', kid: key.id, iv: toBase64Url(iv), data: toBase64Url(data) };
}

/** Decrypts sealed fields; throws when the key or the ciphertext is wrong. */
export function openFields(sealed: SealedFields, key: Uint8Array, eventId: string): string {
  const data = fromBase64Url(sealed.data);
  const decipher = createDecipheriv('aes-256-gcm', key, fromBase64Url(sealed.iv));
  decipher.setAAD(Buffer.from(eventId));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([
    decipher.update(data.subarray(0, data.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}
