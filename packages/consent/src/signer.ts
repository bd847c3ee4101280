import { createHash, type KeyObject, type webcrypto } from 'node:crypto';
import { ConfigurationError } from '@govblocks/core';
import { CompactSign, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * Signs on behalf of the organisation running the consent service: revision hashes (so the
 * history is signed as well as hash-linked) and consent receipts (JWTs). Backed by jose; bring
 * your own (an HSM, a KMS) by implementing the three members.
 */
export interface ConsentSigner {
  /** The `kid` put in every JWS header; receivers look the public key up by it. */
  readonly keyId: string;
  /** The JWS `alg`, e.g. `ES256`, `EdDSA`. */
  readonly algorithm: string;
  /** A compact JWS (RFC 7515) of the UTF-8 `payload`. */
  signJws(payload: string): Promise<string>;
  /** A JWT (RFC 7519) of `claims`, with `iat` set. */
  signJwt(
    claims: Record<string, unknown>,
    options?: { issuer?: string; subject?: string; expiresAt?: Date },
  ): Promise<string>;
  /** The public key as a JWK (with `kid`, `alg`, `use: 'sig'`), for verifiers. */
  publicJwk(): Promise<JWK>;
}

export interface JoseSignerOptions {
  /** A private CryptoKey / KeyObject, or a private JWK. */
  privateKey: webcrypto.CryptoKey | JWK | KeyObject;
  /** The public half, used by {@link ConsentSigner.publicJwk}. */
  publicKey: webcrypto.CryptoKey | KeyObject;
  algorithm?: 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256';
  keyId?: string;
}

/**
 * A {@link ConsentSigner} over jose.
 *
 * @example
 * const signer = await generateConsentSigner(); // development; load your key in production
 * const consent = createConsentService({ store, audit, signer });
 */
export async function createJoseSigner(options: JoseSignerOptions): Promise<ConsentSigner> {
  const algorithm = options.algorithm ?? 'ES256';
  const { importJWK } = await import('jose');
  const privateKey = isJwk(options.privateKey)
    ? await importJWK(options.privateKey, algorithm)
    : options.privateKey;
  const publicJwk = await exportJWK(options.publicKey);
  if ('d' in publicJwk) throw new ConfigurationError('[consent] publicKey must be a public key');
  const keyId =
    options.keyId ??
    createHash('sha256')
      .update(
        JSON.stringify([
          publicJwk.kty,
          publicJwk.crv,
          publicJwk.x,
          publicJwk.y,
          publicJwk.n,
          publicJwk.e,
        ]),
      )
      .digest('base64url')
      .slice(0, 16);
  return {
    keyId,
    algorithm,
    async signJws(payload) {
      return new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: algorithm, kid: keyId })
        .sign(privateKey);
    },
    async signJwt(claims, jwtOptions = {}) {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: algorithm, kid: keyId, typ: 'JWT' })
        .setIssuedAt();
      if (jwtOptions.issuer) jwt.setIssuer(jwtOptions.issuer);
      if (jwtOptions.subject) jwt.setSubject(jwtOptions.subject);
      if (jwtOptions.expiresAt)
        jwt.setExpirationTime(Math.floor(jwtOptions.expiresAt.getTime() / 1000));
      return jwt.sign(privateKey);
    },
    async publicJwk() {
      return { ...publicJwk, kid: keyId, alg: algorithm, use: 'sig' };
    },
  };
}

/** A signer with a fresh ES256 key pair. For development and tests; keys vanish with the process. */
export async function generateConsentSigner(
  options: { keyId?: string } = {},
): Promise<ConsentSigner> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return createJoseSigner({
    privateKey,
    publicKey,
    algorithm: 'ES256',
    ...(options.keyId ? { keyId: options.keyId } : {}),
  });
}

function isJwk(value: unknown): value is JWK {
  return typeof value === 'object' && value !== null && 'kty' in value;
}
