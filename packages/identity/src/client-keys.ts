import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** A relying party's key material: private keys to keep, a public JWKS to register at the provider. */
export interface ClientKeys {
  /** Private signing JWK (with `kid`, `alg`, `use: sig`) for `private_key_jwt`. */
  signingKey: JWK & { kty: string; kid: string; d: string };
  /** Private JWK (with `kid`, `alg`, `use: enc`) that the provider encrypts userinfo to. */
  decryptionKey: JWK & { kty: string; kid: string; d: string };
  /** The public halves, to register as the client's `jwks`. */
  publicJwks: { keys: Array<JWK & { kty: string }> };
}

function publicOnly(jwk: JWK & { kty: string }): JWK & { kty: string } {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

/**
 * Generates client keys: a signing key (RS256 by default, as eSignet expects) and an
 * RSA-OAEP-256 encryption key.
 *
 * @example
 * const { signingKey, decryptionKey, publicJwks } = await generateClientKeys();
 */
export async function generateClientKeys(
  options: { signingAlgorithm?: 'RS256' | 'PS256' | 'ES256' | 'EdDSA' } = {},
): Promise<ClientKeys> {
  const alg = options.signingAlgorithm ?? 'RS256';
  const suffix = randomBytes(4).toString('hex');
  const signing = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const encryption = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(signing.privateKey)),
    kid: `sig-${suffix}`,
    alg,
    use: 'sig',
  } as ClientKeys['signingKey'];
  const decryptionKey = {
    ...(await exportJWK(encryption.privateKey)),
    kid: `enc-${suffix}`,
    alg: 'RSA-OAEP-256',
    use: 'enc',
  } as ClientKeys['decryptionKey'];
  return {
    signingKey,
    decryptionKey,
    publicJwks: { keys: [publicOnly(signingKey), publicOnly(decryptionKey)] },
  };
}
